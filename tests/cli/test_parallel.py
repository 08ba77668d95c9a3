"""``plan`` and ``classify`` of a feed file on several processes: the same bytes as one."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from sf_social.cli import parallel
from sf_social.cli.main import cli
from sf_social.cli.parallel import PARALLEL_FROM, auto_jobs

LABELLED = Path(__file__).resolve().parents[1] / "data" / "labelled_posts.jsonl"


@pytest.fixture
def feed(tmp_path: Path) -> Path:
    """Real posts with bad lines among them and a last line without its newline."""
    labelled = LABELLED.read_text(encoding="utf-8").splitlines()[:60]
    posts = [json.dumps(json.loads(line)["post"]).encode() for line in labelled]
    bad = [b'{"network": "twitter"}', b"not json", b"", b'{"network": "myspace", "id": "1"}']
    lines = posts[:25] + bad + posts[25:] + bad[:2]
    path = tmp_path / "feed.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n" + posts[0])
    return path


@pytest.mark.parametrize("command", ["plan", "classify"])
def test_several_processes_write_what_one_writes(
    command: str, feed: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(parallel, "CHUNK", 7)  # many chunks, bad lines in several of them
    one = CliRunner().invoke(cli, [command, "--input", str(feed), "--jobs", "1"])
    three = CliRunner().invoke(cli, [command, "--input", str(feed), "--jobs", "3"])

    assert one.exit_code == three.exit_code == 1  # rejected lines
    assert three.stdout == one.stdout and three.stderr == one.stderr
    assert len(one.stdout.splitlines()) == 61
    first = json.loads(LABELLED.read_text(encoding="utf-8").splitlines()[0])["post"]["id"]
    assert first in one.stdout.splitlines()[0]
    assert "feed.jsonl:26:" in one.stderr and "rejected 5 lines" in one.stderr


def test_a_worker_that_fails_fails_the_command(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(_post: object) -> bytes:
        raise RuntimeError("the render broke")

    monkeypatch.setattr(parallel, "CHUNK", 2)
    line = b'{"network": "twitter", "id": "1", "text": "hi"}\n'
    with pytest.raises(RuntimeError, match="the render broke"):
        list(parallel.results(io.BytesIO(line * 5), "feed", broken, 2))


def test_jobs_by_default(tmp_path: Path) -> None:
    small, large = tmp_path / "small.jsonl", tmp_path / "large.jsonl"
    small.write_bytes(b"{}\n")
    large.write_bytes(b" " * PARALLEL_FROM)
    assert auto_jobs(str(small)) == 1 and auto_jobs("-") == 1
    assert auto_jobs(str(large)) == len(os.sched_getaffinity(0))


def test_pools_end_even_when_the_parent_ignores_sigterm() -> None:
    """A SIGTERM handler the process has (a daemon run inside it, an embedding program)
    is not the workers', and a pool ends after its last chunk and after a failing one: with
    ``multiprocessing.Pool`` both hung at times in CI (its ``terminate`` deadlocked)."""
    script = """
import io, signal
from sf_social.cli import parallel
signal.signal(signal.SIGTERM, lambda *_: None)
parallel.CHUNK = 7
line = b'{"network": "twitter", "id": "1", "text": "hi"}\\n'
def broken(post):
    raise RuntimeError("the render broke")
for n in range(20):
    done = list(parallel.results(io.BytesIO(line * 60), "feed", lambda p: p.id.encode(), 3))
    try:
        if n % 4 == 0:
            list(parallel.results(io.BytesIO(line * 60), "feed", broken, 3))
    except RuntimeError:
        pass
print(sum(accepted for _, _, accepted in done))
"""
    run = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=180, check=False
    )
    assert (run.returncode, run.stdout.strip()) == (0, "60"), run.stderr

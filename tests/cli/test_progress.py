"""Progress: a live bar when stderr is a terminal (a real pty here), plain lines otherwise."""

from __future__ import annotations

import fcntl
import json
import logging
import os
import pty
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pytest
from tqdm import tqdm

from sf_social.cli.progress import Progress
from tests.cli.conftest import PRAISE, clean_env, seeded_org, tweet


def _read_all(fd: int) -> str:
    chunks = []
    while True:
        try:
            chunk = os.read(fd, 65536)
        except OSError:  # EIO: the child closed its end
            break
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks).decode("utf-8", "replace")


@pytest.mark.slow
def test_import_in_a_terminal_draws_a_bar_with_total_percent_rate_and_eta(
    tmp_path: Path,
) -> None:
    feed = tmp_path / "feed.jsonl"
    lines = [json.dumps(tweet(str(n), PRAISE)) for n in range(1, 41)]
    feed.write_text("\n".join([*lines[:20], "{not json", *lines[20:]]) + "\n", encoding="utf-8")
    org = seeded_org()
    with org.serve() as server:
        env = {k: v for k, v in {**os.environ, **clean_env()}.items() if v is not None}
        env.update(server.env(), SF_SOCIAL_DB=f"sqlite:///{tmp_path / 'state.db'}")
        leader, follower = pty.openpty()
        fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
        proc = subprocess.Popen(
            [sys.executable, "-m", "sf_social", "import", str(feed), "--batch-size", "4"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=follower,
            env=env,
            text=True,
        )
        os.close(follower)
        screen = _read_all(leader)
        stdout, _ = proc.communicate(timeout=60)
        os.close(leader)
    assert proc.returncode == 1, screen  # the bad line is left to fix
    assert "41 lines read, 40 new posts" in stdout
    size = tqdm.format_sizeof(feed.stat().st_size)
    assert "feed.jsonl: 100%|" in screen and f"| {size}/{size} [" in screen  # done/total
    assert "B/s, posts 40, plans 40" in screen  # the rate, then the counts
    assert "<00:00" in screen  # elapsed<ETA
    assert "sending: 100%|" in screen
    assert screen.count(f"rejected {feed}:") == 1 and f"rejected {feed}:21:" in screen
    assert "\r" in screen  # redrawn in place, not one line per update
    assert "% (" not in screen  # no plain 10% lines in a terminal


def test_the_plain_lines_come_every_10_percent_with_rate_and_eta(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with Progress("feed", 200, "post") as progress:
        for done in range(0, 201, 5):
            progress.update(done, posts=done)
        progress.echo("a line of its own")
    lines = capsys.readouterr().err.splitlines()
    assert lines[-1] == "a line of its own"
    assert [line.split(" (")[0] for line in lines[:-1]] == [
        f"feed: {p}%" for p in range(10, 101, 10)
    ]
    assert lines[0].startswith("feed: 10% (20 posts of 200 posts), ")
    assert " posts/s, ETA " in lines[0] and lines[0].endswith("; posts 20")


def test_no_total_no_lines_and_log_streams_are_left_alone(
    capsys: pytest.CaptureFixture[str],
) -> None:
    handler = logging.StreamHandler(sys.stderr)
    logging.getLogger().addHandler(handler)
    try:
        with Progress("sending", 0, "plan") as progress:
            progress.update(3, written=3)
        assert handler.stream is sys.stderr
    finally:
        logging.getLogger().removeHandler(handler)
    assert capsys.readouterr().err == ""

"""Single-writer rules: per-source locks (every backend), one daemon per SQLite file."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from sf_social.errors import StoreLockedError
from sf_social.state import StateStore
from sf_social.state.sql import SqlStateStore
from tests.state.conftest import Backend

ROOT = Path(__file__).resolve().parents[2]

CHILD = textwrap.dedent(
    """
    import sys, time
    from sf_social.errors import StoreLockedError
    from sf_social.state.sql import SqlStateStore

    store = SqlStateStore(sys.argv[1])
    try:
        lock = store.lock_for_daemon()
    except StoreLockedError as exc:
        print(exc, flush=True)
        sys.exit(3)
    print("held", flush=True)
    if sys.argv[2] == "hold":
        time.sleep(60)
    lock.release()
    """
)


def run_child(url: str, mode: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-c", CHILD, url, mode],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=ROOT,
    )


def test_one_source_lock_holder_at_a_time(backend: Backend, store: StateStore) -> None:
    first = store.try_lock_source("x")
    assert first is not None
    assert store.try_lock_source("x") is None
    assert backend.open().try_lock_source("x") is None  # another store on the same data
    second = store.try_lock_source("y")
    assert second is not None
    first.release()
    with store.try_lock_source("x") as again:  # type: ignore[union-attr]
        assert store.try_lock_source("x") is None
    assert again is not None
    second.release()
    assert store.try_lock_source("x") is not None


@pytest.mark.slow
def test_a_second_process_on_the_sqlite_file_is_refused(tmp_path: Path) -> None:
    file = tmp_path / "state.db"
    url = f"sqlite:///{file}"
    store = SqlStateStore(url)
    try:
        with store.lock_for_daemon():
            child = run_child(url, "try")
            out, err = child.communicate(timeout=60)
            assert child.returncode == 3, err
            assert str(file) in out
            assert f"PID {os.getpid()}" in out
            assert f"{file}.lock" in out and "one daemon per file" in out
        child = run_child(url, "try")  # released: the next daemon may start
        out, err = child.communicate(timeout=60)
        assert (child.returncode, out.strip()) == (0, "held"), err
    finally:
        store.close()


@pytest.mark.slow
def test_a_killed_daemon_leaves_no_stale_lock(tmp_path: Path) -> None:
    file = tmp_path / "state.db"
    url = f"sqlite:///{file}"
    SqlStateStore(url).close()  # migrate before the child starts
    child = run_child(url, "hold")
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "held"
        store = SqlStateStore(url)
        with pytest.raises(StoreLockedError) as refused:
            store.lock_for_daemon()
        assert refused.value.pid == child.pid
        assert refused.value.database == str(file)
        child.send_signal(signal.SIGKILL)
        child.wait(10)
        store.lock_for_daemon().release()
        store.close()
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(10)
        child.communicate()

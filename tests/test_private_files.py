"""Files we create are 0600, and a symlink where our file should be is refused."""

from __future__ import annotations

import stat
import subprocess
import sys
from pathlib import Path

import pytest

from sf_social.errors import StateError
from sf_social.sources.facebook.spool import WebhookSpool
from sf_social.state import open_store
from tests.cli.conftest import Ops, clean_env, seeded_org


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_state_database_its_wal_and_its_lock_are_owner_only(tmp_path: Path) -> None:
    db = tmp_path / "state.db"
    store = open_store(f"sqlite:///{db}")
    try:
        with store.lock_for_daemon():
            created = sorted(p.name for p in tmp_path.iterdir())
            modes = {p.name: mode(p) for p in tmp_path.iterdir()}
    finally:
        store.close()
    assert {"state.db", "state.db-wal", "state.db.lock"} <= set(created)
    assert modes == dict.fromkeys(created, 0o600)


def test_an_existing_state_database_keeps_its_mode(tmp_path: Path) -> None:
    db = tmp_path / "state.db"
    open_store(f"sqlite:///{db}").close()
    db.chmod(0o640)
    open_store(f"sqlite:///{db}").close()
    assert mode(db) == 0o640


def test_a_symlinked_state_database_is_refused_and_its_target_untouched(tmp_path: Path) -> None:
    target = tmp_path / "elsewhere.txt"
    target.write_text("precious\n")
    (tmp_path / "state.db").symlink_to(target)
    with pytest.raises(StateError, match=r"state database .*state.db is a symbolic link"):
        open_store(f"sqlite:///{tmp_path / 'state.db'}")
    assert target.read_text() == "precious\n"


def test_a_symlinked_lock_file_is_refused_and_its_target_not_truncated(tmp_path: Path) -> None:
    target = tmp_path / "elsewhere.txt"
    target.write_text("precious\n")
    (tmp_path / "state.db.lock").symlink_to(target)
    store = open_store(f"sqlite:///{tmp_path / 'state.db'}")
    try:
        with pytest.raises(StateError, match=r"lock file .*state.db.lock is a symbolic link"):
            store.lock_for_daemon()
    finally:
        store.close()
    assert target.read_text() == "precious\n"


def test_a_symlinked_folder_on_the_way_is_fine(tmp_path: Path) -> None:
    (tmp_path / "volume").mkdir()
    (tmp_path / "data").symlink_to(tmp_path / "volume")
    store = open_store(f"sqlite:///{tmp_path / 'data' / 'state.db'}")
    try:
        with store.lock_for_daemon():
            pass
    finally:
        store.close()
    assert mode(tmp_path / "volume" / "state.db") == 0o600


def test_the_webhook_spool_is_owner_only_and_never_a_symlink(tmp_path: Path) -> None:
    spool = WebhookSpool(tmp_path / "spool.db")
    spool.add([("e1", {"x": 1})])
    spool.close()
    assert {p.name: mode(p) for p in tmp_path.iterdir() if p.name.startswith("spool.db")} == {
        p.name: 0o600 for p in tmp_path.iterdir() if p.name.startswith("spool.db")
    }
    (tmp_path / "other.db").symlink_to(tmp_path / "spool.db")
    with pytest.raises(StateError, match=r"webhook spool .*other.db is a symbolic link"):
        WebhookSpool(tmp_path / "other.db")


def test_the_cli_names_the_symlink_and_exits_2(tmp_path: Path) -> None:
    (tmp_path / "elsewhere.db").write_bytes(b"")
    (tmp_path / "state.db").symlink_to(tmp_path / "elsewhere.db")
    env = clean_env(SF_SOCIAL_DB=f"sqlite:///{tmp_path / 'state.db'}")
    result = Ops(seeded_org(), tmp_path, env).run("status")
    assert result.exit_code == 2
    assert "is a symbolic link" in result.stderr and "Traceback" not in result.output
    assert (tmp_path / "elsewhere.db").read_bytes() == b""


def test_opening_a_second_store_on_the_file_keeps_the_first_ones_writes(tmp_path: Path) -> None:
    """Closing any descriptor of a file drops this process's POSIX locks on it, SQLite's
    too: a second store in the process (the daemon's start-up checks open one) must not
    open the database file itself, or another process's reader, closing last, deletes the
    WAL the first store still writes to (its writes were lost)."""
    url = f"sqlite:///{tmp_path / 'state.db'}"
    read = (
        "import sys; from sf_social.state import open_store; s = open_store(sys.argv[1]);"
        " print(s.status().sources[0].status['n']); s.close()"
    )

    def read_elsewhere() -> str:
        run = subprocess.run([sys.executable, "-c", read, url], capture_output=True, text=True)
        return run.stdout.strip() or run.stderr

    first = open_store(url)
    try:
        first.set_source_status("a", {"n": 1})
        open_store(url).close()
        assert read_elsewhere() == "1"
        first.set_source_status("a", {"n": 2})
        assert read_elsewhere() == "2"
    finally:
        first.close()

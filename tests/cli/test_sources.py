"""``sources list|reset``: cursors shown, forgotten or set; a re-read writes nothing twice."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sf_social.state import open_store
from tests.cli.conftest import PRAISE, Ops, tweet


def configure(ops: Ops, feed: Path) -> None:
    """A config file with one JSONL source named ``support``."""
    path = ops.tmp / "sf-social.toml"
    path.write_text(f'[[sources]]\ntype = "jsonl"\nname = "support"\npath = "{feed}"\n')
    ops.env["SF_SOCIAL_CONFIG"] = str(path)


def listed(ops: Ops) -> dict[str, dict[str, Any]]:
    result = ops.run("sources", "list", "--json")
    assert result.exit_code == 0, result.output
    return {entry["name"]: entry for entry in json.loads(result.stdout)}


def test_list_shows_configured_and_imported_sources_with_their_cursors(ops: Ops) -> None:
    feed = ops.feed("support.jsonl", tweet("1"), tweet("2", PRAISE))
    configure(ops, feed)
    before = listed(ops)
    assert before == {
        "support": {
            "name": "support",
            "type": "jsonl",
            "cursor": None,
            "cursor_updated_at": None,
            "status": None,
            "status_updated_at": None,
        }
    }
    assert not ops.db.exists()  # listing creates no state
    assert ops.run("sync", "--once").exit_code == 0
    imported = ops.feed("old.jsonl", tweet("3"))
    assert ops.run("import", str(imported)).exit_code == 0

    after = listed(ops)
    assert list(after) == ["support", f"jsonl:{imported}"]
    assert after["support"]["cursor"]["line"] == 2 and after["support"]["cursor_updated_at"]
    assert after[f"jsonl:{imported}"]["type"] == "not configured"
    text = ops.run("sources", "list").stdout
    assert "source support (jsonl)" in text and '"line":2' in text and "ago)" in text
    assert f"source jsonl:{imported} (not configured)" in text


def test_reset_reads_the_source_again_and_writes_nothing_twice(ops: Ops) -> None:
    feed = ops.feed("support.jsonl", tweet("1"), tweet("2", PRAISE))
    configure(ops, feed)
    assert ops.run("sync", "--once").exit_code == 0
    counts, ledger = ops.counts(), ops.ledger()

    reset = ops.run("sources", "reset", "support")
    assert reset.exit_code == 0, reset.output
    assert 'cursor forgotten (was {"file":' in reset.stdout
    assert "nothing is written twice" in reset.stdout
    assert listed(ops)["support"]["cursor"] is None

    again = ops.run("sync", "--once")
    assert again.exit_code == 0, again.output
    assert "pulled=2 rejected=0 new=0 planned=0 written=0" in again.stdout  # the ledger skips
    assert ops.counts() == counts and ops.ledger() == ledger
    assert listed(ops)["support"]["cursor"]["line"] == 2


def test_reset_to_a_given_cursor(ops: Ops) -> None:
    feed = ops.feed("support.jsonl", tweet("1"), tweet("2", PRAISE))
    configure(ops, feed)
    assert ops.run("sync", "--once").exit_code == 0
    cursor = listed(ops)["support"]["cursor"]
    line_one = {**cursor, "offset": len(json.dumps(tweet("1"))) + 1, "line": 1}

    done = ops.run("sources", "reset", "support", "--to", json.dumps(line_one))
    assert done.exit_code == 0, done.output
    assert "cursor set to" in done.stdout
    assert listed(ops)["support"]["cursor"] == line_one
    assert "pulled=1 " in ops.run("sync", "--once").stdout  # from line 2 on

    for bad, why in (("{oops", "is not JSON"), ("[1, 2]", "give a JSON object")):
        refused = ops.run("sources", "reset", "support", "--to", bad)
        assert refused.exit_code == 2 and why in refused.stderr


def test_reset_of_an_unknown_source_lists_the_known_ones(ops: Ops) -> None:
    configure(ops, ops.feed("support.jsonl", tweet("1")))
    refused = ops.run("sources", "reset", "supprot")
    assert refused.exit_code == 2
    assert "no source 'supprot'; known: support" in refused.stderr


def test_reset_is_refused_while_a_daemon_holds_the_sqlite_file(ops: Ops) -> None:
    configure(ops, ops.feed("support.jsonl", tweet("1")))
    assert ops.run("sync", "--once").exit_code == 0
    store = open_store(f"sqlite:///{ops.db}")
    lock = store.lock_for_daemon()  # flock: another open of the lock file is refused
    try:
        refused = ops.run("sources", "reset", "support")
    finally:
        lock.release()
        store.close()
    assert refused.exit_code == 2
    assert "not resetting support while a daemon runs" in refused.stderr
    assert "in use by another sf-social process" in refused.stderr
    assert listed(ops)["support"]["cursor"] is not None  # untouched

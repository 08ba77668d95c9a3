"""``dead-letters list|show|retry|drop``: a refused picklist value, fixed, then retried."""

from __future__ import annotations

import json

from tests.cli.conftest import PRAISE, Ops, tweet

CODE = "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"


def refused(ops: Ops) -> None:
    """Two complaints whose Case the org refuses (segment value missing), one praise."""
    ops.org.schema.remove_picklist_value("Case", "Social_Segment__c", "Request")
    feed = ops.feed("posts.jsonl", tweet("1"), tweet("2"), tweet("3", PRAISE))
    assert ops.run("import", str(feed)).exit_code == 1


def test_a_fixed_cause_then_retry_writes_them(ops: Ops) -> None:
    refused(ops)
    listed = ops.run("dead-letters", "list")
    assert listed.exit_code == 0, listed.output
    assert "twitter:1" in listed.stdout and "twitter:2" in listed.stdout
    assert CODE in listed.stdout and "Social_Segment__c" in listed.stdout
    entries = json.loads(ops.run("dead-letters", "list", "--json").stdout)
    assert [e["post_key"] for e in entries] == ["twitter:1", "twitter:2"]
    assert {e["code"] for e in entries} == {CODE}
    assert "Request" in entries[0]["message"] or "Social_Segment__c" in entries[0]["fields"]

    shown = ops.run("dead-letters", "show", str(entries[0]["id"]))
    assert shown.exit_code == 0, shown.output
    assert f"error:       {CODE}" in shown.stdout
    assert '"thread_key": "twitter:thread:1"' in shown.stdout  # the full plan
    assert json.loads(ops.run("dead-letters", "show", str(entries[0]["id"]), "--json").stdout)[
        "plan"
    ]["post_key"] == ("twitter:1")

    # retrying before the fix: they come back
    again = ops.run("dead-letters", "retry", str(entries[0]["id"]))
    assert again.exit_code == 1
    assert "dead letter again" in again.stderr and CODE in again.stderr

    ops.org.schema.add_picklist_value("Case", "Social_Segment__c", "Request")
    fixed = ops.run("dead-letters", "retry", "--code", CODE)
    assert fixed.exit_code == 0, fixed.output
    assert "moved 2 dead letters back to the outbox" in fixed.stdout
    assert "written 2 (4 record writes), retried 0, dead 0" in fixed.stdout
    assert "sending: 100% (2 plans of 2 plans), " in fixed.stderr  # not a TTY: the 10% lines
    assert ops.org.count("Case") == 2
    cases = {c["Social_Thread_Key__c"] for c in ops.org.records("Case")}
    assert cases == {"twitter:thread:1", "twitter:thread:2"}
    assert "no dead letters" in ops.run("dead-letters", "list").stdout
    store = ops.store()
    assert store.status().ledger_by_status == {"written": 3}
    store.close()


def test_retry_takes_along_the_replies_that_failed_because_of_it(ops: Ops) -> None:
    """Praise replies log a Task on the thread's Case: refused with it (PARENT_FAILED)."""
    ops.org.schema.remove_picklist_value("Case", "Social_Segment__c", "Request")
    replies = [tweet(n, PRAISE, conversation_id="1", in_reply_to_id="1") for n in ("2", "3")]
    feed = ops.feed("posts.jsonl", tweet("1"), *replies, tweet("4", PRAISE))
    assert ops.run("import", str(feed)).exit_code == 1
    entries = json.loads(ops.run("dead-letters", "list", "--json").stdout)
    assert [e["code"] for e in entries] == [CODE, "PARENT_FAILED", "PARENT_FAILED"]

    ops.org.schema.add_picklist_value("Case", "Social_Segment__c", "Request")
    fixed = ops.run("dead-letters", "retry", "--code", CODE)
    assert fixed.exit_code == 0, fixed.output
    assert "moved 3 dead letters back to the outbox" in fixed.stdout
    assert "written 3 (" in fixed.stdout
    assert "no dead letters" in ops.run("dead-letters", "list").stdout
    assert ops.counts() == {"Case": 1, "Lead": 0, "Task": 4}
    assert ops.ledger() == {"written": 4}


def test_retry_without_push_and_drop(ops: Ops) -> None:
    refused(ops)
    entries = json.loads(ops.run("dead-letters", "list", "--json").stdout)
    moved = ops.run("dead-letters", "retry", "--no-push", str(entries[0]["id"]))
    assert moved.exit_code == 0 and "moved 1 dead letter back" in moved.stdout
    store = ops.store()
    assert store.status().outbox_depth == 1
    store.close()
    assert ops.org.count("Case") == 0  # not pushed

    dropped = ops.run("dead-letters", "drop", "--all")
    assert dropped.exit_code == 0 and "dropped 1 dead letter" in dropped.stdout
    assert ops.run("dead-letters", "drop", "--all").stdout.startswith("dropped 0")


def test_selection_is_required_and_unknown_ids_are_said(ops: Ops) -> None:
    none = ops.run("dead-letters", "retry")
    assert none.exit_code == 2 and "IDs, --code CODE, or --all" in none.output
    both = ops.run("dead-letters", "drop", "--all", "--code", CODE)
    assert both.exit_code == 2
    missing = ops.run("dead-letters", "show", "99")
    assert missing.exit_code == 1 and "no dead letter 99" in missing.output

"""``sf-social import FILE``: intake then push, exit codes, what is left, rejected lines."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sf_social.sync.health import check_health
from sf_social.testing import FaultKind
from tests.cli.conftest import LEAD, PRAISE, Ops, tweet
from tests.tiny_model import IDEA, corrupt_model


def test_import_writes_everything_and_exits_0(ops: Ops) -> None:
    feed = ops.feed("posts.jsonl", tweet("1"), tweet("2", PRAISE), tweet("3", LEAD))
    result = ops.run("import", str(feed))
    assert result.exit_code == 0, result.output
    assert "3 lines read, 3 new posts" in result.stdout
    assert "3 written" in result.stdout
    assert "nothing left pending or failed" in result.stderr
    assert ops.counts() == {"Case": 1, "Lead": 1, "Task": 3}
    (case,) = ops.org.records("Case")
    assert case["Social_Thread_Key__c"] == "twitter:thread:1"

    again = ops.run("import", str(feed))  # the cursor remembers the file
    assert again.exit_code == 0, again.output
    assert "nothing new since the last import" in again.stderr
    assert ops.counts() == {"Case": 1, "Lead": 1, "Task": 3}


def test_rejected_lines_are_named_by_file_and_line_and_exit_1(ops: Ops) -> None:
    feed = ops.feed(
        "posts.jsonl", tweet("1"), "{not json", json.dumps({"network": "twitter"}), tweet("2")
    )
    result = ops.run("import", str(feed))
    assert result.exit_code == 1, result.output
    assert f"rejected {feed}:2:" in result.stderr
    assert f"rejected {feed}:3:" in result.stderr
    assert "2 lines rejected (listed above)" in result.stderr
    assert ops.org.count("Task") == 2  # the good lines went through


def test_writes_that_wait_for_a_retry_are_reported_and_exit_1(ops: Ops) -> None:
    ops.org.faults.add(FaultKind.SERVER_UNAVAILABLE, rate=1.0, path="/composite/sobjects")
    feed = ops.feed("posts.jsonl", tweet("1"), tweet("2", PRAISE))
    result = ops.run("import", str(feed))
    assert result.exit_code == 1, result.output
    assert "still in the outbox" in result.stderr
    assert "2 retried" in result.stdout
    store = ops.store()
    assert store.status().outbox_depth == 2
    store.close()

    ops.org.faults.clear()
    waited = ops.run("import", str(feed), "--wait", "20s")  # nothing new; retries due in ~1 s
    assert waited.exit_code == 0, waited.output
    assert ops.org.count("Task") == 2


def test_a_permanent_refusal_is_a_dead_letter_and_exit_1(ops: Ops) -> None:
    ops.org.schema.remove_picklist_value("Case", "Social_Segment__c", "Request")
    feed = ops.feed("posts.jsonl", tweet("1"), tweet("2", PRAISE))
    result = ops.run("import", str(feed))
    assert result.exit_code == 1, result.output
    assert "1 dead" in result.stdout
    assert "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST" in result.stderr
    assert "sf-social dead-letters" in result.stderr
    assert ops.org.count("Case") == 0 and ops.org.count("Task") == 1


def test_without_salesforce_settings_import_stops_before_reading(ops: Ops) -> None:
    ops.env["SF_ACCESS_TOKEN"] = None
    feed = ops.feed("posts.jsonl", tweet("1"))
    result = ops.run("import", str(feed))
    assert result.exit_code == 2, result.output
    assert "SF_ACCESS_TOKEN" in result.stderr
    store = ops.store()
    assert store.status().ledger_by_status == {}
    store.close()


def test_a_long_import_reports_progress_and_pushes_as_it_goes(ops: Ops) -> None:
    posts = [tweet(str(n), PRAISE) for n in range(1, 26)]
    feed = ops.feed("posts.jsonl", *posts)
    result = ops.run("import", str(feed), "--batch-size", "1")
    assert result.exit_code == 0, result.output
    # Not a terminal: one plain line per 10% of the file's bytes, then one for the last push.
    reading = [line for line in result.stderr.splitlines() if line.startswith("posts.jsonl: ")]
    percents = [int(line.split()[1].rstrip("%")) for line in reading]
    assert [p // 10 for p in percents] == list(range(1, 11))
    size = f"{feed.stat().st_size / 1000:.2f}kB"
    assert reading[-1].startswith(f"posts.jsonl: 100% ({size} of {size}), ")
    assert "B/s, ETA 00:00; posts 25, plans 25, records 20" in reading[-1]
    (sending,) = [line for line in result.stderr.splitlines() if line.startswith("sending: ")]
    assert sending.startswith("sending: 100% (5 plans of 5 plans), ")
    assert sending.endswith("; written 5, records 25")  # records: of the whole import
    store = ops.store()
    pushes = store.runs(source="push", limit=10)
    store.close()
    assert len(pushes) == 3  # after 10 and 20 batches, then at the end
    assert [r.counts.written for r in reversed(pushes)] == [10, 10, 5]
    assert ops.org.count("Task") == 25


def test_with_a_model_the_records_follow_its_decision(ops: Ops, tiny_model: Path) -> None:
    rules = ops.run("import", str(ops.feed("rules.jsonl", tweet("1", IDEA))))
    assert rules.exit_code == 0, rules.output
    assert ops.counts() == {"Case": 0, "Lead": 0, "Task": 0}  # the rules alone: no segment
    assert ops.ledger() == {"skipped": 1}

    feed = ops.feed("model.jsonl", tweet("2", IDEA))
    learned = ops.run("import", str(feed), "--model", str(tiny_model))
    assert learned.exit_code == 0, learned.output
    (case,) = ops.org.records("Case")
    assert case["Social_Segment__c"] == "Suggestion"
    assert case["Social_Thread_Key__c"] == "twitter:thread:2"
    assert ops.segments("Task") == ["Suggestion"]


def test_an_unusable_model_stops_import_before_reading_and_exits_2(ops: Ops) -> None:
    feed = ops.feed("posts.jsonl", tweet("1", IDEA))
    broken = corrupt_model(ops.tmp / "broken.npz")
    result = ops.run("import", str(feed), "--model", str(broken))
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(f"error: model {broken}: not a model file")
    assert "Traceback" not in result.output
    missing = ops.run("import", str(feed), "--model", str(ops.tmp / "missing.npz"))
    assert missing.exit_code == 2, missing.output
    assert f"error: model {ops.tmp / 'missing.npz'}: no such file" in missing.stderr
    assert ops.counts() == {"Case": 0, "Lead": 0, "Task": 0}
    assert ops.ledger() == {}


def test_a_half_written_last_line_is_read_once_it_is_complete(ops: Ops) -> None:
    """A feed still being appended to: its last line is left for the next import, not lost."""
    feed = ops.feed("posts.jsonl", tweet("1"))
    last = json.dumps(tweet("2", PRAISE))
    with feed.open("a", encoding="utf-8") as out:
        out.write(last[:30])
    result = ops.run("import", str(feed))
    assert result.exit_code == 1, result.output
    assert f"{feed}:2: last line incomplete, not read" in result.stderr
    assert "rejected" not in result.stderr.replace("0 rejected", "")
    assert ops.org.count("Task") == 1

    with feed.open("a", encoding="utf-8") as out:
        out.write(last[30:])  # complete, still without its newline: read
    finished = ops.run("import", str(feed))
    assert finished.exit_code == 0, finished.output
    assert "1 line read, 1 new posts" in finished.stdout
    assert ops.org.count("Task") == 2

    with feed.open("a", encoding="utf-8") as out:
        out.write("\n" + json.dumps(tweet("3", LEAD)) + "\n")
    more = ops.run("import", str(feed))
    assert more.exit_code == 0, more.output
    assert "1 line read, 1 new posts" in more.stdout  # line 2 is not read twice


def test_hostile_lines_are_rejected_counted_and_shown_by_status_and_health(ops: Ops) -> None:
    """Issue 12: deep nesting, dates at both ends of the calendar, a NUL id, absurd numbers
    are rejected on their lines; the good posts beside them are written; status and health
    show how many were refused."""
    deep = '{"network":"twitter","id":"d","text":"x","raw":{"a":' + "[" * 5000 + "]" * 5000 + "}}"
    hostile = [
        deep,
        json.dumps(tweet("y1", created_at="0001-01-01T00:00:00+05:00")),
        json.dumps(tweet("y9", created_at="9999-12-31T23:59:59-05:00")),
        json.dumps(tweet("h\u0000x")),
        json.dumps(tweet("f", author={"id": "u", "followers": 1e100})),
    ]
    feed = ops.feed("posts.jsonl", tweet("1"), *hostile, tweet("2", PRAISE))
    result = ops.run("import", str(feed))
    assert result.exit_code == 1, result.output
    for line_no in range(2, 7):
        assert f"rejected {feed}:{line_no}:" in result.stderr
    assert ops.org.count("Task") == 2  # the good lines went through

    status = ops.run("status", "--json")
    assert status.exit_code == 0, status.output
    (source,) = json.loads(status.stdout)["sources"]
    assert source["last_pass"]["rejected"] == 5
    assert "rejected 5" in ops.run("status").stdout

    store = ops.store()
    try:
        report = check_health(
            store,
            [source["name"]],
            max_pass_age=timedelta(hours=1),
            max_outbox_age=timedelta(hours=1),
            max_dead_letters=-1,
            now=datetime.now(UTC),
        )
    finally:
        store.close()
    (check,) = [c for c in report.checks if c.name == "rejected"]
    assert check.ok and check.detail.startswith("5 in the last passes")

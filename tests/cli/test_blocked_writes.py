"""Health never lies: a push that needs an operator is blocked, said so at once, and costs
the waiting rows nothing."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sf_social.sync.metrics import Metrics
from sf_social.sync.push import PushCounts
from tests.cli.conftest import PRAISE, Ops, tweet
from tests.cli.test_sync_status import configure


def outbox(ops: Ops) -> list[int]:
    """Attempts spent so far on each outbox row (all claimable now: none is leased)."""
    store = ops.store()
    try:
        rows = store.claim_outbox("probe", 100, datetime.now(UTC), timedelta(minutes=1))
        store.release(rows)
        return [r.attempts - 1 for r in rows]  # this probe's claim not counted
    finally:
        store.close()


def test_a_rejected_token_blocks_writes_and_health_fails_within_one_pass(ops: Ops) -> None:
    configure(ops, ops.feed("a.jsonl", tweet("1"), tweet("2", PRAISE)))
    ops.org.sessions.expire_all()  # a bare SF_ACCESS_TOKEN cannot log in again
    first = ops.run("sync", "--once")
    assert first.exit_code == 1, first.output
    assert ops.counts() == {"Case": 0, "Lead": 0, "Task": 0}

    health = ops.run("health", "--json")
    assert health.exit_code == 1
    checks = {c["name"]: c for c in json.loads(health.stdout)["checks"]}
    assert checks["writes"]["ok"] is False
    assert "set a fresh SF_ACCESS_TOKEN" in checks["writes"]["detail"]
    status = ops.run("status")
    assert "WRITES BLOCKED until fixed:" in status.stdout and "(FAILED)" in status.stdout
    assert json.loads(ops.run("status", "--json").stdout)["writes_blocked"]
    # given back untried: not leased for minutes, no attempt spent
    assert outbox(ops) == [0, 0]

    ops.env["SF_ACCESS_TOKEN"] = ops.org.sessions.issue()  # the operator renews it
    fixed = ops.run("sync", "--once")
    assert fixed.exit_code == 0, fixed.output
    assert ops.counts()["Task"] == 2
    assert ops.run("health").exit_code == 0


def test_a_field_the_org_lacks_blocks_writes_with_the_fix_instead_of_retrying(
    ops: Ops,
) -> None:
    configure(ops, ops.feed("a.jsonl", tweet("1")))
    ops.org.schema.remove_field("Case", "Social_Thread_Key__c")
    result = ops.run("sync", "--once")
    assert result.exit_code == 1, result.output
    health = ops.run("health")
    assert health.exit_code == 1
    assert "FAIL  writes: blocked:" in health.stdout
    assert "Social_Thread_Key__c" in health.stdout and "sf-social metadata deploy" in health.stdout
    assert outbox(ops) == [0]  # not rescheduled as if it were transient


def test_blocked_passes_are_counted_in_the_metrics() -> None:
    metrics = Metrics()
    metrics.count_push(PushCounts(blocked="login refused"))
    metrics.count_push(PushCounts())
    assert "sf_social_push_blocked_total 1" in metrics.render()


def test_a_record_refused_for_the_org_set_up_is_a_dead_letter_saying_the_fix(ops: Ops) -> None:
    configure(ops, ops.feed("a.jsonl", tweet("1")))
    ops.org.schema.remove_field("Case", "Social_Complaint__c")
    assert ops.run("sync", "--once").exit_code == 1
    listing = ops.run("dead-letters", "list")
    assert "INVALID_FIELD" in listing.stdout
    shown = ops.run("dead-letters", "show", "1")
    assert "fix: deploy the metadata" in shown.stdout

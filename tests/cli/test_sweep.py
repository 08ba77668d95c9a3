"""The overdue sweep on the local org: exactly the overdue Cases, counted API calls."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from sf_social.config import load_config
from sf_social.salesforce.times import parse_api_time
from sf_social.sync.daemon import Daemon
from sf_social.sync.runtime import Runtime
from sf_social.sync.sweep import OverdueSweep
from tests.cli.conftest import Ops
from tests.cli.test_sync_status import configure
from tests.traffic import day_of_traffic

NOW = datetime.now(UTC)


@pytest.fixture
def runtime(ops: Ops, monkeypatch: pytest.MonkeyPatch) -> Iterator[Runtime]:
    """A day of traffic synced to the local org; the daemon's runtime on its state."""
    configure(ops, ops.feed("day.jsonl", *day_of_traffic(NOW).posts))
    assert ops.run("sync", "--once").exit_code == 0
    for name, value in ops.env.items():
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    runtime = Runtime(load_config(None))
    runtime.connect()
    yield runtime
    runtime.close()


def overdue(case: dict[str, Any], now: datetime) -> bool:
    due = parse_api_time(case.get("Social_Response_Due__c"))
    return (
        not case["IsClosed"]
        and case.get("Social_First_Response__c") is None
        and due is not None
        and due < now
    )


def flagged(ops: Ops) -> set[str]:
    """Cases flagged overdue without a reply (a late reply flags its Case too)."""
    return {
        c["Id"]
        for c in ops.org.records("Case")
        if c.get("Social_Response_Overdue__c") and not c.get("Social_First_Response__c")
    }


def close(ops: Ops, cases: list[dict[str, Any]]) -> None:
    for case in cases:
        ops.org.update_record("Case", case["Id"], Status="Closed")


def test_the_sweep_flags_exactly_the_overdue_cases(ops: Ops, runtime: Runtime) -> None:
    late = [c for c in ops.org.records("Case") if overdue(c, NOW)]
    assert len(late) > 5 and not flagged(ops)
    close(ops, late[:3])  # agents closed these meanwhile: not overdue any more
    wanted = {c["Id"] for c in late[3:]}

    sweep = OverdueSweep(runtime.store, runtime.org, clock=lambda: NOW)
    calls = ops.org.call_count()
    counts = sweep.run()
    assert flagged(ops) == wanted
    assert (counts.flagged, counts.failed) == (len(wanted), 0)
    assert ops.org.call_count() - calls == counts.api_calls == 2  # one query, one update
    assert not any(c["IsEscalated"] for c in ops.org.records("Case"))

    again = sweep.run()  # what the query showed is remembered: nothing left to look at
    assert (again.candidates, again.api_calls) == (0, 0)
    assert ops.org.call_count() - calls == 2


def test_a_pass_with_none_overdue_costs_one_query(ops: Ops, runtime: Runtime) -> None:
    later = NOW + timedelta(days=2)  # every unanswered Case is past due by then
    unanswered = [c for c in ops.org.records("Case") if overdue(c, later)]
    close(ops, unanswered)  # ... but agents closed them all
    calls = ops.org.call_count()
    counts = OverdueSweep(runtime.store, runtime.org, clock=lambda: later).run()
    assert counts.candidates == len(unanswered) and counts.flagged == 0
    assert ops.org.call_count() - calls == 1
    assert not flagged(ops)


def test_the_playbook_can_escalate_overdue_cases(ops: Ops, runtime: Runtime) -> None:
    late = {c["Id"] for c in ops.org.records("Case") if overdue(c, NOW)}
    OverdueSweep(runtime.store, runtime.org, escalate=True, clock=lambda: NOW).run()
    escalated = {c["Id"] for c in ops.org.records("Case") if c["IsEscalated"]}
    assert escalated == late == flagged(ops)


def test_the_playbook_can_notify_the_queues_of_overdue_cases(ops: Ops, runtime: Runtime) -> None:
    late = {c["Id"]: c for c in ops.org.records("Case") if overdue(c, NOW)}
    calls = ops.org.call_count()
    counts = OverdueSweep(runtime.store, runtime.org, notify=True, clock=lambda: NOW).run()
    sent = ops.org.notifications.sent
    assert {n.target_id for n in sent} == set(late) == flagged(ops)
    assert all(n.recipient_ids == (late[n.target_id]["OwnerId"],) for n in sent)
    assert all(r.startswith("00G") for n in sent for r in n.recipient_ids)  # the queues
    assert (counts.notified, counts.notify_failed) == (len(late), 0)
    # one query, one update, the notification type's Id (once per process), one action call
    assert ops.org.call_count() - calls == counts.api_calls == 4


def test_the_daemons_sweep_job_flags_and_refreshes_the_gauges(ops: Ops, runtime: Runtime) -> None:
    late = {c["Id"] for c in ops.org.records("Case") if overdue(c, datetime.now(UTC))}
    daemon = Daemon(runtime)
    daemon._sweep_job()
    assert flagged(ops) == late
    metrics = daemon.metrics
    assert metrics.value("sf_social_overdue_flagged_total") == len(late)
    assert metrics.value("sf_social_passes_total", job="sweep") == 1
    assert metrics.value("sf_social_response_cases", group="all") == ops.org.count("Case")
    assert metrics.value("sf_social_response_overdue", group="all") == len(late)

"""Salesforce misbehaving: 20% of calls fail, plus a daily-limit window → same org."""

from __future__ import annotations

from collections import Counter

import pytest

from sf_social.testing import FaultKind
from tests.reliability.conftest import Clean
from tests.reliability.harness import Rig
from tests.reliability.orgs import assert_invariant

pytestmark = pytest.mark.slow

SEED = 20261120
CALL_FAULTS = {
    # call-level: together about 20% of calls (the first rule that fires decides)
    FaultKind.SERVER_UNAVAILABLE: 0.04,
    FaultKind.INTERNAL_ERROR: 0.03,
    FaultKind.BAD_GATEWAY: 0.03,
    FaultKind.CONCURRENT_REQUESTS: 0.03,
    FaultKind.DROP: 0.035,
    FaultKind.LOST_ANSWER: 0.05,
    FaultKind.TIMEOUT: 0.015,
}


def test_transient_faults_and_a_limit_window_end_in_the_clean_org(
    clean: Clean, sqlite_rig: Rig
) -> None:
    org = sqlite_rig.org
    org.faults.reseed(SEED)
    org.faults.timeout_seconds = 3.0  # the driver's client gives up after 2 s
    for n, kind in enumerate(CALL_FAULTS):  # each kind once for sure, early on
        org.faults.add(kind, calls=range(3 + 2 * n, 4 + 2 * n))
    # REQUEST_LIMIT_EXCEEDED (TotalRequests): every write in a window of calls refused
    org.faults.add(FaultKind.TOTAL_REQUESTS, calls=range(20, 45), path="/composite/sobjects")
    for kind, rate in CALL_FAULTS.items():
        org.faults.add(kind, rate)
    org.faults.add(FaultKind.UNABLE_TO_LOCK_ROW, 0.05)  # per record, inside 200 answers

    result = sqlite_rig.run(["--deadline", "100", "--lease", "5"])

    injected = Counter(f.kind for f in org.faults.injected)
    context = f"fault seed {SEED}; injected {dict(injected)}\n{result.describe()}"
    assert result.returncode == 0 and result.final.get("done"), context
    failed_calls = sum(n for k, n in injected.items() if k is not FaultKind.UNABLE_TO_LOCK_ROW)
    counted = sum(1 for c in org.calls if c.number)
    assert failed_calls >= 0.15 * counted, context
    for kind in (*CALL_FAULTS, FaultKind.TOTAL_REQUESTS, FaultKind.UNABLE_TO_LOCK_ROW):
        assert injected[kind] > 0, f"{kind} never fired: {context}"
    summaries = [line["summary"] for line in result.lines if "summary" in line]
    assert any("retried=0" not in s for s in summaries), f"nothing rescheduled: {context}"
    assert any("stopped=" in s for s in summaries), f"the limit never paused writes: {context}"
    assert result.final["dead_letters"] == {}, context
    assert_invariant(org, clean.snapshot, clean.feed, log=sqlite_rig.log, context=context)


def test_a_limit_refusal_of_the_case_read_ends_the_pass_cleanly(
    clean: Clean, sqlite_rig: Rig
) -> None:
    """The first call of a push is its read of the batch's Cases; the org refuses it."""
    sqlite_rig.org.faults.next(FaultKind.TOTAL_REQUESTS)
    result = sqlite_rig.run(["--once", "--lease", "300"])
    assert result.returncode == 0, result.describe()
    # the refused batch waits for the budget, it is not stuck in a 5-minute lease
    again = sqlite_rig.run(["--deadline", "20", "--lease", "300"])
    assert again.returncode == 0 and again.final.get("done"), again.describe()
    assert_invariant(sqlite_rig.org, clean.snapshot, clean.feed, log=sqlite_rig.log)

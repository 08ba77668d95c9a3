"""The daily API budget pauses and resumes writes; retry timings are instant in tests."""

from __future__ import annotations

import pytest

from sf_social.errors import ApiBudgetPaused, SalesforceApiError
from sf_social.salesforce.budget import ApiBudget, BudgetPolicy
from sf_social.salesforce.codes import Disposition
from sf_social.salesforce.retry import RetryPolicy, backoff, retried


class Clock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


def test_pauses_at_the_ceiling_and_resumes_when_usage_falls() -> None:
    clock = Clock()
    budget = ApiBudget(BudgetPolicy(ceiling=0.9, recheck_seconds=300), clock=clock)
    budget.observe_header("api-usage=13499/15000")
    budget.check()  # 89.99%: go on
    budget.observe_header("api-usage=13500/15000;per-app-api-usage=17/250(appName=x)")
    assert budget.paused
    with pytest.raises(ApiBudgetPaused) as caught:
        budget.check()
    message = str(caught.value)
    assert "13,500 of 15,000" in message and "90%" in message and "resume" in message
    assert caught.value.retry_after == 300
    assert not budget.needs_recheck()
    clock.now += 299
    assert not budget.needs_recheck()
    clock.now += 1
    assert budget.needs_recheck()
    budget.observe_limits({"DailyApiRequests": {"Max": 15000, "Remaining": 1400}})
    assert budget.paused and not budget.needs_recheck()  # still 90.7%: wait 300 s more
    clock.now += 300
    budget.observe_limits({"DailyApiRequests": {"Max": 15000, "Remaining": 2000}})
    assert not budget.paused  # 86.7%: writes resume
    budget.check()


def test_resume_threshold_exactly() -> None:
    budget = ApiBudget(BudgetPolicy(ceiling=0.5))
    budget.observe_limits({"DailyApiRequests": {"Max": 100, "Remaining": 50}})
    assert budget.paused  # 50% used: at the ceiling
    budget.observe_limits({"DailyApiRequests": {"Max": 100, "Remaining": 51}})
    assert not budget.paused
    budget.check()


def test_daily_limit_error_pauses_until_limits_say_otherwise() -> None:
    clock = Clock()
    budget = ApiBudget(clock=clock)
    budget.exhausted("TotalRequests Limit exceeded.")
    assert budget.paused
    assert "daily API limit exceeded" in budget.pause_message()
    budget.observe_header("api-usage=100/15000")  # a header alone does not lift it
    assert budget.paused
    clock.now += 300
    budget.observe_limits({"DailyApiRequests": {"Max": 15000, "Remaining": 14000}})
    assert not budget.paused


def test_unknown_usage_never_pauses() -> None:
    budget = ApiBudget()
    budget.observe_header(None)
    budget.observe_header("garbage")
    assert not budget.paused and budget.share is None
    with pytest.raises(ValueError, match="ceiling"):
        BudgetPolicy(ceiling=1.5)


def test_backoff_grows_exponentially_with_capped_jitter() -> None:
    policy = RetryPolicy(initial=1, maximum=8, jitter=0.5)
    waits = [policy.backoff(n) for n in range(1, 7)]
    for n, wait in enumerate(waits, start=1):
        base = min(8, 2 ** (n - 1))
        assert base <= wait <= base + 0.5
    concurrency = backoff(policy, 1, Disposition.CONCURRENCY)
    assert concurrency >= 5  # the concurrency limit waits longer from the start


def test_call_retries_transient_errors_only_and_never_sleeps_in_tests() -> None:
    sleeps: list[float] = []
    policy = RetryPolicy.instant(attempts=3, sleeps=sleeps)
    failures = iter([SalesforceApiError("x", "UNABLE_TO_LOCK_ROW", "locked", transient=True)])

    def flaky() -> str:
        for exc in failures:
            raise exc
        return "ok"

    assert retried(policy, flaky, "flaky") == "ok"
    assert len(sleeps) == 1

    calls: list[int] = []

    def permanent() -> None:
        calls.append(1)
        raise SalesforceApiError("x", "INVALID_FIELD", "no such column", status=400)

    with pytest.raises(SalesforceApiError):
        retried(policy, permanent, "permanent")
    assert calls == [1]

    def always() -> None:
        calls.append(1)
        raise SalesforceApiError("x", "HTTP_503", "down", status=503, transient=True)

    with pytest.raises(SalesforceApiError, match="HTTP_503"):
        retried(policy, always, "always")
    assert len(calls) == 1 + 3

    def daily() -> None:
        calls.append(1)
        raise SalesforceApiError(
            "x", "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.", status=403
        )

    with pytest.raises(SalesforceApiError):
        retried(policy, daily, "daily")
    assert len(calls) == 5  # the daily limit is not retried: it pauses

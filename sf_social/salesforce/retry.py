"""Which Salesforce failures are tried again, and how long to wait (``sf_social.retry``).

A transient ``SalesforceApiError`` is retried with the policy's backoff; the concurrency
limit (REQUEST_LIMIT_EXCEEDED ConcurrentPerOrgLongTxn) backs off from
``concurrency_initial`` instead: long-running transactions need a moment to finish.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

import tenacity

from sf_social.errors import SalesforceApiError
from sf_social.retry import RetryPolicy
from sf_social.salesforce.codes import Disposition, classify

log = logging.getLogger(__name__)
T = TypeVar("T")

__all__ = ["RetryPolicy", "backoff", "disposition_of", "is_retryable_call", "retried"]


def backoff(
    policy: RetryPolicy, attempt: int, disposition: Disposition = Disposition.TRANSIENT
) -> float:
    """Seconds to wait after failed attempt number ``attempt`` (1-based)."""
    return policy.backoff(attempt, busy=disposition is Disposition.CONCURRENCY)


def retried(policy: RetryPolicy, fn: Callable[[], T], what: str) -> T:
    """``fn()``, tried again on transient ``SalesforceApiError``; the last error re-raised."""

    def wait(state: tenacity.RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        disposition = disposition_of(exc) if exc else Disposition.TRANSIENT
        return backoff(policy, state.attempt_number, disposition)

    def before_sleep(state: tenacity.RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        log.warning("%s failed (attempt %d), retrying: %s", what, state.attempt_number, exc)

    retrying = tenacity.Retrying(
        stop=tenacity.stop_after_attempt(policy.attempts),
        wait=wait,
        retry=tenacity.retry_if_exception(is_retryable_call),
        sleep=policy.sleep,
        before_sleep=before_sleep,
        reraise=True,
    )
    return retrying(fn)


def disposition_of(exc: BaseException) -> Disposition:
    """The disposition of an exception (``PERMANENT`` unless it is a ``SalesforceApiError``)."""
    if isinstance(exc, SalesforceApiError):
        return classify(exc.code, exc.message, exc.status)
    return Disposition.PERMANENT


def is_retryable_call(exc: BaseException) -> bool:
    """True for failures worth the same call again soon (not the daily limit: that pauses)."""
    return disposition_of(exc) in (Disposition.TRANSIENT, Disposition.CONCURRENCY)

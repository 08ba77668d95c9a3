"""Retry timings in one small object, so tests run instantly (``RetryPolicy.instant()``).

Transient failures back off exponentially with jitter: ``initial * 2**(n-1)``
seconds capped at ``maximum``, plus up to ``jitter`` seconds at random. The concurrency
limit (REQUEST_LIMIT_EXCEEDED ConcurrentPerOrgLongTxn) backs off from
``concurrency_initial`` instead: long-running transactions need a moment to finish.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

import tenacity

from sf_social.errors import SalesforceApiError
from sf_social.salesforce.codes import Disposition, classify

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently a transient failure is tried again."""

    attempts: int = 5
    initial: float = 1.0
    maximum: float = 60.0
    jitter: float = 1.0
    concurrency_initial: float = 5.0
    sleep: Callable[[float], None] = time.sleep
    rng: random.Random = field(default_factory=random.Random, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError(f"attempts must be 1 or more, not {self.attempts}")

    @classmethod
    def instant(cls, attempts: int = 5, sleeps: list[float] | None = None) -> RetryPolicy:
        """A policy that never sleeps (tests); the waits it would take go to ``sleeps``."""
        record = sleeps if sleeps is not None else []
        return cls(attempts=attempts, sleep=record.append, rng=random.Random(0))  # noqa: S311 (jitter)

    def backoff(self, attempt: int, disposition: Disposition = Disposition.TRANSIENT) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (1-based)."""
        start = self.concurrency_initial if disposition is Disposition.CONCURRENCY else self.initial
        try:  # tenacity's wait_exponential_jitter takes ``multiplier`` only from 9.2
            wait = min(start * 2.0 ** (attempt - 1), self.maximum)
        except OverflowError:
            wait = self.maximum
        return float(wait) + self.rng.uniform(0, self.jitter)

    def call(self, fn: Callable[[], T], what: str) -> T:
        """``fn()``, tried again on transient ``SalesforceApiError``; the last error re-raised."""

        def wait(state: tenacity.RetryCallState) -> float:
            exc = state.outcome.exception() if state.outcome else None
            disposition = disposition_of(exc) if exc else Disposition.TRANSIENT
            return self.backoff(state.attempt_number, disposition)

        def before_sleep(state: tenacity.RetryCallState) -> None:
            exc = state.outcome.exception() if state.outcome else None
            log.warning("%s failed (attempt %d), retrying: %s", what, state.attempt_number, exc)

        retrying = tenacity.Retrying(
            stop=tenacity.stop_after_attempt(self.attempts),
            wait=wait,
            retry=tenacity.retry_if_exception(is_retryable_call),
            sleep=self.sleep,
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

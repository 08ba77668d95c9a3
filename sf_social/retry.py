"""Retry timings in one small object, so tests run instantly (``RetryPolicy.instant()``).

One policy for every remote call: the Salesforce writer (``sf_social.salesforce.retry``
decides which of its errors are retried) and the social networks' APIs
(``sf_social.http``). A failed attempt ``n`` waits ``initial * 2**(n-1)`` seconds capped at
``maximum``, plus up to ``jitter`` seconds at random; a busy server (Salesforce's
concurrency limit) backs off from ``concurrency_initial`` instead. A rate limit is waited
out inside the call only up to ``max_rate_wait`` seconds.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

Sleeper = Callable[[float], None]


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently a failed call is tried again; ``sleep`` is injectable."""

    attempts: int = 5
    initial: float = 1.0
    maximum: float = 60.0
    jitter: float = 1.0
    concurrency_initial: float = 5.0
    max_rate_wait: float = 300.0
    """Longest wait for a rate limit's reset inside a call; beyond it the call gives up."""
    sleep: Sleeper = time.sleep
    rng: random.Random = field(default_factory=random.Random, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError(f"attempts must be 1 or more, not {self.attempts}")

    @classmethod
    def instant(cls, attempts: int = 5, sleeps: list[float] | None = None) -> RetryPolicy:
        """A policy that never sleeps (tests); the waits it would take go to ``sleeps``."""
        record = sleeps if sleeps is not None else []
        return cls(attempts=attempts, sleep=record.append, rng=random.Random(0))  # noqa: S311 (jitter)

    def backoff(self, attempt: int, *, busy: bool = False) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (1-based)."""
        start = self.concurrency_initial if busy else self.initial
        try:  # tenacity's wait_exponential_jitter takes ``multiplier`` only from 9.2
            wait = min(start * 2.0 ** (attempt - 1), self.maximum)
        except OverflowError:
            wait = self.maximum
        return float(wait) + self.rng.uniform(0, self.jitter)

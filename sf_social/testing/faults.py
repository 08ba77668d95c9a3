"""Fault injection: what goes wrong with which call, deterministic for a given seed.

Each ``Fault`` names a kind, a rate (the chance per matching call, or per record for
UNABLE_TO_LOCK_ROW), and optionally how many times it fires, which call numbers it
applies to and which paths/methods. Rules are tried in the order they were added; the
first that fires decides the call. ``Faults.latency`` delays every answer.

Kinds and what the client sees:

- ``UNABLE_TO_LOCK_ROW``: a per-record error inside a 200 collection answer (or a 400 for
  a single-record call, or a failed row in a Bulk API job); the record is not written.
- ``TOTAL_REQUESTS``: 403 REQUEST_LIMIT_EXCEEDED "TotalRequests Limit exceeded."
- ``CONCURRENT_REQUESTS``: 403 REQUEST_LIMIT_EXCEEDED "ConcurrentPerOrgLongTxn Limit exceeded."
- ``SERVER_UNAVAILABLE``: 503 SERVER_UNAVAILABLE; ``INTERNAL_ERROR``: 500; ``BAD_GATEWAY``: 502.
- ``INVALID_SESSION``: 401 INVALID_SESSION_ID (the session is also expired).
- ``TIMEOUT``: the answer comes after ``timeout_seconds`` (the write still happens).
- ``DROP``: the connection closes before the request is processed.
- ``LOST_ANSWER``: the request is processed, then the connection closes unanswered.
"""

from __future__ import annotations

import random
import re
import threading
from dataclasses import dataclass, field
from enum import StrEnum


class FaultKind(StrEnum):
    """What an injected fault does (see the module docstring)."""

    UNABLE_TO_LOCK_ROW = "UNABLE_TO_LOCK_ROW"
    TOTAL_REQUESTS = "TOTAL_REQUESTS"
    CONCURRENT_REQUESTS = "CONCURRENT_REQUESTS"
    SERVER_UNAVAILABLE = "SERVER_UNAVAILABLE"
    INTERNAL_ERROR = "INTERNAL_ERROR"
    BAD_GATEWAY = "BAD_GATEWAY"
    INVALID_SESSION = "INVALID_SESSION"
    TIMEOUT = "TIMEOUT"
    DROP = "DROP"
    LOST_ANSWER = "LOST_ANSWER"


@dataclass
class Fault:
    """One rule: inject ``kind`` at ``rate`` on matching calls, at most ``times`` times.

    ``calls`` limits it to API call numbers (1-based, counted by the org) in that range:
    ``range(10, 20)`` is a window of ten calls. ``path`` is a regular expression searched
    in the request path, ``method`` an HTTP method.
    """

    kind: FaultKind
    rate: float = 1.0
    times: int | None = None
    calls: range | None = None
    path: str | None = None
    method: str | None = None
    fired: int = 0

    def matches(self, call: int, method: str, path: str) -> bool:
        """Whether the rule applies to this call at all (before the dice)."""
        if self.times is not None and self.fired >= self.times:
            return False
        if self.calls is not None and call not in self.calls:
            return False
        if self.method is not None and self.method.upper() != method.upper():
            return False
        return self.path is None or re.search(self.path, path) is not None


@dataclass(frozen=True)
class Injected:
    """A fault that fired: on which call, what, where (``record`` for per-record ones)."""

    call: int
    kind: FaultKind
    method: str
    path: str
    record: int | None = None


@dataclass
class Faults:
    """The fault plan of an org. Deterministic: the same seed and calls, the same faults."""

    seed: int = 0
    latency: float = 0.0
    timeout_seconds: float = 30.0
    rules: list[Fault] = field(default_factory=list)
    injected: list[Injected] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._random = random.Random(self.seed)  # noqa: S311 - reproducible dice, not secrets
        self._lock = threading.Lock()

    def add(
        self,
        kind: FaultKind | str,
        rate: float = 1.0,
        *,
        times: int | None = None,
        calls: range | None = None,
        path: str | None = None,
        method: str | None = None,
    ) -> Fault:
        """Add a rule and return it (its ``fired`` counts how often it fired)."""
        rule = Fault(FaultKind(kind), rate, times, calls, path, method)
        with self._lock:
            self.rules.append(rule)
        return rule

    def next(
        self,
        kind: FaultKind | str,
        times: int = 1,
        *,
        path: str | None = None,
        method: str | None = None,
    ) -> Fault:
        """Inject ``kind`` on the next ``times`` matching calls (or records)."""
        return self.add(kind, 1.0, times=times, path=path, method=method)

    def clear(self) -> None:
        """Remove every rule (the log of injected faults stays)."""
        with self._lock:
            self.rules.clear()

    def reseed(self, seed: int) -> None:
        """Start the dice again from ``seed``."""
        with self._lock:
            self.seed = seed
            self._random = random.Random(seed)  # noqa: S311 - reproducible dice

    def for_call(self, call: int, method: str, path: str) -> FaultKind | None:
        """The call-level fault for this call, if one fires (never UNABLE_TO_LOCK_ROW)."""
        with self._lock:
            for rule in self.rules:
                if rule.kind is FaultKind.UNABLE_TO_LOCK_ROW:
                    continue
                if rule.matches(call, method, path) and self._roll(rule.rate):
                    rule.fired += 1
                    self.injected.append(Injected(call, rule.kind, method, path))
                    return rule.kind
        return None

    def lock_row(self, call: int, method: str, path: str, record: int) -> bool:
        """Whether the record at position ``record`` of this call fails to lock."""
        with self._lock:
            for rule in self.rules:
                if rule.kind is not FaultKind.UNABLE_TO_LOCK_ROW:
                    continue
                if rule.matches(call, method, path) and self._roll(rule.rate):
                    rule.fired += 1
                    self.injected.append(Injected(call, rule.kind, method, path, record))
                    return True
        return False

    def _roll(self, rate: float) -> bool:
        if rate >= 1.0:
            return True
        return self._random.random() < rate

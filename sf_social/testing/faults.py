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
- ``REPLY``: a given answer instead of the org's (``Faults.answer``): any status, JSON or
  text body, for what Salesforce or a proxy may send that the org never makes on its own
  (an HTML maintenance page, a 300, a collection answer with the wrong count of results).

Like the others, a ``REPLY`` rule whose ``path`` matches a subrequest URL answers the whole
Composite call that carries it.

Besides these call-level rules, ``Faults.fail_record`` fails chosen records: each record
written (REST or Bulk API) that carries a key (as any field's value, or as the Id it
updates) gets the given error, with its code, message and fields, the next ``times`` times.
"""

from __future__ import annotations

import random
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from sf_social.testing.replies import RecordError, Reply


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
    REPLY = "REPLY"
    RECORD_ERROR = "RECORD_ERROR"


@dataclass
class Fault:
    """One rule: inject ``kind`` at ``rate`` on matching calls, at most ``times`` times.

    ``calls`` limits it to API call numbers (1-based, counted by the org) in that range:
    ``range(10, 20)`` is a window of ten calls. ``path`` is a regular expression searched
    in the request path (a Composite call's subrequest URLs included), ``method`` an HTTP
    method.
    """

    kind: FaultKind
    rate: float = 1.0
    times: int | None = None
    calls: range | None = None
    path: str | None = None
    method: str | None = None
    fired: int = 0
    reply: Reply | None = None
    """The answer of a ``REPLY`` rule."""

    def matches(self, call: int, method: str, path: str) -> bool:
        """Whether the rule applies to this call at all (before the dice)."""
        if self.times is not None and self.fired >= self.times:
            return False
        if self.calls is not None and call not in self.calls:
            return False
        if self.method is not None and self.method.upper() != method.upper():
            return False
        return self.path is None or re.search(self.path, path) is not None


@dataclass
class RecordFault:
    """Records carrying ``key`` fail with ``error``, the next ``times`` times (None: always)."""

    key: str
    error: RecordError
    times: int | None = 1
    fired: int = 0

    def matches(self, values: Mapping[str, Any]) -> bool:
        """Whether a record with these field values is one this rule fails (and may still)."""
        if self.times is not None and self.fired >= self.times:
            return False
        return any(isinstance(v, str) and v == self.key for v in values.values())


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
    record_rules: list[RecordFault] = field(default_factory=list)
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
        """Add a rule and return it (its ``fired`` counts how often it fired).

        ``REPLY`` and ``RECORD_ERROR`` need their answer: use ``answer`` / ``fail_record``.
        """
        if FaultKind(kind) in (FaultKind.REPLY, FaultKind.RECORD_ERROR):
            raise ValueError(f"{kind}: use Faults.answer or Faults.fail_record")
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

    def answer(
        self,
        status: int,
        body: Any,
        *,
        content_type: str = "text/html",
        times: int | None = 1,
        path: str | None = None,
        method: str | None = None,
    ) -> Fault:
        """Answer the next ``times`` matching calls (None: all) with ``status`` and ``body``
        instead of the org: a ``str`` body is sent as ``content_type``, anything else as
        JSON. The call still counts; nothing is written."""
        if isinstance(body, str):
            reply = Reply.of_text(status, body, content_type)
        else:
            reply = Reply.of_json(status, body)
        rule = Fault(FaultKind.REPLY, 1.0, times, None, path, method, reply=reply)
        with self._lock:
            self.rules.append(rule)
        return rule

    def fail_calls(
        self,
        code: str,
        message: str = "",
        *,
        status: int = 503,
        times: int | None = 1,
        path: str | None = None,
        method: str | None = None,
    ) -> Fault:
        """The next ``times`` matching calls fail as a whole: ``status`` with
        ``[{"errorCode": code, "message": message}]``, as Salesforce reports a call's error."""
        error = [{"errorCode": code, "message": message or f"injected {code}"}]
        return self.answer(status, error, times=times, path=path, method=method)

    def fail_record(
        self,
        key: str,
        code: str,
        message: str = "",
        times: int | None = 1,
        *,
        fields: tuple[str, ...] | list[str] = (),
    ) -> RecordFault:
        """The next ``times`` writes (None: all) of a record carrying ``key`` fail with
        ``{"statusCode": code, "message": message, "fields": fields}``; the record is not
        written. Rules for one key apply in the order they were added."""
        error = RecordError(code, message or f"injected {code}", tuple(fields))
        rule = RecordFault(key, error, times)
        with self._lock:
            self.record_rules.append(rule)
        return rule

    def record_error(
        self, call: int, method: str, path: str, values: Mapping[str, Any]
    ) -> RecordError | None:
        """The error a record with these field values gets on this call, if a rule fails it."""
        with self._lock:
            for rule in self.record_rules:
                if rule.matches(values):
                    rule.fired += 1
                    self.injected.append(Injected(call, FaultKind.RECORD_ERROR, method, path))
                    return rule.error
        return None

    def clear(self) -> None:
        """Remove every rule (the log of injected faults stays)."""
        with self._lock:
            self.rules.clear()
            self.record_rules.clear()

    def reseed(self, seed: int) -> None:
        """Start the dice again from ``seed``."""
        with self._lock:
            self.seed = seed
            self._random = random.Random(seed)  # noqa: S311 - reproducible dice

    def for_call(self, call: int, method: str, path: str) -> Fault | None:
        """The call-level rule that fires on this call, if one does (never UNABLE_TO_LOCK_ROW)."""
        with self._lock:
            for rule in self.rules:
                if rule.kind is FaultKind.UNABLE_TO_LOCK_ROW:
                    continue
                if rule.matches(call, method, path) and self._roll(rule.rate):
                    rule.fired += 1
                    self.injected.append(Injected(call, rule.kind, method, path))
                    return rule
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

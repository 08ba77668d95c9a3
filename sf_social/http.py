"""Calls to a social network's HTTP API: retries, rate limits and clear errors, on tenacity.

A client gives :class:`ApiCaller` its network's *hook*, which reads one answer and says
what it means:

- ``None``: a good answer; :meth:`ApiCaller.call` returns its JSON body;
- a :class:`Refusal` whose :class:`Verdict` is

  - ``RETRY`` (a 5xx): back off (``policy.backoff``, with jitter) and try again, up to
    ``policy.attempts``; then a transient :class:`~sf_social.errors.SourceApiError`;
  - ``RATE_LIMITED`` (a 429): wait until ``retry_at`` (the answer's reset, see
    :func:`retry_after`; a backoff when it names none) and try again, when that is at most
    ``policy.max_rate_wait`` away; else :class:`~sf_social.errors.SourceRateLimitError`
    (the next pass resumes);
  - ``AUTH`` (401/403): :class:`~sf_social.errors.SourceAuthError` at once, its hint naming
    the credential or grant to renew;
  - ``FATAL`` (another 4xx): a permanent :class:`~sf_social.errors.SourceApiError` at once.

Connection errors and good answers that are not JSON are retried like ``RETRY``. When the
optional ``spent_until`` hook says an answer spent the endpoint's quota, the next call
waits for the reset instead of spending a request on a 429. Every wait goes through
``policy.sleep`` (the daemon's raises ``Interrupted`` at shut-down, which ends the call)
and is counted in :attr:`ApiCaller.stats`. Errors name the network, the source, the
endpoint, the HTTP status and what to do, and are redacted like every ``SfSocialError``::

    api = ApiCaller("LinkedIn", hook, policy=RetryPolicy(attempts=4, initial=2.0))
    body = api.call("linkedin_page", "GET /rest/posts", lambda: session.get(url, timeout=30))
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from enum import Enum
from typing import Any

import requests
import tenacity

from sf_social.errors import SourceApiError, SourceAuthError, SourceRateLimitError
from sf_social.retry import RetryPolicy

log = logging.getLogger(__name__)

Clock = Callable[[], float]


class Verdict(Enum):
    """What a refused answer means for the call."""

    RETRY = "retry"
    RATE_LIMITED = "rate_limited"
    AUTH = "auth"
    FATAL = "fatal"


@dataclass(frozen=True)
class Refusal:
    """A network hook's reading of an answer that is not a success."""

    verdict: Verdict
    problem: str
    """What the server said, e.g. ``503 Service Unavailable: over capacity``."""
    hint: str = ""
    """What to do: for ``AUTH`` the credential to renew; for ``RATE_LIMITED`` when it resets."""
    retry_at: float | None = None
    """``RATE_LIMITED``: when the limit resets (epoch seconds), if the answer says."""


Hook = Callable[[requests.Response], Refusal | None]
SpentUntil = Callable[[requests.Response], float | None]


@dataclass
class CallStats:
    """What the calls did since the stats were last reset (a source reports them per pass)."""

    requests: int = 0
    retries: int = 0
    rate_waits: int = 0
    waited_seconds: float = 0.0

    def status(self) -> dict[str, Any]:
        """The counts as a source's status reports them."""
        return {
            "requests": self.requests,
            "retries": self.retries,
            "rate_limit_waits": self.rate_waits,
            "waited_seconds": round(self.waited_seconds, 1),
        }


def retry_after(response: requests.Response, now: float) -> float | None:
    """When a ``Retry-After`` header (seconds or an HTTP date) allows the next try, if any."""
    value = (response.headers.get("Retry-After") or "").strip()
    if value.isdigit():
        return now + float(value)
    try:
        return parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError, IndexError):
        return None


def _when(epoch: float) -> str:
    """An epoch time as ``YYYY-MM-DDTHH:MM:SSZ``."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))


class _Again(Exception):
    """A failed attempt worth another one (internal to :meth:`ApiCaller.call`)."""

    def __init__(self, refusal: Refusal, status: int | None) -> None:
        super().__init__(refusal.problem)
        self.refusal = refusal
        self.status = status
        self.wait: float | None = None


class ApiCaller:
    """Calls one network's API with the rules above; ``stats`` counts what they did."""

    def __init__(
        self,
        network: str,
        hook: Hook,
        *,
        policy: RetryPolicy,
        clock: Clock = time.time,
        spent_until: SpentUntil | None = None,
    ) -> None:
        self.network = network
        self.hook = hook
        self.policy = policy
        self.clock = clock
        self.spent_until = spent_until
        self.stats = CallStats()
        self._spent: dict[str, float] = {}

    def call(self, source: str, endpoint: str, send: Callable[[], requests.Response]) -> Any:
        """The JSON body of ``send()``'s answer; ``source`` and ``endpoint`` name it in errors."""
        return self.call_reading(source, endpoint, send, requests.Response.json)

    def call_reading(
        self,
        source: str,
        endpoint: str,
        send: Callable[[], requests.Response],
        read: Callable[[requests.Response], Any],
        *,
        creates: bool = False,
    ) -> Any:
        """:meth:`call`, with ``read`` reading a good answer (a created entity's id in a
        header, an empty 204); ``ValueError`` from it is retried like a non-JSON answer,
        unless the request ``creates`` something: sending it again would create it twice,
        so that is a transient ``SourceApiError`` at once (look the entity up)."""
        self._respect_quota(source, endpoint)
        retrying = tenacity.Retrying(
            stop=self._stop,
            wait=self._wait,
            retry=tenacity.retry_if_exception_type(_Again),
            sleep=self._sleep,
            before_sleep=lambda state: self._before_sleep(source, state),
            reraise=True,
        )
        try:
            return retrying(self._attempt, source, endpoint, send, read, creates)
        except _Again as again:
            raise self._gave_up(source, endpoint, again) from None

    def _attempt(
        self,
        source: str,
        endpoint: str,
        send: Callable[[], requests.Response],
        read: Callable[[requests.Response], Any],
        creates: bool,
    ) -> Any:
        self.stats.requests += 1
        refusal: Refusal | None
        try:
            response = send()
        except requests.RequestException as exc:
            refusal, status = Refusal(Verdict.RETRY, type(exc).__name__), None
        else:
            status = response.status_code
            refusal = self.hook(response)
            self._note_quota(endpoint, response, refusal)
            if refusal is None:
                try:
                    return read(response)
                except ValueError as exc:
                    if creates:
                        raise SourceApiError(
                            self.network,
                            source,
                            f"{endpoint}: accepted, but the answer cannot be read ({exc});"
                            " not sent again",
                            status=status,
                            transient=True,
                        ) from None
                    refusal = Refusal(Verdict.RETRY, "the answer is not JSON")
        problem = f"{endpoint}: {refusal.problem}"
        if refusal.verdict in (Verdict.RETRY, Verdict.RATE_LIMITED):
            raise _Again(Refusal(refusal.verdict, problem, refusal.hint, refusal.retry_at), status)
        hinted = f"{problem}; {refusal.hint}" if refusal.hint else problem
        if refusal.verdict is Verdict.AUTH:
            raise SourceAuthError(self.network, source, hinted, status=status)
        raise SourceApiError(self.network, source, hinted, status=status)

    def _wait(self, state: tenacity.RetryCallState) -> float:
        again = _again_of(state)
        if again.wait is None:
            retry_at = again.refusal.retry_at
            if again.refusal.verdict is Verdict.RATE_LIMITED and retry_at is not None:
                again.wait = max(retry_at - self.clock(), 0.0)
            else:
                again.wait = self.policy.backoff(state.attempt_number)
        return again.wait

    def _stop(self, state: tenacity.RetryCallState) -> bool:
        wait = self._wait(state)  # known when giving up, too
        if state.attempt_number >= self.policy.attempts:
            return True
        limited = _again_of(state).refusal.verdict is Verdict.RATE_LIMITED
        return limited and wait > self.policy.max_rate_wait

    def _sleep(self, seconds: float) -> None:
        self.stats.waited_seconds += seconds
        self.policy.sleep(seconds)

    def _before_sleep(self, source: str, state: tenacity.RetryCallState) -> None:
        again = _again_of(state)
        if again.refusal.verdict is Verdict.RATE_LIMITED:
            self.stats.rate_waits += 1
        else:
            self.stats.retries += 1
            log.warning("%s %s: %s; retry %d", self.network, source, again, state.attempt_number)

    def _gave_up(self, source: str, endpoint: str, again: _Again) -> SourceApiError:
        refusal = again.refusal
        if refusal.verdict is Verdict.RATE_LIMITED:
            retry_at = refusal.retry_at
            if retry_at is None:  # as long as the backoff that was not waited
                retry_at = self.clock() + (again.wait or 0.0)
            return self._limited(
                source, endpoint, f"rate limited until {_when(retry_at)}", refusal.hint, retry_at
            )
        return SourceApiError(
            self.network,
            source,
            f"{refusal.problem} (after {self.policy.attempts} attempts)",
            status=again.status,
            transient=True,
        )

    def _limited(
        self, source: str, endpoint: str, what: str, hint: str, retry_at: float
    ) -> SourceRateLimitError:
        why = f"; {hint}" if hint else ""
        message = f"{endpoint}: {what}{why}; the next pass resumes"
        return SourceRateLimitError(self.network, source, message, retry_at=retry_at)

    def _note_quota(
        self, endpoint: str, response: requests.Response, refusal: Refusal | None
    ) -> None:
        if refusal is not None and refusal.verdict is Verdict.RATE_LIMITED:
            until = refusal.retry_at
        else:
            until = self.spent_until(response) if self.spent_until else None
        if until is None:
            self._spent.pop(endpoint, None)
        else:
            self._spent[endpoint] = until

    def _respect_quota(self, source: str, endpoint: str) -> None:
        until = self._spent.get(endpoint)
        wait = until - self.clock() if until is not None else 0.0
        if until is None or wait <= 0:
            return
        if wait > self.policy.max_rate_wait:
            raise self._limited(
                source, endpoint, f"no requests left until {_when(until)}", "", until
            )
        self.stats.rate_waits += 1
        self._sleep(wait)


def _again_of(state: tenacity.RetryCallState) -> _Again:
    exc = state.outcome.exception() if state.outcome else None
    assert isinstance(exc, _Again)
    return exc

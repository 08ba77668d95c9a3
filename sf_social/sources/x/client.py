"""The X API behind ``tweepy.Client``: credentials, rate limits, retries, read counting.

Every call goes through :meth:`XApi.call`, which

- waits before calling when the last answer of that endpoint said ``x-rate-limit-remaining:
  0`` (until ``x-rate-limit-reset``), instead of spending a request on a 429;
- on 429 waits until the reset and tries again, if the wait is at most ``max_rate_wait``;
  beyond that it raises :class:`XRateLimitError` so the stream is retried next pass;
- retries 5xx answers and connection errors with exponential backoff;
- turns 401/403 into :class:`XAuthError` (the stream stops; others keep running) and other
  4xx into a permanent :class:`XSourceError`.

The sleeper and the clock are injected: tests never sleep. Credentials are read from the
environment and never logged (tweepy logs request headers, bearer token included, at DEBUG:
its logger is kept at INFO or above).
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import requests
import tweepy

from sf_social.errors import ConfigError, XAuthError, XRateLimitError, XSourceError

log = logging.getLogger(__name__)

ENV = {
    "bearer_token": "X_BEARER_TOKEN",
    "consumer_key": "X_CONSUMER_KEY",
    "consumer_secret": "X_CONSUMER_SECRET",
    "access_token": "X_ACCESS_TOKEN",
    "access_token_secret": "X_ACCESS_TOKEN_SECRET",
}

Sleeper = Callable[[float], None]
Clock = Callable[[], float]


def _quiet_tweepy() -> None:
    logger = logging.getLogger("tweepy.client")
    if logger.getEffectiveLevel() < logging.INFO:
        logger.setLevel(logging.INFO)  # its DEBUG lines carry the Authorization header


@dataclass(frozen=True)
class XCredentials:
    """App-only bearer token and/or OAuth 1.0a user context; ``repr`` shows which, not values."""

    bearer_token: str | None = field(default=None, repr=False)
    consumer_key: str | None = field(default=None, repr=False)
    consumer_secret: str | None = field(default=None, repr=False)
    access_token: str | None = field(default=None, repr=False)
    access_token_secret: str | None = field(default=None, repr=False)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> XCredentials:
        env = os.environ if env is None else env
        values = {key: (env.get(var) or "").strip() or None for key, var in ENV.items()}
        creds = cls(**values)
        if not creds.app_only and not creds.user_context:
            raise ConfigError(
                "X credentials missing: set X_BEARER_TOKEN (app-only reads: mentions, search)"
                " and/or X_CONSUMER_KEY, X_CONSUMER_SECRET, X_ACCESS_TOKEN,"
                " X_ACCESS_TOKEN_SECRET (user context: direct messages)"
            )
        return creds

    @property
    def app_only(self) -> bool:
        return self.bearer_token is not None

    @property
    def user_context(self) -> bool:
        return None not in (
            self.consumer_key,
            self.consumer_secret,
            self.access_token,
            self.access_token_secret,
        )

    def describe(self) -> str:
        kinds = [k for k, on in (("bearer", self.app_only), ("oauth1", self.user_context)) if on]
        return "+".join(kinds) or "none"

    def client(self) -> Any:
        """A ``tweepy.Client`` answering raw ``requests.Response`` objects (headers kept)."""
        _quiet_tweepy()
        return tweepy.Client(
            bearer_token=self.bearer_token,
            consumer_key=self.consumer_key,
            consumer_secret=self.consumer_secret,
            access_token=self.access_token,
            access_token_secret=self.access_token_secret,
            return_type=requests.Response,
            wait_on_rate_limit=False,
        )


@dataclass(frozen=True)
class RetryPolicy:
    """How hard one call tries."""

    attempts: int = 4
    backoff_base: float = 2.0
    backoff_max: float = 60.0
    max_rate_wait: float = 900.0
    """Longest wait for a rate-limit reset inside a pass (a 15-minute window by default)."""

    def backoff(self, attempt: int) -> float:
        return float(min(self.backoff_max, self.backoff_base * 2 ** (attempt - 1)))


@dataclass
class RateLimit:
    remaining: int | None = None
    reset: float | None = None


@dataclass
class CallStats:
    """What the calls of one pass did (reported in the source's status)."""

    requests: int = 0
    retries: int = 0
    rate_waits: int = 0
    waited_seconds: float = 0.0


class XApi:
    """Calls endpoints of one tweepy client with the rules above."""

    def __init__(
        self,
        client: Any,
        *,
        policy: RetryPolicy | None = None,
        sleep: Sleeper = time.sleep,
        clock: Clock = time.time,
    ) -> None:
        self.client = client
        self.policy = policy or RetryPolicy()
        self.sleep = sleep
        self.clock = clock
        self.limits: dict[str, RateLimit] = {}
        self.stats = CallStats()

    def call(self, stream: str, endpoint: str, request: Callable[[], Any]) -> Any:
        """The JSON body of ``request()`` (a tweepy call answering ``requests.Response``)."""
        self._respect_limit(stream, endpoint)
        policy = self.policy
        last = ""
        for attempt in range(1, policy.attempts + 1):
            self.stats.requests += 1
            try:
                response = request()
            except tweepy.TooManyRequests as exc:
                # the answer's own header: tweepy < 4.17 has no ``reset_time``
                limit = self._record(endpoint, exc.response)
                limit.remaining = 0
                limit.reset = _reset(exc.response)
                wait = limit.reset - self.clock() + 1 if limit.reset else policy.backoff(attempt)
                if wait > policy.max_rate_wait or attempt == policy.attempts:
                    raise XRateLimitError(
                        stream,
                        f"{endpoint}: rate limited until {_when(limit.reset)}; next pass resumes",
                        retry_at=limit.reset,
                    ) from None
                self._wait(max(wait, 0.0), rate=True)
                continue
            except (tweepy.Unauthorized, tweepy.Forbidden) as exc:
                status = exc.response.status_code
                hint = (
                    "check the X_* credentials (revoked or regenerated?)"
                    if status == 401
                    else "the app's access level or the token's permissions do not allow this"
                    " endpoint (direct messages need user context with DM permission)"
                )
                raise XAuthError(
                    stream, f"{endpoint}: {_problem(exc)}; {hint}", status=status
                ) from None
            except tweepy.TwitterServerError as exc:
                last = f"{endpoint}: {_problem(exc)}"
                status = exc.response.status_code
            except tweepy.HTTPException as exc:
                raise XSourceError(
                    stream, f"{endpoint}: {_problem(exc)}", status=exc.response.status_code
                ) from None
            except requests.RequestException as exc:
                last = f"{endpoint}: {type(exc).__name__}: {exc}"
                status = None
            else:
                self._record(endpoint, response)
                try:
                    return response.json()
                except ValueError:
                    last = f"{endpoint}: answer is not JSON ({response.status_code})"
                    status = response.status_code
            if attempt < policy.attempts:
                self.stats.retries += 1
                log.warning("X %s: %s; retry %d", stream, last, attempt)
                self._wait(policy.backoff(attempt), rate=False)
        raise XSourceError(
            stream, f"{last} (after {policy.attempts} attempts)", status=status, transient=True
        )

    def _respect_limit(self, stream: str, endpoint: str) -> None:
        limit = self.limits.get(endpoint)
        if limit is None or limit.remaining is None or limit.remaining > 0 or not limit.reset:
            return
        wait = limit.reset - self.clock() + 1
        if wait <= 0:
            return
        if wait > self.policy.max_rate_wait:
            raise XRateLimitError(
                stream,
                f"{endpoint}: no requests left until {_when(limit.reset)}; next pass resumes",
                retry_at=limit.reset,
            )
        self._wait(wait, rate=True)

    def _wait(self, seconds: float, *, rate: bool) -> None:
        if rate:
            self.stats.rate_waits += 1
        self.stats.waited_seconds += seconds
        self.sleep(seconds)

    def _record(self, endpoint: str, response: Any) -> RateLimit:
        headers = getattr(response, "headers", None) or {}
        remaining = headers.get("x-rate-limit-remaining")
        limit = self.limits.setdefault(endpoint, RateLimit())
        if remaining is not None and str(remaining).isdigit():
            limit.remaining = int(remaining)
        limit.reset = _reset(response) or limit.reset
        return limit


def _reset(response: Any) -> float | None:
    """The ``x-rate-limit-reset`` header (epoch seconds) of an answer, if it has one."""
    reset = (getattr(response, "headers", None) or {}).get("x-rate-limit-reset")
    return float(reset) if reset is not None and str(reset).isdigit() else None


def _problem(exc: tweepy.HTTPException) -> str:
    messages = [m for m in exc.api_messages if m]
    status = exc.response.status_code
    reason = getattr(exc.response, "reason", "") or ""
    return f"{status} {reason}".strip() + (f": {'; '.join(messages)}" if messages else "")


def _when(epoch: float | None) -> str:
    if epoch is None:
        return "the window resets"
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))

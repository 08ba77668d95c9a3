"""The X API behind ``tweepy.Client``: credentials, and the network's hook for ``sf_social.http``.

Every call goes through :meth:`XApi.call` (an :class:`~sf_social.http.ApiCaller`), which

- waits before calling when the last answer of that endpoint said ``x-rate-limit-remaining:
  0`` (until ``x-rate-limit-reset``), instead of spending a request on a 429;
- on 429 waits until the reset and tries again, if the wait is at most ``max_rate_wait``;
  beyond that it raises ``SourceRateLimitError`` so the stream is retried next pass;
- retries 5xx answers and connection errors with exponential backoff;
- turns 401/403 into ``SourceAuthError`` (the stream stops; others keep running) and other
  4xx into a permanent ``SourceApiError``.

The sleeper (in the policy) and the clock are injected: tests never sleep. Credentials are
read from the environment and never logged (tweepy logs request headers, bearer token
included, at DEBUG: its logger is kept at INFO or above).
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

from sf_social.errors import ConfigError
from sf_social.http import ApiCaller, Clock, Refusal, Verdict
from sf_social.retry import RetryPolicy

ENV = {
    "bearer_token": "X_BEARER_TOKEN",
    "consumer_key": "X_CONSUMER_KEY",
    "consumer_secret": "X_CONSUMER_SECRET",
    "access_token": "X_ACCESS_TOKEN",
    "access_token_secret": "X_ACCESS_TOKEN_SECRET",
}

POLICY = RetryPolicy(attempts=4, initial=2.0, max_rate_wait=900.0)
"""The X default: rate-limit windows are 15 minutes, so a pass may wait one out."""


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


class XApi(ApiCaller):
    """Calls endpoints of one tweepy client with the rules above."""

    def __init__(
        self, client: Any, *, policy: RetryPolicy | None = None, clock: Clock = time.time
    ) -> None:
        super().__init__("X", classify, policy=policy or POLICY, clock=clock, spent_until=_spent)
        self.client = client

    def call(self, stream: str, endpoint: str, request: Callable[[], Any]) -> Any:
        """The JSON body of ``request()`` (a tweepy call answering ``requests.Response``)."""

        def send() -> requests.Response:
            try:
                response: requests.Response = request()
            except tweepy.HTTPException as exc:
                return exc.response  # type: ignore[no-any-return]
            return response

        return super().call(stream, endpoint, send)


def classify(response: requests.Response) -> Refusal | None:
    """What an X answer means for ``sf_social.http`` (see the module docstring)."""
    status = response.status_code
    if 200 <= status < 300:
        return None
    problem = _problem(response)
    if status == 429:
        reset = _reset(response)
        return Refusal(Verdict.RATE_LIMITED, problem, retry_at=reset + 1 if reset else None)
    if status == 401:
        return Refusal(Verdict.AUTH, problem, "check the X_* credentials (revoked or regenerated?)")
    if status == 403:
        return Refusal(
            Verdict.AUTH,
            problem,
            "the app's access level or the token's permissions do not allow this endpoint"
            " (direct messages need user context with DM permission)",
        )
    return Refusal(Verdict.RETRY if status >= 500 else Verdict.FATAL, problem)


def _spent(response: requests.Response) -> float | None:
    """After the reset second, when the answer says no request is left in the window."""
    reset = _reset(response)
    remaining = response.headers.get("x-rate-limit-remaining")
    return reset + 1 if reset and remaining == "0" else None


def _reset(response: requests.Response) -> float | None:
    """The ``x-rate-limit-reset`` header (epoch seconds) of an answer, if it has one."""
    reset = response.headers.get("x-rate-limit-reset")
    return float(reset) if reset is not None and reset.isdigit() else None


def _problem(response: requests.Response) -> str:
    messages = [m for m in tweepy.HTTPException(response).api_messages if m]  # tweepy's reading
    reason = f"{response.status_code} {response.reason or ''}".strip()
    return reason + (f": {'; '.join(messages)}" if messages else "")

"""The LinkedIn Community Management REST API: headers, errors, retries, no secrets in logs.

Every call sends ``Authorization: Bearer <LINKEDIN_ACCESS_TOKEN>``, ``LinkedIn-Version:
YYYYMM`` (versioned APIs under ``https://api.linkedin.com/rest/``; a sunset version answers
426) and ``X-Restli-Protocol-Version: 2.0.0`` (URNs URL-encoded in parameters, the
``List(...)`` and ``(start:...,end:...)`` structure left as is). :meth:`LinkedInApi.get_json`

- turns 401 into :class:`LinkedInAuthError` "token expired or revoked" and 403 into
  :class:`LinkedInAuthError` "app not approved for the Community Management API, or the
  member is not an administrator of the page": the source stops until it is fixed;
- on 429 (LinkedIn's daily application/member limits, or infrastructure protection) waits
  ``Retry-After`` when the answer has one, else an exponential backoff, at most
  ``max_rate_wait`` seconds, then raises :class:`LinkedInRateLimitError` (next pass resumes);
- retries 5xx answers, connection errors and non-JSON answers with a bounded backoff;
- raises a permanent :class:`LinkedInApiError` for other 4xx (400, 404, 426 ...).

Error bodies are ``{"message", "serviceErrorCode", "status"}``
(https://learn.microsoft.com/en-us/linkedin/shared/api-guide/concepts/error-handling).
The sleeper and the clock are injected: tests never sleep. The token is never logged and
never part of an error message.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import requests

from sf_social.errors import ConfigError, SfSocialError

log = logging.getLogger(__name__)

API_BASE = "https://api.linkedin.com/rest"
TOKEN_ENV = "LINKEDIN_ACCESS_TOKEN"  # noqa: S105 (the variable's name, not a secret)
DEFAULT_VERSION = "202610"
"""``LinkedIn-Version`` sent by default; each monthly version lives about a year: keep the
``api_version`` option current (https://learn.microsoft.com/en-us/linkedin/marketing/versioning)."""

Sleeper = Callable[[float], None]
Clock = Callable[[], float]


class LinkedInApiError(SfSocialError):
    """A LinkedIn API call failed; ``transient`` says whether a later pass may succeed."""

    def __init__(
        self, source: str, message: str, *, status: int | None = None, transient: bool = False
    ) -> None:
        self.source = source
        self.status = status
        self.transient = transient
        where = f" (HTTP {status})" if status is not None else ""
        super().__init__(f"LinkedIn {source}{where}: {message}")


class LinkedInAuthError(LinkedInApiError):
    """401/403: the source stops until the token or the app's access is fixed."""


class LinkedInRateLimitError(LinkedInApiError):
    """Rate limited longer than the source may wait; ``retry_at`` (epoch s) when known."""

    def __init__(self, source: str, message: str, *, retry_at: float | None) -> None:
        self.retry_at = retry_at
        super().__init__(source, message, status=429, transient=True)


@dataclass(frozen=True)
class LinkedInCredentials:
    """A member access token (3-legged OAuth, ``rw_organization_admin``); ``repr`` hides it."""

    access_token: str = field(repr=False)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> LinkedInCredentials:
        env = os.environ if env is None else env
        token = (env.get(TOKEN_ENV) or "").strip()
        if not token:
            raise ConfigError(
                f"LinkedIn credentials missing: set {TOKEN_ENV} to an access token of a page"
                " administrator, granted to an app approved for the Community Management API"
            )
        return cls(token)


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 4
    backoff_base: float = 2.0
    backoff_max: float = 60.0
    max_rate_wait: float = 300.0
    timeout: float = 30.0

    def backoff(self, attempt: int) -> float:
        return float(min(self.backoff_max, self.backoff_base * 2 ** (attempt - 1)))


@dataclass
class CallStats:
    requests: int = 0
    retries: int = 0
    rate_waits: int = 0
    waited_seconds: float = 0.0


class LinkedInApi:
    """GETs against the versioned REST API with the rules above."""

    def __init__(
        self,
        credentials: LinkedInCredentials,
        *,
        version: str = DEFAULT_VERSION,
        policy: RetryPolicy | None = None,
        session: requests.Session | None = None,
        sleep: Sleeper = time.sleep,
        clock: Clock = time.time,
        base: str = API_BASE,
    ) -> None:
        self._credentials = credentials
        self.version = version
        self.policy = policy or RetryPolicy()
        self.session = session or requests.Session()
        self.sleep = sleep
        self.clock = clock
        self.base = base.rstrip("/")
        self.stats = CallStats()

    def _headers(self) -> dict[str, str]:
        return {
            "Authorization": f"Bearer {self._credentials.access_token}",
            "LinkedIn-Version": self.version,
            "X-Restli-Protocol-Version": "2.0.0",
            "Accept": "application/json",
        }

    def get_json(self, source: str, path: str, what: str) -> Any:
        """The JSON body of ``GET {base}/{path}`` (``path`` holds its encoded query)."""
        url = f"{self.base}/{path.lstrip('/')}"
        policy = self.policy
        last, status = "", None
        for attempt in range(1, policy.attempts + 1):
            self.stats.requests += 1
            try:
                response = self.session.get(url, headers=self._headers(), timeout=policy.timeout)
            except requests.RequestException as exc:
                last, status = f"{what}: {type(exc).__name__}", None
            else:
                status = response.status_code
                if status == 200:
                    try:
                        return response.json()
                    except ValueError:
                        last = f"{what}: the answer is not JSON"
                elif status == 401:
                    raise LinkedInAuthError(
                        source,
                        f"{what}: {_problem(response)}; the access token expired or was revoked"
                        f" (they last 60 days): authorize again and update {TOKEN_ENV}",
                        status=401,
                    )
                elif status == 403:
                    raise LinkedInAuthError(
                        source,
                        f"{what}: {_problem(response)}; the app is not approved for the"
                        " Community Management API, the token lacks rw_organization_admin,"
                        " or its member is not an ADMINISTRATOR of the page",
                        status=403,
                    )
                elif status == 429:
                    wait = _retry_after(response)
                    wait = policy.backoff(attempt) if wait is None else wait
                    if wait > policy.max_rate_wait or attempt == policy.attempts:
                        raise LinkedInRateLimitError(
                            source,
                            f"{what}: rate limited (daily application/member limits reset"
                            " at midnight UTC); the next pass resumes",
                            retry_at=self.clock() + wait,
                        )
                    self.stats.rate_waits += 1
                    self._wait(wait)
                    continue
                elif status >= 500:
                    last = f"{what}: {_problem(response)}"
                else:
                    hint = (
                        f"; LinkedIn-Version {self.version} is sunset: set api_version"
                        if status == 426
                        else ""
                    )
                    raise LinkedInApiError(
                        source, f"{what}: {_problem(response)}{hint}", status=status
                    )
            if attempt < policy.attempts:
                self.stats.retries += 1
                log.warning("LinkedIn %s: %s; retry %d", source, last, attempt)
                self._wait(policy.backoff(attempt))
        raise LinkedInApiError(
            source, f"{last} (after {policy.attempts} attempts)", status=status, transient=True
        )

    def _wait(self, seconds: float) -> None:
        self.stats.waited_seconds += seconds
        self.sleep(seconds)


def _retry_after(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if value is None or not value.strip().isdigit():
        return None
    return float(value.strip())


def _problem(response: requests.Response) -> str:
    reason = f"{response.status_code} {response.reason or ''}".strip()
    try:
        body = response.json()
    except ValueError:
        return reason
    if not isinstance(body, dict):
        return reason
    message = body.get("message")
    code = body.get("serviceErrorCode")
    detail = str(message)[:200] if isinstance(message, str) and message else ""
    if isinstance(code, int) and not isinstance(code, bool):
        detail = f"{detail} (serviceErrorCode {code})".strip()
    return f"{reason}: {detail}" if detail else reason

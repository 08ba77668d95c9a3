"""The LinkedIn Community Management REST API: headers, and its hook for ``sf_social.http``.

Every call sends ``Authorization: Bearer <LINKEDIN_ACCESS_TOKEN>``, ``LinkedIn-Version:
YYYYMM`` (versioned APIs under ``https://api.linkedin.com/rest/``; a sunset version answers
426) and ``X-Restli-Protocol-Version: 2.0.0`` (URNs URL-encoded in parameters, the
``List(...)`` and ``(start:...,end:...)`` structure left as is). :meth:`LinkedInApi.get_json`

- turns 401 into ``SourceAuthError`` "token expired or revoked" and 403 into
  ``SourceAuthError`` "app not approved for the Community Management API, or the member is
  not an administrator of the page": the source stops until it is fixed;
- on 429 (LinkedIn's daily application/member limits, or infrastructure protection) waits
  ``Retry-After`` when the answer has one, else an exponential backoff, at most
  ``max_rate_wait`` seconds, then raises ``SourceRateLimitError`` (next pass resumes);
- retries 5xx answers, connection errors and non-JSON answers with a bounded backoff;
- raises a permanent ``SourceApiError`` for other 4xx (400, 404, 426 ...).

Error bodies are ``{"message", "serviceErrorCode", "status"}``
(https://learn.microsoft.com/en-us/linkedin/shared/api-guide/concepts/error-handling).
The sleeper (in the policy) and the clock are injected: tests never sleep. The token is
never logged and never part of an error message.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import requests

from sf_social.errors import ConfigError
from sf_social.http import ApiCaller, Clock, Refusal, Verdict, retry_after
from sf_social.retry import RetryPolicy
from sf_social.sources.linkedin_api.config import DEFAULT_VERSION

API_BASE = "https://api.linkedin.com/rest"
TOKEN_ENV = "LINKEDIN_ACCESS_TOKEN"  # noqa: S105 (the variable's name, not a secret)

POLICY = RetryPolicy(attempts=4, initial=2.0, max_rate_wait=300.0)
"""The LinkedIn default: daily limits reset at midnight UTC, not worth a long wait."""

FORBIDDEN = (
    "the app is not approved for the Community Management API, the token lacks"
    " rw_organization_admin, or its member is not an ADMINISTRATOR of the page"
)
LEAD_SYNC_FORBIDDEN = (
    "the token lacks r_marketing_leadgen_automation, with r_ads for an ad account's forms or"
    " r_organization_admin for a page's, or its member has no access to the form's owner"
)
"""What a 403 means: for the page source, for Lead Sync."""


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


class LinkedInApi(ApiCaller):
    """GETs against the versioned REST API with the rules above."""

    def __init__(
        self,
        credentials: LinkedInCredentials,
        *,
        version: str = DEFAULT_VERSION,
        policy: RetryPolicy | None = None,
        session: requests.Session | None = None,
        clock: Clock = time.time,
        base: str = API_BASE,
        timeout: float = 30.0,
        forbidden: str = FORBIDDEN,
    ) -> None:
        super().__init__("LinkedIn", self._classify, policy=policy or POLICY, clock=clock)
        self._credentials = credentials
        self.forbidden = forbidden
        """What a 403 means for the calls this client makes (the grant to check)."""
        self.version = version
        self.session = session or requests.Session()
        self.base = base.rstrip("/")
        self.timeout = timeout

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
        return self.call(
            source,
            what,
            lambda: self.session.get(url, headers=self._headers(), timeout=self.timeout),
        )

    def post(self, source: str, path: str, body: Mapping[str, Any], what: str) -> str:
        """``POST {base}/{path}`` creating an entity; its id (the ``x-restli-id`` header)."""
        return str(self.post_reading(source, path, body, what, _created_id))

    def post_reading(
        self,
        source: str,
        path: str,
        body: Mapping[str, Any],
        what: str,
        read: Callable[[requests.Response], Any],
    ) -> Any:
        """``POST {base}/{path}`` with the JSON ``body``; ``read`` reads the good answer."""
        url = f"{self.base}/{path.lstrip('/')}"
        headers = {**self._headers(), "Content-Type": "application/json"}
        return self.call_reading(
            source,
            what,
            lambda: self.session.post(url, json=body, headers=headers, timeout=self.timeout),
            read,
            creates=True,
        )

    def delete(self, source: str, path: str, what: str) -> None:
        """``DELETE {base}/{path}`` (an answer of 204)."""
        url = f"{self.base}/{path.lstrip('/')}"
        self.call_reading(
            source,
            what,
            lambda: self.session.delete(url, headers=self._headers(), timeout=self.timeout),
            lambda response: None,
        )

    def _classify(self, response: requests.Response) -> Refusal | None:
        status = response.status_code
        if status in (200, 201, 204):
            return None
        problem = _problem(response)
        if status == 401:
            return Refusal(
                Verdict.AUTH,
                problem,
                "the access token expired or was revoked (they last 60 days): authorize again"
                f" and update {TOKEN_ENV}",
            )
        if status == 403:
            return Refusal(Verdict.AUTH, problem, self.forbidden)
        if status == 429:
            return Refusal(
                Verdict.RATE_LIMITED,
                problem,
                "daily application/member limits reset at midnight UTC",
                retry_after(response, self.clock()),
            )
        if status >= 500:
            return Refusal(Verdict.RETRY, problem)
        sunset = (
            f"LinkedIn-Version {self.version} is sunset: set api_version" if status == 426 else ""
        )
        return Refusal(Verdict.FATAL, problem, sunset)


def _created_id(response: requests.Response) -> str:
    ident = response.headers.get("x-restli-id") or response.headers.get("X-RestLi-Id")
    if not ident:
        raise ValueError("the created entity's id (x-restli-id) is missing")
    return ident


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

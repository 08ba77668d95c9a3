"""The Graph API (Meta Lead Ads, replies): a page token, and its hook for ``sf_social.http``.

Reads ``GET /{leadgen_id}`` (one lead: ``field_data``, consents, form and ad ids) and
``GET /{form_id}/leads`` (a form's leads since a time, for reconciliation), with the page
access token in ``FB_PAGE_TOKEN`` (needs ``leads_retrieval`` and ``pages_manage_metadata``;
``pages_show_list``, ``pages_read_engagement`` and ``ads_management`` for ad fields).

Graph errors are ``{"error": {"message", "type", "code", "error_subcode", "fbtrace_id"}}``
(https://developers.facebook.com/docs/graph-api/guides/error-handling); the hook reads the
code, not the HTTP status:

- 190 / 102 (token expired, revoked, or the user changed their password), 10 and 200-299
  (a permission is missing): ``AUTH``, naming what to renew or grant (``forbidden``), but
  10 with subcode 2018278 (a Messenger message outside the allowed window) is ``FATAL``;
- 4, 17, 32, 613 and 80000-80099 (application, user, page and business-use-case limits):
  ``RATE_LIMITED``; 1, 2 and HTTP 5xx (temporary): ``RETRY``;
- anything else (100: no such lead, or no access to it): ``FATAL``.

The token is sent as a bearer header, never in a URL, never logged.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import requests

from sf_social.errors import ConfigError
from sf_social.http import ApiCaller, Clock, Refusal, Verdict, retry_after
from sf_social.retry import RetryPolicy

GRAPH_BASE = "https://graph.facebook.com"
DEFAULT_VERSION = "v23.0"
TOKEN_ENV = "FB_PAGE_TOKEN"  # noqa: S105 (the variable's name, not a secret)
LEAD_FIELDS = (
    "id,created_time,form_id,ad_id,campaign_id,platform,is_organic,field_data,"
    "custom_disclaimer_responses"
)
"""What a lead is asked for (``platform`` says Facebook or Instagram)."""
SCOPES = ("leads_retrieval", "pages_manage_metadata")
POLICY = RetryPolicy(attempts=4, initial=2.0, max_rate_wait=300.0)

_AUTH_CODES = frozenset({102, 190})
_PERMISSION_CODES = frozenset({10, *range(200, 300)})
_LIMIT_CODES = frozenset({4, 17, 32, 613, *range(80000, 80100)})
_TEMPORARY_CODES = frozenset({1, 2})
OUTSIDE_WINDOW = 2018278
"""The subcode of code 10 for a Messenger message sent outside the allowed window."""
FORBIDDEN = (
    f"the token lacks {' or '.join(SCOPES)}, or its user has no leads access on the page"
    " (Leads Access Manager)"
)
"""What a permission error means for lead ads."""


@dataclass(frozen=True)
class PageToken:
    """A page access token; ``repr`` hides it."""

    token: str = field(repr=False)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> PageToken:
        env = os.environ if env is None else env
        token = (env.get(TOKEN_ENV) or "").strip()
        if not token:
            raise ConfigError(
                f"Meta Lead Ads need a page access token: set {TOKEN_ENV} to a long-lived page"
                f" token with {' and '.join(SCOPES)} (a user token expires within hours)"
            )
        return cls(token)


class GraphApi(ApiCaller):
    """Calls to the Graph API with the rules above; ``forbidden`` says what a permission
    error means for the calls this client makes (the permission to grant)."""

    def __init__(
        self,
        token: PageToken,
        *,
        version: str = DEFAULT_VERSION,
        policy: RetryPolicy | None = None,
        session: requests.Session | None = None,
        clock: Clock = time.time,
        base: str = GRAPH_BASE,
        timeout: float = 30.0,
        forbidden: str = FORBIDDEN,
    ) -> None:
        super().__init__("Facebook", self._classify, policy=policy or POLICY, clock=clock)
        self._token = token
        self.forbidden = forbidden
        self.version = version
        self.session = session or requests.Session()
        self.base = base.rstrip("/")
        self.timeout = timeout

    def get_json(self, source: str, path: str, params: Mapping[str, str], what: str) -> Any:
        """The JSON body of ``GET {base}/{version}/{path}?params``."""
        url = f"{self.base}/{self.version}/{path.lstrip('/')}"
        headers = {"Authorization": f"Bearer {self._token.token}", "Accept": "application/json"}
        return self.call(
            source,
            what,
            lambda: self.session.get(url, params=params, headers=headers, timeout=self.timeout),
        )

    def post_json(self, source: str, path: str, body: Mapping[str, Any], what: str) -> Any:
        """The JSON body of ``POST {base}/{version}/{path}`` with the JSON ``body``."""
        url = f"{self.base}/{self.version}/{path.lstrip('/')}"
        headers = {"Authorization": f"Bearer {self._token.token}", "Accept": "application/json"}
        return self.call_reading(
            source,
            what,
            lambda: self.session.post(url, json=body, headers=headers, timeout=self.timeout),
            requests.Response.json,
            creates=True,
        )

    def lead(self, source: str, leadgen_id: str) -> dict[str, Any]:
        """One lead, with :data:`LEAD_FIELDS`."""
        body = self.get_json(source, leadgen_id, {"fields": LEAD_FIELDS}, "GET /{leadgen_id}")
        if not isinstance(body, dict):
            raise ValueError(f"lead {leadgen_id}: the answer is not an object")
        return body

    def _classify(self, response: requests.Response) -> Refusal | None:
        status = response.status_code
        if status == 200:
            return None
        code, subcode, problem = _error(response)
        if code == 10 and subcode == OUTSIDE_WINDOW:
            return Refusal(Verdict.FATAL, problem)
        if code in _AUTH_CODES:
            return Refusal(
                Verdict.AUTH,
                problem,
                f"the page token expired or was revoked: issue a long-lived page token and"
                f" update {TOKEN_ENV}",
            )
        if code in _PERMISSION_CODES:
            return Refusal(Verdict.AUTH, problem, self.forbidden)
        if code in _LIMIT_CODES or status == 429:
            return Refusal(
                Verdict.RATE_LIMITED,
                problem,
                "Graph rate limits are rolling (one hour for most)",
                retry_after(response, self.clock()),
            )
        if code in _TEMPORARY_CODES or status >= 500:
            return Refusal(Verdict.RETRY, problem)
        return Refusal(Verdict.FATAL, problem)


def _error(response: requests.Response) -> tuple[int | None, int | None, str]:
    """The Graph error code and subcode of an answer and what it said (``400 Bad Request:
    ... (code 100)``)."""
    reason = f"{response.status_code} {response.reason or ''}".strip()
    try:
        body = response.json()
    except ValueError:
        return None, None, reason
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        return None, None, reason
    code, subcode = _int(error.get("code")), _int(error.get("error_subcode"))
    message = error.get("message")
    detail = str(message)[:200] if isinstance(message, str) else ""
    codes = f"code {code}, subcode {subcode}" if subcode is not None else f"code {code}"
    return code, subcode, f"{reason}: {detail} ({codes})" if detail else f"{reason} ({codes})"


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None

"""``sf-social linkedin check``: does the token read the page's notifications right now?

One small call (the last hour, one notification), no retries and no waiting on rate limits.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass

import requests

from sf_social.errors import ConfigError, SourceApiError
from sf_social.retry import RetryPolicy
from sf_social.sources.linkedin_api.client import LinkedInApi, LinkedInCredentials
from sf_social.sources.linkedin_api.config import LinkedInPageOptions
from sf_social.sources.linkedin_api.source import notifications_path


@dataclass(frozen=True)
class CheckLine:
    what: str
    ok: bool
    detail: str


def check_page(
    options: LinkedInPageOptions,
    env: Mapping[str, str],
    *,
    session: requests.Session | None = None,
    now: float | None = None,
) -> list[CheckLine]:
    """One line for the credentials, one for the page."""
    try:
        creds = LinkedInCredentials.from_env(env)
    except ConfigError as exc:
        return [CheckLine("credentials", False, str(exc))]
    lines = [CheckLine("credentials", True, "LINKEDIN_ACCESS_TOKEN found")]
    api = LinkedInApi(
        creds,
        version=options.api_version,
        policy=RetryPolicy(attempts=1, max_rate_wait=0, sleep=lambda s: None),
        session=session,
    )
    end = int((time.time() if now is None else now) * 1000)
    path = notifications_path(options.organization, options.actions, end - 3_600_000, end, 0, 1)
    what = options.organization
    try:
        body = api.get_json("check", path, "GET /rest/organizationalEntityNotifications")
    except SourceApiError as exc:
        lines.append(CheckLine(what, False, str(exc)))
        return lines
    elements = body.get("elements") if isinstance(body, dict) else None
    count = len(elements) if isinstance(elements, list) else 0
    lines.append(
        CheckLine(
            what,
            True,
            f"notifications readable (LinkedIn-Version {options.api_version},"
            f" actions {','.join(options.actions)}; {count} in the last hour on the first page)",
        )
    )
    return lines

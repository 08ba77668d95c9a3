"""Each configured source's side of the preflight: credentials, access and token expiry.

X: the checks of ``sf-social x check`` (credentials, then one small call per account and
query: what the access level allows). LinkedIn: the token reads the page (``linkedin
check``) and is not about to expire: LinkedIn tokens last 60 days; the expiry comes from
token introspection when ``LINKEDIN_CLIENT_ID`` and ``LINKEDIN_CLIENT_SECRET`` are set,
else from ``LINKEDIN_TOKEN_ISSUED`` (the day it was issued). Facebook: the app secret and
verify token the receiver needs are set. The X compliance check: X credentials are set. No
source configured is fine.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta

import requests

from sf_social.config.sources import (
    FacebookWebhookSourceConfig,
    JsonlSourceConfig,
    LinkedInPageSourceConfig,
    SourceConfig,
    XComplianceSourceConfig,
    XSourceConfig,
)
from sf_social.doctor.linkedin_token import introspect
from sf_social.doctor.report import Check, fail, ok, warn
from sf_social.errors import ConfigError
from sf_social.playbook import Playbook
from sf_social.sources.linkedin_api.check import check_page
from sf_social.sources.x.check import check_access
from sf_social.sources.x.client import XCredentials

AREA = "sources"
TOKEN_LIFE = timedelta(days=60)
RENEW_AHEAD = timedelta(days=7)
RENEW = (
    "renew LINKEDIN_ACCESS_TOKEN (LinkedIn Developer Portal > your app > Auth > OAuth 2.0"
    " tools) and set LINKEDIN_TOKEN_ISSUED to today"
)


def source_checks(
    sources: Sequence[SourceConfig],
    playbook: Callable[[SourceConfig], Playbook],
    env: Mapping[str, str],
    *,
    http: requests.Session | None = None,
    now: datetime | None = None,
) -> list[Check]:
    """The checks of every source; ``playbook(source)`` is the playbook it runs with."""
    if not sources:
        return [ok(AREA, "sources", "none configured")]
    at = now or datetime.now(UTC)
    checks: list[Check] = []
    for source in sources:
        name = getattr(source, "source_name", source.type)
        if isinstance(source, XSourceConfig):
            fix = "see `sf-social x check`; X_BEARER_TOKEN and/or the OAuth 1.0a X_* variables"
            for x_line in check_access(source, playbook(source), env):
                what = f"{name} {x_line.what}"
                if x_line.ok:
                    checks.append(ok(AREA, what, x_line.detail))
                else:
                    checks.append(fail(AREA, what, x_line.detail, fix))
        elif isinstance(source, LinkedInPageSourceConfig):
            for page_line in check_page(source, env, session=http, now=at.timestamp()):
                what = f"{name} {page_line.what}"
                if page_line.ok:
                    checks.append(ok(AREA, what, page_line.detail))
                else:
                    checks.append(fail(AREA, what, page_line.detail, RENEW))
            checks.append(linkedin_expiry(name, env, http or requests.Session(), at))
        elif isinstance(source, FacebookWebhookSourceConfig):
            unset = [v for v in ("FB_APP_SECRET", "FB_VERIFY_TOKEN") if not env.get(v)]
            if unset:
                fix = "set them as in the Meta app's Webhooks settings (`webhook serve` needs them)"
                checks.append(fail(AREA, name, f"{' and '.join(unset)} not set", fix))
            else:
                checks.append(ok(AREA, name, "FB_APP_SECRET and FB_VERIFY_TOKEN set"))
        elif isinstance(source, XComplianceSourceConfig):
            try:
                found = XCredentials.from_env(env).describe()
            except ConfigError as exc:
                checks.append(fail(AREA, name, str(exc), "set the X_* variables as for `x`"))
            else:
                checks.append(ok(AREA, name, f"X credentials set ({found})"))
        elif isinstance(source, JsonlSourceConfig):
            if source.path.exists():
                checks.append(ok(AREA, name, f"{source.path} exists"))
            else:
                checks.append(warn(AREA, name, f"{source.path} does not exist yet"))
    return checks


def linkedin_expiry(
    name: str, env: Mapping[str, str], http: requests.Session, now: datetime
) -> Check:
    """When the LinkedIn token expires: ok, warn 7 days ahead, fail once expired."""
    what = f"{name} token expiry"
    found = introspect(env, http, env.get("LINKEDIN_ACCESS_TOKEN", ""))
    if isinstance(found, str):
        return warn(AREA, what, found)
    if found is not None:
        if found.expires_at is None:
            detail = f"token introspection gave no expires_at (HTTP {found.status})"
            return warn(AREA, what, detail)
        if found.inactive:
            return fail(AREA, what, "LinkedIn says the token is no longer active", RENEW)
        return _expiry(what, datetime.fromtimestamp(found.expires_at, UTC), now)
    issued = env.get("LINKEDIN_TOKEN_ISSUED")
    if not issued:
        return warn(
            AREA,
            what,
            "unknown: neither LINKEDIN_CLIENT_ID + LINKEDIN_CLIENT_SECRET (introspection) nor"
            " LINKEDIN_TOKEN_ISSUED is set",
            "set LINKEDIN_TOKEN_ISSUED=YYYY-MM-DD (the day the token was issued)",
        )
    try:
        day = date.fromisoformat(issued)
    except ValueError:
        fix = "set LINKEDIN_TOKEN_ISSUED=YYYY-MM-DD"
        return fail(AREA, what, f"LINKEDIN_TOKEN_ISSUED={issued!r} is not a date", fix)
    start = datetime(day.year, day.month, day.day, tzinfo=UTC)
    return _expiry(what, start + TOKEN_LIFE, now)


def _expiry(what: str, expires: datetime, now: datetime) -> Check:
    when = expires.date().isoformat()
    if expires <= now:
        return fail(AREA, what, f"expired on {when}", RENEW)
    left = expires - now
    detail = f"expires on {when} (in {left.days} days)"
    return warn(AREA, what, detail, RENEW) if left <= RENEW_AHEAD else ok(AREA, what, detail)

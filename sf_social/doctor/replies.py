"""The reply job's checks (``[replies]`` enabled): the credentials of each network it posts on.

- X (``replies.x_account_id``): user context (``X_CONSUMER_KEY``, ``X_CONSUMER_SECRET``,
  ``X_ACCESS_TOKEN``, ``X_ACCESS_TOKEN_SECRET``) of that account; an app-only bearer token
  reads but never posts.
- Facebook (``replies.facebook_page_id``): ``FB_PAGE_TOKEN`` is set, and is a valid token
  of that page with ``pages_manage_engagement`` (comments) and ``pages_messaging``
  (Messenger). A page token's permissions cannot be read with the page token itself
  (``/me/permissions`` is a user's edge): they are read with ``GET /debug_token?input_token=``
  authorized by the app's token (``FB_APP_ID|FB_APP_SECRET``, as a bearer header); without
  ``FB_APP_ID`` and ``FB_APP_SECRET`` the check warns that it cannot verify them.
- LinkedIn (``replies.linkedin_organization``): ``LINKEDIN_ACCESS_TOKEN`` is set, and its
  scopes (token introspection, ``POST /oauth/v2/introspectToken`` with
  ``LINKEDIN_CLIENT_ID`` and ``LINKEDIN_CLIENT_SECRET``; a warning without them) hold
  ``w_organization_social`` (comment as the organization) and ``r_organization_social``
  (read its posts and comments); the ``_feed`` names LinkedIn gives them since 2025 count.

One Graph call and one introspection at most; tokens are never shown. The org's side
(``Social_Reply__c`` and its fields editable by the integration user) is checked with the
org (``sf_social.doctor.salesforce``).
"""

from __future__ import annotations

from collections.abc import Mapping

import requests

from sf_social.config.model import RepliesConfig
from sf_social.doctor.linkedin_token import NEEDS_APP, introspect
from sf_social.doctor.report import Check, fail, ok, warn
from sf_social.errors import ConfigError, SourceApiError
from sf_social.retry import RetryPolicy
from sf_social.sources.facebook.graph import TOKEN_ENV as FB_TOKEN
from sf_social.sources.facebook.graph import GraphApi, PageToken
from sf_social.sources.facebook.replies import REPLY_PERMISSIONS
from sf_social.sources.linkedin_api.client import TOKEN_ENV as LINKEDIN_TOKEN
from sf_social.sources.x.client import XCredentials

AREA = "replies"
USER_CONTEXT = (
    "set X_CONSUMER_KEY, X_CONSUMER_SECRET, X_ACCESS_TOKEN and X_ACCESS_TOKEN_SECRET of the"
    " account that posts (OAuth 1.0a user context, app permission Read and write)"
)
LINKEDIN_SCOPES = ("w_organization_social", "r_organization_social")
PAGE_TOKEN_FIX = (
    f"issue a long-lived page access token with {' and '.join(REPLY_PERMISSIONS)} (comments,"
    f" Messenger) and set it as {FB_TOKEN}"
)
LINKEDIN_FIX = (
    f"authorize the app again with {' and '.join(LINKEDIN_SCOPES)} (a page ADMINISTRATOR) and"
    f" update {LINKEDIN_TOKEN}"
)


def reply_checks(
    replies: RepliesConfig, env: Mapping[str, str], http: requests.Session | None = None
) -> list[Check]:
    """The credentials of each network the reply job posts on; nothing when it is off."""
    if not replies.enabled:
        return []
    checks: list[Check] = []
    if replies.x_account_id is not None:
        checks.append(x_credentials(replies, env))
    if replies.facebook_page_id is not None:
        checks.append(facebook_permissions(replies.facebook_page_id, env, http))
    if replies.linkedin_organization is not None:
        checks.append(linkedin_scopes(env, http or requests.Session()))
    return checks


def x_credentials(replies: RepliesConfig, env: Mapping[str, str]) -> Check:
    """X user context for the account that posts."""
    try:
        credentials = XCredentials.from_env(env)
    except ConfigError as exc:
        return fail(AREA, "X credentials", str(exc), USER_CONTEXT)
    if not credentials.user_context:
        detail = f"only {credentials.describe()}: an app-only token cannot post"
        return fail(AREA, "X credentials", detail, USER_CONTEXT)
    detail = f"user context set for account {replies.x_account_id} ({replies.x_tier.value} tier)"
    return ok(AREA, "X credentials", detail)


def facebook_permissions(
    page_id: str, env: Mapping[str, str], http: requests.Session | None = None
) -> Check:
    """The page token is valid, the page's, with both reply permissions (``debug_token``)."""
    what = "Facebook page token"
    token = (env.get(FB_TOKEN) or "").strip()
    if not token:
        return fail(AREA, what, f"{FB_TOKEN} not set", PAGE_TOKEN_FIX)
    app, secret = env.get("FB_APP_ID"), env.get("FB_APP_SECRET")
    if not app or not secret:
        return warn(
            AREA,
            what,
            f"cannot verify {' and '.join(REPLY_PERMISSIONS)}: set FB_APP_ID and FB_APP_SECRET"
            " (a page token's permissions are read through debug_token with the app's token)",
        )
    api = GraphApi(
        PageToken(f"{app}|{secret}"), policy=RetryPolicy(attempts=2, initial=0.5), session=http
    )
    try:
        body = api.get_json("doctor", "debug_token", {"input_token": token}, "GET /debug_token")
    except SourceApiError as exc:
        return fail(AREA, what, str(exc), "check FB_APP_ID and FB_APP_SECRET (the app's)")
    data = body.get("data") if isinstance(body, dict) else None
    data = data if isinstance(data, dict) else {}
    if not data.get("is_valid"):
        return fail(
            AREA, what, "Meta says the token is not valid (expired or revoked)", PAGE_TOKEN_FIX
        )
    owner = str(data.get("profile_id") or "")
    if owner and owner != page_id:
        return fail(
            AREA, what, f"the token is page {owner}'s, not page {page_id}'s", PAGE_TOKEN_FIX
        )
    scopes = {str(s) for s in data.get("scopes") or []}
    missing = [p for p in REPLY_PERMISSIONS if p not in scopes]
    if missing:
        return fail(AREA, what, f"the page token lacks {' and '.join(missing)}", PAGE_TOKEN_FIX)
    return ok(AREA, what, f"page {page_id} token with {', '.join(REPLY_PERMISSIONS)}")


def linkedin_scopes(env: Mapping[str, str], http: requests.Session) -> Check:
    """The LinkedIn token's scopes allow commenting as the organization (introspection)."""
    what = "LinkedIn token scopes"
    token = (env.get(LINKEDIN_TOKEN) or "").strip()
    if not token:
        return fail(AREA, what, f"{LINKEDIN_TOKEN} not set", LINKEDIN_FIX)
    found = introspect(env, http, token)
    if found is None:
        scopes = " and ".join(LINKEDIN_SCOPES)
        return warn(
            AREA, what, f"cannot verify {scopes}: needs {NEEDS_APP} to introspect the token"
        )
    if isinstance(found, str):
        return warn(AREA, what, found)
    granted = found.scopes
    if granted is None:
        return warn(AREA, what, f"token introspection gave no scope (HTTP {found.status})")
    if found.inactive:
        return fail(AREA, what, "LinkedIn says the token is no longer active", LINKEDIN_FIX)
    missing = [s for s in LINKEDIN_SCOPES if not {s, f"{s}_feed"} & granted]
    if missing:
        return fail(AREA, what, f"the token lacks {' and '.join(missing)}", LINKEDIN_FIX)
    return ok(AREA, what, f"{', '.join(LINKEDIN_SCOPES)} granted")

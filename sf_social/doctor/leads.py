"""The lead forms' side of the preflight: the tokens can read leads, the page sends them.

Run when their tokens are set (``sf-social leads`` needs nothing else configured):

- Meta (``FB_PAGE_TOKEN``, ``FB_PAGE_ID``): the page's subscribed apps include one with
  ``leadgen`` (``GET /{page_id}/subscribed_apps``, which needs ``pages_manage_metadata``; no
  subscription, no webhook), and one form can be read (``GET /{page_id}/leadgen_forms``,
  which needs ``leads_retrieval``);
- LinkedIn (``LINKEDIN_ACCESS_TOKEN``, with ``LINKEDIN_CLIENT_ID`` and
  ``LINKEDIN_CLIENT_SECRET`` for token introspection): the token's scopes hold
  ``r_marketing_leadgen_automation`` and ``r_ads`` or ``r_organization_admin``.

Two Graph calls and one introspection at most; tokens are never shown.

With the playbook's ``lead_forms.email_consents`` set, the org check also describes
``ContactPointTypeConsent`` (:func:`consent_objects`): an org without it (Data Protection and
Privacy off) keeps consents as ``HasOptedOutOfEmail`` only, a warn.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import requests

from sf_social.doctor.linkedin_token import NEEDS_APP, introspect
from sf_social.doctor.report import Check, fail, ok, warn
from sf_social.errors import SalesforceError, SourceApiError
from sf_social.retry import RetryPolicy
from sf_social.sources.facebook.graph import SCOPES, GraphApi, PageToken

AREA = "leads"
LEAD_SCOPE = "r_marketing_leadgen_automation"
OWNER_SCOPES = ("r_ads", "r_organization_admin")


def lead_checks(env: Mapping[str, str], http: requests.Session | None = None) -> list[Check]:
    """The checks of each network whose lead token is set (none: nothing to check)."""
    checks: list[Check] = []
    if env.get("FB_PAGE_TOKEN"):
        checks += meta_checks(env, http)
    if env.get("LINKEDIN_ACCESS_TOKEN") and env.get("LINKEDIN_LEAD_OWNER"):
        checks.append(linkedin_scopes(env, http or requests.Session()))
    return checks


def meta_checks(env: Mapping[str, str], http: requests.Session | None = None) -> list[Check]:
    """The page sends ``leadgen`` webhooks to an app, and the token reads its forms."""
    page = env.get("FB_PAGE_ID", "").strip()
    if not page:
        return [fail(AREA, "meta page", "FB_PAGE_ID not set", "set it to the page's id")]
    api = GraphApi(
        PageToken(env["FB_PAGE_TOKEN"]), policy=RetryPolicy(attempts=2, initial=0.5), session=http
    )
    checks: list[Check] = []
    try:
        apps = api.get_json(
            "doctor", f"{page}/subscribed_apps", {}, "GET /{page_id}/subscribed_apps"
        )
    except SourceApiError as exc:
        checks.append(
            fail(AREA, "meta leadgen subscription", str(exc), _grant("pages_manage_metadata"))
        )
    else:
        fields = {f for app in apps.get("data") or [] for f in app.get("subscribed_fields") or []}
        if "leadgen" in fields:
            checks.append(ok(AREA, "meta leadgen subscription", "the page sends leadgen to an app"))
        else:
            fix = f"POST /{page}/subscribed_apps?subscribed_fields=leadgen with the page token"
            checks.append(fail(AREA, "meta leadgen subscription", "no app gets leadgen", fix))
    try:
        api.get_json(
            "doctor", f"{page}/leadgen_forms", {"limit": "1"}, "GET /{page_id}/leadgen_forms"
        )
    except SourceApiError as exc:
        checks.append(fail(AREA, "meta lead forms", str(exc), _grant("leads_retrieval")))
    else:
        checks.append(ok(AREA, "meta lead forms", "the token reads the page's lead forms"))
    return checks


def _grant(scope: str) -> str:
    return f"issue a page token with {scope} (all needed: {', '.join(SCOPES)}) as FB_PAGE_TOKEN"


def linkedin_scopes(env: Mapping[str, str], http: requests.Session) -> Check:
    """The LinkedIn token's scopes allow Lead Sync (from token introspection)."""
    what = "linkedin lead sync scopes"
    found = introspect(env, http, env["LINKEDIN_ACCESS_TOKEN"])
    if found is None:
        return warn(AREA, what, f"unknown: set {NEEDS_APP} to introspect the token")
    if isinstance(found, str):
        return warn(AREA, what, found)
    granted = found.scopes
    if granted is None:
        return warn(AREA, what, f"token introspection gave no scope (HTTP {found.status})")
    missing = [LEAD_SCOPE] if LEAD_SCOPE not in granted else []
    if not granted & set(OWNER_SCOPES):
        missing.append(" or ".join(OWNER_SCOPES))
    if missing:
        fix = "authorize the app again with those scopes and update LINKEDIN_ACCESS_TOKEN"
        return fail(AREA, what, f"the token lacks {' and '.join(missing)}", fix)
    return ok(AREA, what, f"{LEAD_SCOPE} with {', '.join(sorted(granted & set(OWNER_SCOPES)))}")


def consent_objects(describe: Callable[[str], Mapping[str, Any]]) -> Check:
    """Whether the org records consents as ContactPointTypeConsent (one describe)."""
    what = "lead form consents"
    try:
        fields = describe("ContactPointTypeConsent")
    except SalesforceError:
        return warn(
            "salesforce",
            what,
            "the org has no Individual / ContactPointTypeConsent: consents are kept as"
            " HasOptedOutOfEmail only",
            "enable Data Protection and Privacy (Setup > Data Protection and Privacy) to"
            " record each consent answer as a ContactPointTypeConsent",
        )
    missing = sorted({"PartyId", "PrivacyConsentStatus", "CaptureSource"} - set(fields))
    if missing:
        return warn("salesforce", what, f"ContactPointTypeConsent lacks {', '.join(missing)}")
    return ok("salesforce", what, "recorded as Individual and ContactPointTypeConsent")

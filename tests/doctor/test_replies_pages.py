"""doctor's reply checks for Facebook and LinkedIn: the page token's permissions (through
debug_token with the app's token) and the LinkedIn token's scopes (introspection)."""

from __future__ import annotations

from typing import Any

import pytest
import requests
import responses

from sf_social.config.model import RepliesConfig
from sf_social.doctor.linkedin_token import INTROSPECT
from sf_social.doctor.replies import reply_checks

DEBUG = "https://graph.facebook.com/v23.0/debug_token"
PAGES = RepliesConfig(
    enabled=True, facebook_page_id="300", linkedin_organization="urn:li:organization:5"
)
ENV = {
    "FB_PAGE_TOKEN": "page-token-secret",
    "FB_APP_ID": "77",
    "FB_APP_SECRET": "app-secret",
    "LINKEDIN_ACCESS_TOKEN": "li-token-secret",
    "LINKEDIN_CLIENT_ID": "cid",
    "LINKEDIN_CLIENT_SECRET": "csecret",
}


def found(env: dict[str, str]) -> dict[str, Any]:
    return {c.name: c for c in reply_checks(PAGES, env, requests.Session())}


def debug_token(**data: Any) -> None:
    body = {"is_valid": True, "type": "PAGE", "profile_id": "300", **data}
    responses.add(responses.GET, DEBUG, json={"data": body})


def introspect(scope: str, active: bool = True) -> None:
    responses.add(responses.POST, INTROSPECT, json={"active": active, "scope": scope})


@responses.activate
def test_both_tokens_with_their_permissions_pass_without_showing_a_token() -> None:
    debug_token(scopes=["pages_manage_engagement", "pages_messaging", "pages_show_list"])
    introspect("r_organization_social,w_organization_social,rw_organization_admin")

    checks = found(ENV)

    assert checks["Facebook page token"].status == "ok"
    assert checks["LinkedIn token scopes"].status == "ok"
    call = responses.calls[0].request
    assert call.headers["Authorization"] == "Bearer 77|app-secret"  # the app's token
    assert "secret" not in repr(list(checks.values())).replace("app-secret", "")


@pytest.mark.parametrize(
    ("data", "says"),
    [
        ({"scopes": ["pages_manage_engagement"]}, "the page token lacks pages_messaging"),
        ({"scopes": [], "is_valid": False}, "not valid (expired or revoked)"),
        ({"scopes": ["pages_messaging"], "profile_id": "301"}, "page 301's, not page 300's"),
    ],
)
@responses.activate
def test_a_page_token_missing_a_permission_or_of_another_page_fails(
    data: dict[str, Any], says: str
) -> None:
    debug_token(**data)
    introspect("w_organization_social_feed,r_organization_social_feed")

    checks = found(ENV)

    facebook = checks["Facebook page token"]
    assert (facebook.status, says in facebook.detail) == ("fail", True)
    assert "pages_manage_engagement and pages_messaging" in facebook.fix
    assert checks["LinkedIn token scopes"].status == "ok"  # the 2025 names count


@responses.activate
def test_a_linkedin_token_without_w_organization_social_fails_naming_it() -> None:
    debug_token(scopes=["pages_manage_engagement", "pages_messaging"])
    introspect("r_organization_social,r_organization_admin")

    linkedin = found(ENV)["LinkedIn token scopes"]

    assert (linkedin.status, linkedin.detail) == (
        "fail",
        "the token lacks w_organization_social",
    )
    assert "w_organization_social and r_organization_social" in linkedin.fix


def test_without_app_or_client_credentials_the_checks_warn_they_cannot_verify() -> None:
    env = {"FB_PAGE_TOKEN": "page-token-secret", "LINKEDIN_ACCESS_TOKEN": "li-token-secret"}

    checks = found(env)

    assert checks["Facebook page token"].status == "warn"
    assert "set FB_APP_ID and FB_APP_SECRET" in checks["Facebook page token"].detail
    assert checks["LinkedIn token scopes"].status == "warn"
    assert "needs LINKEDIN_CLIENT_ID and LINKEDIN_CLIENT_SECRET" in (
        checks["LinkedIn token scopes"].detail
    )


def test_missing_tokens_fail_naming_the_variable() -> None:
    checks = found({})

    assert checks["Facebook page token"].detail == "FB_PAGE_TOKEN not set"
    assert checks["LinkedIn token scopes"].detail == "LINKEDIN_ACCESS_TOKEN not set"
    assert {c.status for c in checks.values()} == {"fail"}

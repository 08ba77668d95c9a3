"""doctor's lead form checks: the page sends leadgen, the tokens hold the scopes."""

from __future__ import annotations

import pytest
import responses

from sf_social.doctor.leads import lead_checks
from sf_social.doctor.linkedin_token import INTROSPECT
from sf_social.testing.graph_leads import GraphLeadsTwin

LI = {
    "LINKEDIN_ACCESS_TOKEN": "li-token",
    "LINKEDIN_LEAD_OWNER": "urn:li:sponsoredAccount:1",
    "LINKEDIN_CLIENT_ID": "client",
    "LINKEDIN_CLIENT_SECRET": "secret",
}


def test_nothing_to_check_without_lead_tokens() -> None:
    assert lead_checks({}) == []


def test_meta_page_subscribed_and_forms_readable() -> None:
    twin = GraphLeadsTwin()
    env = {"FB_PAGE_TOKEN": twin.token, "FB_PAGE_ID": twin.page_id}
    with twin.mock():
        checks = lead_checks(env)
    assert [(c.name, c.status.value) for c in checks] == [
        ("meta leadgen subscription", "ok"),
        ("meta lead forms", "ok"),
    ]
    twin.subscribed = ["feed"]
    with twin.mock():
        (subscription, _forms) = lead_checks(env)
    assert subscription.status.value == "fail" and "subscribed_fields=leadgen" in subscription.fix


def test_a_meta_token_without_leads_access_names_the_permission() -> None:
    twin = GraphLeadsTwin()
    twin.fail_next(200, times=4)  # (#200) permissions error, on every call and retry
    with twin.mock():
        checks = lead_checks({"FB_PAGE_TOKEN": twin.token, "FB_PAGE_ID": twin.page_id})
    assert all(c.status.value == "fail" for c in checks)
    assert "leads_retrieval" in checks[1].fix and twin.token not in str(checks)


@pytest.mark.parametrize(
    ("scope", "status", "says"),
    [
        ("r_ads,r_marketing_leadgen_automation", "ok", "r_marketing_leadgen_automation with"),
        ("r_organization_admin", "fail", "lacks r_marketing_leadgen_automation"),
        ("r_marketing_leadgen_automation", "fail", "lacks r_ads or r_organization_admin"),
    ],
)
@responses.activate
def test_linkedin_scopes_from_introspection(scope: str, status: str, says: str) -> None:
    responses.add(responses.POST, INTROSPECT, json={"active": True, "scope": scope})
    (check,) = lead_checks(LI)
    assert check.status.value == status and says in check.detail

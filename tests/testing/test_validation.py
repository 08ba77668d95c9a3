"""The local org enforces the validation rules it holds, for the user of each session."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from pydantic import SecretStr

from sf_social.bundled import bundled_path
from sf_social.metadata.deploy import deploy_package
from sf_social.metadata.mdapi import MetadataApi
from sf_social.metadata.session import OrgSession
from sf_social.metadata.source import load_package
from sf_social.testing import LocalOrg
from sf_social.testing.setup import INTEGRATION_PERMISSION_SET, assign_permission_set
from tests.testing.helpers import Api

RULE = "Social_Reply__c.Approval_Needs_Approver"


@pytest.fixture(scope="module")
def org() -> Iterator[LocalOrg]:
    """An org with our package deployed, an agent, an approver and the integration user."""
    org = LocalOrg(custom_fields=False)
    with org.mock():
        session = OrgSession(org.instance_url, SecretStr(org.access_token))
        outcome = deploy_package(
            MetadataApi(session, api_version="63.0", timeout=5),
            load_package(bundled_path("metadata")),
            check_only=False,
            sandbox=True,
            api_version="63.0",
            progress=lambda _line: None,
            sleep=lambda _seconds: None,
        )
        assert outcome.ok
        for name in (
            INTEGRATION_PERMISSION_SET,
            "SF_Social_Reply_Agent",
            "SF_Social_Reply_Approver",
        ):
            org.insert("PermissionSet", Name=name, Label=name)
        assign_permission_set(org, INTEGRATION_PERMISSION_SET, org.user_id)
        yield org


def as_user(org: LocalOrg, username: str, permission_set: str) -> Api:
    user = org.add_user(username)
    assign_permission_set(org, permission_set, user)
    api = Api(org)
    api.session.headers["Authorization"] = f"Bearer {org.new_session(user)}"
    return api


def reply(case_id: str, status: str = "Approved") -> dict[str, Any]:
    return {
        "Case__c": case_id,
        "Reply_To_Key__c": "twitter:1",
        "Body__c": "Sorry!",
        "Status__c": status,
    }


def test_only_an_approver_approves_where_the_playbook_keeps_approval(org: LocalOrg) -> None:
    agent = as_user(org, "agent1@northwind.example", "SF_Social_Reply_Agent")
    approver = as_user(org, "approver1@northwind.example", "SF_Social_Reply_Approver")
    case_id = org.insert("Case", Subject="charged twice", Social_Reply_Approval_Waived__c=False)

    refused = agent.post("/sobjects/Social_Reply__c", reply(case_id))
    assert refused.status_code == 400
    [error] = refused.json()
    assert error["errorCode"] == "FIELD_CUSTOM_VALIDATION_EXCEPTION"
    assert error["message"].startswith("This reply needs approval")
    assert error["fields"] == ["Status__c"]

    drafted = agent.post("/sobjects/Social_Reply__c", reply(case_id, "Draft"))
    assert drafted.status_code == 201, drafted.text
    path = f"/sobjects/Social_Reply__c/{drafted.json()['id']}"
    assert agent.patch(path, {"Status__c": "Approved"}).status_code == 400  # a change too
    assert agent.patch(path, {"Body__c": "Sorry, on it"}).status_code == 204  # not the status
    assert approver.patch(path, {"Status__c": "Approved"}).status_code == 204
    assert approver.post("/sobjects/Social_Reply__c", reply(case_id)).status_code == 201
    assert org.writer.validator is not None and not org.writer.validator.unenforced


def test_an_agent_approves_their_own_reply_where_the_playbook_waived_it(org: LocalOrg) -> None:
    agent = as_user(org, "agent2@northwind.example", "SF_Social_Reply_Agent")
    case_id = org.insert("Case", Subject="which card?", Social_Reply_Approval_Waived__c=True)
    assert agent.post("/sobjects/Social_Reply__c", reply(case_id)).status_code == 201


def test_the_integration_puts_a_reply_it_could_not_post_back_to_approved(org: LocalOrg) -> None:
    case_id = org.insert("Case", Subject="charged twice")
    reply_id = org.insert("Social_Reply__c", reply(case_id, "Sending"))
    integration = Api(org)  # after a rate limit, the reply job sets Sending back to Approved
    answer = integration.patch(f"/sobjects/Social_Reply__c/{reply_id}", {"Status__c": "Approved"})
    assert answer.status_code == 204, answer.text


def test_seeding_is_an_admin_data_load_and_not_validated(org: LocalOrg) -> None:
    case_id = org.insert("Case", Subject="charged twice")
    assert org.insert("Social_Reply__c", reply(case_id))  # no session, no rule

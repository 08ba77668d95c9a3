"""doctor with ``[replies]`` enabled: the org's Social_Reply__c and the X user context."""

from __future__ import annotations

from tests.cli.conftest import Ops
from tests.doctor.test_cli import checks

X_USER = {
    "X_CONSUMER_KEY": "ck",
    "X_CONSUMER_SECRET": "cs",
    "X_ACCESS_TOKEN": "at",
    "X_ACCESS_TOKEN_SECRET": "ats",
}


def enable(ops: Ops, **env: str) -> None:
    ops.env |= {"SF_SOCIAL_REPLIES_ENABLED": "true", "SF_SOCIAL_REPLIES_X_ACCOUNT_ID": "100"}
    ops.env |= env


def test_replies_not_enabled_are_not_checked(doc: Ops) -> None:
    _code, found = checks(doc)

    assert not [k for k in found if "replies" in k]


def test_a_ready_org_and_x_user_context_pass(doc: Ops) -> None:
    enable(doc, **X_USER)

    code, found = checks(doc)

    assert code == 0, found
    assert found["salesforce replies"]["status"] == "ok"
    assert found["replies X credentials"]["detail"] == (
        "user context set for account 100 (basic tier)"
    )


def test_an_app_only_token_and_a_locked_status_field_fail_with_their_fix(doc: Ops) -> None:
    enable(doc, X_BEARER_TOKEN="x-bearer-secret-1234")
    doc.org.schema.field("Social_Reply__c", "Status__c").updateable = False

    code, found = checks(doc)

    assert code == 1
    reply = found["salesforce replies"]
    assert (reply["status"], reply["detail"]) == (
        "fail",
        "Social_Reply__c: not editable by this user: Status__c",
    )
    x = found["replies X credentials"]
    assert (x["status"], x["detail"]) == ("fail", "only bearer: an app-only token cannot post")
    assert "X_ACCESS_TOKEN_SECRET" in x["fix"]


def test_an_org_without_the_reply_object_fails_naming_the_deploy(doc: Ops) -> None:
    enable(doc, **X_USER)
    doc.org.schema.remove_field("Social_Reply__c", "Posted_Id__c")

    _code, found = checks(doc)

    reply = found["salesforce replies"]
    assert reply["detail"] == "Social_Reply__c lacks Posted_Id__c"
    assert "metadata deploy" in reply["fix"]

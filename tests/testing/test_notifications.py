"""The local org's custom notification action and query jobs, as the REST adapter uses them."""

from __future__ import annotations

from typing import Any

from sf_social.testing import LocalOrg
from tests.testing.helpers import Api

ACTION = "/actions/standard/customNotificationAction"


def type_id(api: Api) -> str:
    answer = api.query(
        "SELECT Id FROM CustomNotificationType WHERE DeveloperName = 'Social_Escalation'"
    )
    (row,) = answer.json()["records"]
    return str(row["Id"])


def notification(api: Api, **fields: Any) -> dict[str, Any]:
    queue = api.org.add_queue("Social_PR", sobjects=("Case",))
    case = api.org.insert("Case", Subject="help", OwnerId=queue)
    return {
        "customNotifTypeId": type_id(api),
        "recipientIds": [queue],
        "targetId": case,
        "title": "Social Case escalated",
        "body": "twitter:2: legal threat",
        **fields,
    }


def test_the_notification_type_of_metadata_is_in_the_org(api: Api) -> None:
    assert type_id(api).startswith("0ML")


def test_a_notification_to_a_queue_is_sent(api: Api, org: LocalOrg) -> None:
    sent = notification(api)
    answer = api.post(ACTION, {"inputs": [sent]})
    assert answer.status_code == 200
    (result,) = answer.json()
    assert (result["actionName"], result["isSuccess"], result["errors"]) == (
        "customNotificationAction",
        True,
        None,
    )
    (kept,) = org.notifications.sent
    assert (kept.recipient_ids, kept.target_id) == (tuple(sent["recipientIds"]), sent["targetId"])


def test_a_bad_input_fails_alone(api: Api, org: LocalOrg) -> None:
    good = notification(api)
    inputs = [
        good,
        {**good, "recipientIds": ["00G000000000000AAA"]},
        {**good, "title": ""},
        {**good, "customNotifTypeId": "0ML000000000000AAA"},
    ]
    results = api.post(ACTION, {"inputs": inputs}).json()
    assert [r["isSuccess"] for r in results] == [True, False, False, False]
    assert {r["errors"][0]["statusCode"] for r in results[1:]} == {"INVALID_API_INPUT"}
    assert len(org.notifications.sent) == 1


def test_an_org_without_our_metadata_has_no_notification_type() -> None:
    org = LocalOrg(custom_fields=False)
    assert org.query("SELECT Id FROM CustomNotificationType")["records"] == []

"""The local org enforces the schema with Salesforce's error codes."""

from __future__ import annotations

import pytest

from sf_social.testing import LocalOrg
from sf_social.testing.ids import checksum, is_well_formed
from tests.testing.helpers import Api, codes, lead


def test_unknown_field_fails_the_whole_request(api: Api) -> None:
    single = api.post("/sobjects/Lead/", lead("k1", Favourite_Colour__c="blue"))
    assert single.status_code == 400
    assert single.json() == [
        {"message": "No such column 'Favourite_Colour__c' on sobject of type Lead",
         "errorCode": "INVALID_FIELD"}
    ]  # fmt: skip
    many = api.upsert("Lead", "Social_Profile_Key__c", [lead("k2"), lead("k3", Nope__c=1)])
    assert many.status_code == 400
    assert many.json()[0]["errorCode"] == "INVALID_FIELD"
    assert api.org.count("Lead") == 0, "nothing of a refused request is written"


def test_field_names_ignore_case_like_the_api(api: Api) -> None:
    response = api.post("/sobjects/Lead/", {"lastname": "Doe", "COMPANY": "Acme"})
    assert response.status_code == 201
    record = api.org.record("Lead", response.json()["id"])
    assert record is not None
    assert (record["LastName"], record["Company"]) == ("Doe", "Acme")


@pytest.mark.parametrize(
    ("sobject", "body", "field", "limit"),
    [
        ("Lead", lead("k", LastName="x" * 81), "LastName", 80),
        ("Lead", lead("k", FirstName="x" * 41), "FirstName", 40),
        ("Lead", lead("k", Company="x" * 256), "Company", 255),
        ("Case", {"Subject": "x" * 256}, "Subject", 255),
        ("Case", {"Description": "x" * 32_001}, "Description", 32_000),
        ("Task", {"Subject": "x" * 256}, "Subject", 255),
        ("Case", {"Social_Handle__c": "x" * 256}, "Social_Handle__c", 255),
    ],
)
def test_too_long_is_string_too_long(
    api: Api, sobject: str, body: dict[str, str], field: str, limit: int
) -> None:
    response = api.post(f"/sobjects/{sobject}/", body)
    assert response.status_code == 400
    [error] = response.json()
    assert error["errorCode"] == "STRING_TOO_LONG"
    assert error["fields"] == [field]
    assert f"(max length={limit})" in error["message"]
    exact = {**body, field: "x" * limit}
    assert api.post(f"/sobjects/{sobject}/", exact).status_code == 201


def test_missing_required_fields(api: Api) -> None:
    response = api.post("/sobjects/Lead/", {"FirstName": "Jo"})
    assert response.status_code == 400
    assert response.json() == [
        {
            "message": "Required fields are missing: [LastName, Company]",
            "errorCode": "REQUIRED_FIELD_MISSING",
            "fields": ["LastName", "Company"],
        }
    ]
    assert api.post("/sobjects/Contact/", {"FirstName": "Jo"}).json()[0]["fields"] == ["LastName"]


def test_clearing_a_required_field_on_update_is_refused(api: Api) -> None:
    created = api.post("/sobjects/Lead/", lead("k")).json()["id"]
    response = api.patch(f"/sobjects/Lead/{created}", {"Company": None})
    assert response.status_code == 400
    assert response.json()[0]["errorCode"] == "REQUIRED_FIELD_MISSING"


def test_restricted_custom_picklists_reject_unknown_values(api: Api) -> None:
    result = api.upsert(
        "Lead",
        "Social_Profile_Key__c",
        [
            lead("a", LinkedIn_Lead_Activity__c="Connection Request Sent"),
            lead("b", LinkedIn_Lead_Activity__c="Waved Hello"),
            lead("c", Social_User_Classes__c="Verified;Night Owl"),
            lead("d", Social_User_Classes__c="Verified;Active Tweeter"),
        ],
    ).json()
    assert [r["success"] for r in result] == [True, False, False, True]
    assert codes(result[1]) == ["INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"]
    assert result[1]["errors"][0]["fields"] == ["LinkedIn_Lead_Activity__c"]
    assert "Waved Hello" in result[1]["errors"][0]["message"]
    assert codes(result[2]) == ["INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"]


def test_standard_picklists_accept_unknown_values_and_remember_them(api: Api) -> None:
    response = api.post(
        "/sobjects/Case/", {"Origin": "Carrier Pigeon", "Priority": "High", "Type": "Question"}
    )
    assert response.status_code == 201
    task = api.post("/sobjects/Task/", {"Type": "Smoke Signal", "Subject": "Tweeted"})
    assert task.status_code == 201
    assert api.org.inactive_values_seen == {
        ("Case", "Origin"): {"Carrier Pigeon"},
        ("Task", "Type"): {"Smoke Signal"},
    }, "our metadata's values (Question, Tweeted) are known; the others are inactive values"


def test_duplicate_unique_external_id_on_create(api: Api) -> None:
    first = api.post("/sobjects/Task/", {"Social_Post_Key__c": "twitter:1", "Subject": "a"})
    assert first.status_code == 201
    second = api.post("/sobjects/Task/", {"Social_Post_Key__c": "twitter:1", "Subject": "b"})
    assert second.status_code == 400
    [error] = second.json()
    assert error["errorCode"] == "DUPLICATE_VALUE"
    assert error["message"] == (
        "duplicate value found: Social_Post_Key__c duplicates value on record with id: "
        + first.json()["id"]
    )


def test_case_insensitive_unique_key_collides_across_case(org: LocalOrg, api: Api) -> None:
    spec = org.schema.field("Case", "Social_Thread_Key__c")
    assert spec.unique
    spec.case_sensitive = False
    assert api.post("/sobjects/Case/", {"Social_Thread_Key__c": "T:1"}).status_code == 201
    again = api.post("/sobjects/Case/", {"Social_Thread_Key__c": "t:1"})
    assert again.json()[0]["errorCode"] == "DUPLICATE_VALUE"


def test_more_than_200_records_is_exceeded_id_limit(api: Api) -> None:
    records = [lead(f"k{i}") for i in range(201)]
    response = api.upsert("Lead", "Social_Profile_Key__c", records)
    assert response.status_code == 400
    assert response.json()[0]["errorCode"] == "EXCEEDED_ID_LIMIT"
    assert api.org.count("Lead") == 0
    ok = api.upsert("Lead", "Social_Profile_Key__c", records[:200])
    assert ok.status_code == 200
    assert all(r["success"] for r in ok.json())


def test_one_key_twice_in_a_call_fails_each_of_them(api: Api) -> None:
    result = api.upsert(
        "Lead", "Social_Profile_Key__c", [lead("dup"), lead("solo"), lead("DUP"), lead("dup")]
    ).json()
    assert [r["success"] for r in result] == [False, True, True, False], (
        "the key is case-sensitive, so DUP is another key"
    )
    assert result[0]["errors"] == [
        {
            "statusCode": "DUPLICATE_VALUE",
            "message": "Duplicate external id specified: dup",
            "fields": ["Social_Profile_Key__c"],
        }
    ]
    assert api.org.find("Lead", "Social_Profile_Key__c", "dup") == []


def test_task_on_a_lead_cannot_have_a_what_id(api: Api) -> None:
    lead_id = api.post("/sobjects/Lead/", lead("p")).json()["id"]
    case_id = api.post("/sobjects/Case/", {"Subject": "s"}).json()["id"]
    contact_id = api.post("/sobjects/Contact/", {"LastName": "C"}).json()["id"]
    refused = api.post("/sobjects/Task/", {"WhoId": lead_id, "WhatId": case_id})
    assert refused.status_code == 400
    assert refused.json()[0]["errorCode"] == "FIELD_INTEGRITY_EXCEPTION"
    assert api.post("/sobjects/Task/", {"WhoId": lead_id}).status_code == 201
    assert api.post("/sobjects/Task/", {"WhoId": contact_id, "WhatId": case_id}).status_code == 201


def test_malformed_and_wrong_type_ids(api: Api) -> None:
    case_id = api.post("/sobjects/Case/", {"Subject": "s"}).json()["id"]
    bad_checksum = case_id[:15] + "AAA" if not case_id.endswith("AAA") else case_id[:15] + "BBB"
    for value in ("not-an-id", bad_checksum):
        response = api.post("/sobjects/Task/", {"WhatId": value})
        [error] = response.json()
        assert (error["errorCode"], error["fields"]) == ("MALFORMED_ID", ["WhatId"])
        assert error["message"] == f"Related To ID: id value of incorrect type: {value}"
    response = api.post("/sobjects/Task/", {"WhoId": case_id})
    assert response.json()[0]["errorCode"] == "FIELD_INTEGRITY_EXCEPTION"
    missing = api.org.ids.new("Contact")
    response = api.post("/sobjects/Task/", {"WhoId": missing})
    assert response.json()[0]["errorCode"] == "INVALID_CROSS_REFERENCE_KEY"
    update = api.patch("/sobjects/Case/00Q8d000000XXXX", {"Subject": "x"})
    assert update.json()[0]["errorCode"] == "MALFORMED_ID"


def test_read_only_fields_are_refused(api: Api) -> None:
    response = api.post("/sobjects/Case/", {"Subject": "s", "IsClosed": True})
    [error] = response.json()
    assert error["errorCode"] == "INVALID_FIELD_FOR_INSERT_UPDATE"
    assert error["fields"] == ["IsClosed"]


def test_wrong_json_type_is_a_parser_error(api: Api) -> None:
    response = api.post("/sobjects/Lead/", lead("k", Social_Followers__c="many"))
    assert response.status_code == 400
    assert response.json()[0]["errorCode"] == "JSON_PARSER_ERROR"
    assert (
        api.post("/sobjects/Lead/", lead("k", Social_Followers__c=1e20)).json()[0]["errorCode"]
        == "NUMBER_OUTSIDE_VALID_RANGE"
    )


def test_invalid_email(api: Api) -> None:
    response = api.post("/sobjects/Lead/", lead("k", Email="not an email"))
    assert response.json()[0]["errorCode"] == "INVALID_EMAIL_ADDRESS"


def test_task_custom_fields_come_from_activity(api: Api) -> None:
    body = {"Social_Post_Key__c": "twitter:9", "Social_Direction__c": "Outbound",
            "Social_Network__c": "Twitter", "Type": "Tweet", "Subject": "Tweeted",
            "Status": "Completed"}  # fmt: skip
    response = api.post("/sobjects/Task/", body)
    assert response.status_code == 201
    record = api.org.record("Task", response.json()["id"])
    assert record is not None
    assert record["IsClosed"] is True
    assert record["CompletedDateTime"] is not None
    bad = api.post("/sobjects/Task/", {"Social_Direction__c": "Sideways"})
    assert bad.json()[0]["errorCode"] == "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"


def test_schema_changes_at_runtime(org: LocalOrg, api: Api) -> None:
    org.schema.remove_picklist_value("Case", "Social_Segment__c", "Fraud")
    refused = api.post("/sobjects/Case/", {"Social_Segment__c": "Fraud"})
    assert refused.json()[0]["errorCode"] == "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"
    org.schema.add_picklist_value("Case", "Social_Segment__c", "Fraud")
    assert api.post("/sobjects/Case/", {"Social_Segment__c": "Fraud"}).status_code == 201
    org.schema.remove_field("Case", "Social_Segment__c")
    gone = api.post("/sobjects/Case/", {"Social_Segment__c": "Fraud"})
    assert gone.json()[0]["errorCode"] == "INVALID_FIELD"


def test_an_org_without_our_metadata() -> None:
    org = LocalOrg(custom_fields=False)
    with org.mock():
        api = Api(org)
        response = api.post("/sobjects/Lead/", lead("k"))
        assert response.status_code == 400
        assert "Social_Profile_Key__c" in response.json()[0]["message"]
        upsert = api.upsert("Lead", "Social_Profile_Key__c", [lead("k")])
        assert upsert.status_code == 404
        assert upsert.json()[0]["errorCode"] == "NOT_FOUND"


def test_ids_look_real(api: Api) -> None:
    prefixes = {
        "Lead": ("00Q", lead("k")),
        "Case": ("500", {"Subject": "s"}),
        "Task": ("00T", {"Subject": "s"}),
        "Contact": ("003", {"LastName": "C"}),
    }
    for sobject, (prefix, body) in prefixes.items():
        record_id = api.post(f"/sobjects/{sobject}/", body).json()["id"]
        assert record_id.startswith(prefix)
        assert len(record_id) == 18
        assert is_well_formed(record_id)
        assert checksum(record_id[:15]) == record_id[15:]
        fetched = api.get(f"/sobjects/{sobject}/{record_id[:15]}")
        assert fetched.json()["Id"] == record_id, "a 15-character Id finds the record"
    assert api.org.add_queue("Technical_Support").startswith("00G")
    assert api.org.user_id.startswith("005")
    assert checksum("001xx000003DGb2") == "AAG", "the documented example Id"

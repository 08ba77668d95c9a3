"""Upserts, collections, relationship references and composite calls."""

from __future__ import annotations

from typing import Any

from sf_social.testing import FaultKind, LocalOrg
from tests.testing.helpers import Api, codes, lead


def test_single_upsert_creates_then_updates(api: Api) -> None:
    path = "/sobjects/Lead/Social_Profile_Key__c/twitter:user:1"
    created = api.patch(path, {"LastName": "Doe", "Company": "Acme"})
    assert created.status_code == 201
    body = created.json()
    assert body == {"id": body["id"], "success": True, "errors": [], "created": True}
    updated = api.patch(path, {"FirstName": "Jo"})
    assert updated.status_code == 200
    assert updated.json() == {"id": body["id"], "success": True, "errors": [], "created": False}
    record = api.org.record("Lead", body["id"])
    assert record is not None
    assert (record["Name"], record["Company"]) == ("Jo Doe", "Acme")
    old = api.session.patch(
        f"{api.org.instance_url}/services/data/v45.0{path}", json={"Title": "CTO"}, timeout=5
    )
    assert old.status_code == 204, "before API 46 an update answers 204 without a body"


def test_single_upsert_with_a_url_encoded_key(api: Api) -> None:
    response = api.patch("/sobjects/Case/Social_Thread_Key__c/twitter%3Athread%3A1%232", {})
    assert response.status_code == 201
    [case] = api.org.find("Case", "Social_Thread_Key__c", "twitter:thread:1#2")
    assert case["Id"] == response.json()["id"]
    fetched = api.get("/sobjects/Case/Social_Thread_Key__c/twitter%3Athread%3A1%232")
    assert fetched.json()["Id"] == case["Id"]


def test_upsert_on_a_non_unique_external_id_matching_twice_is_300(org: LocalOrg, api: Api) -> None:
    org.insert("Contact", LastName="A", Twitter_Handle__c="jo")
    org.insert("Contact", LastName="B", Twitter_Handle__c="JO")
    response = api.patch("/sobjects/Contact/Twitter_Handle__c/jo", {"Title": "x"})
    assert response.status_code == 300
    assert len(response.json()) == 2
    assert all(u.startswith("/services/data/v62.0/sobjects/Contact/003") for u in response.json())


def test_collection_upsert_answers_in_order_with_partial_failure(api: Api) -> None:
    first = api.upsert("Lead", "Social_Profile_Key__c", [lead("a"), lead("b")]).json()
    assert [r["created"] for r in first] == [True, True]
    result = api.upsert(
        "Lead",
        "Social_Profile_Key__c",
        [lead("c"), lead("a", Title="CEO"), lead("d", LastName=None), lead("b", Company="B")],
    )
    assert result.status_code == 200
    body = result.json()
    assert [r["success"] for r in body] == [True, True, False, True]
    assert [r["created"] for r in body] == [True, False, False, False]
    assert body[1]["id"] == first[0]["id"]
    assert body[3]["id"] == first[1]["id"]
    assert codes(body[2]) == ["REQUIRED_FIELD_MISSING"]
    assert "id" not in body[2], "a record that was not saved has no id"
    assert set(body[0]) == {"id", "success", "errors", "created"}
    assert api.org.count("Lead") == 3


def test_all_or_none_rolls_back(api: Api) -> None:
    api.upsert("Lead", "Social_Profile_Key__c", [lead("a", Title="old")])
    result = api.upsert(
        "Lead",
        "Social_Profile_Key__c",
        [lead("a", Title="new"), lead("b"), lead("c", Social_Segment__c="Nonsense")],
        all_or_none=True,
    ).json()
    assert [r["success"] for r in result] == [False, False, False]
    assert codes(result[0]) == ["ALL_OR_NONE_OPERATION_ROLLED_BACK"]
    assert codes(result[2]) == ["INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"]
    assert api.org.count("Lead") == 1
    [kept] = api.org.find("Lead", "Social_Profile_Key__c", "a")
    assert kept["Title"] == "old"


def test_missing_key_in_a_collection_record(api: Api) -> None:
    body = {"LastName": "x", "Company": "y"}
    result = api.upsert("Lead", "Social_Profile_Key__c", [body]).json()
    assert codes(result[0]) == ["MISSING_ARGUMENT"]


def test_records_of_another_type_are_refused(api: Api) -> None:
    body = {"allOrNone": False, "records": [{"attributes": {"type": "Case"}, "Subject": "s"}]}
    response = api.patch("/composite/sobjects/Lead/Social_Profile_Key__c", body)
    assert response.status_code == 400


def test_relationships_by_external_id(api: Api) -> None:
    api.upsert("Lead", "Social_Profile_Key__c", [lead("twitter:user:7")])
    case = api.patch("/sobjects/Case/Social_Thread_Key__c/twitter:thread:9", {"Subject": "s"})
    who = {"Who": {"attributes": {"type": "Lead"}, "Social_Profile_Key__c": "twitter:user:7"}}
    what = {"What": {"attributes": {"type": "Case"}, "Social_Thread_Key__c": "twitter:thread:9"}}
    nowhere = {"What": {"attributes": {"type": "Case"}, "Social_Thread_Key__c": "twitter:404"}}
    by_name = {"Who": {"attributes": {"type": "Lead"}, "LastName": "Doe"}}
    records = [who, what, nowhere, {**who, **what}, by_name]
    tasks = api.upsert(
        "Task",
        "Social_Post_Key__c",
        [{"Social_Post_Key__c": f"twitter:{i}", **r} for i, r in enumerate(records)],
    ).json()
    assert [t["success"] for t in tasks] == [True, True, False, False, False]
    [lead_record] = api.org.find("Lead", "Social_Profile_Key__c", "twitter:user:7")
    task1 = api.org.record("Task", tasks[0]["id"])
    task2 = api.org.record("Task", tasks[1]["id"])
    assert task1 is not None and task2 is not None
    assert task1["WhoId"] == lead_record["Id"]
    assert task2["WhatId"] == case.json()["id"]
    assert tasks[2]["errors"] == [
        {
            "statusCode": "INVALID_FIELD",
            "message": "Foreign key external ID: twitter:404 not found for field"
            " Social_Thread_Key__c in entity Case",
            "fields": [],
        }
    ]
    assert codes(tasks[3]) == ["FIELD_INTEGRITY_EXCEPTION"]
    assert codes(tasks[4]) == ["INVALID_FIELD"], "LastName is not an indexed field"


def test_relationship_to_a_contact_and_plain_ids(org: LocalOrg, api: Api) -> None:
    contact = org.insert("Contact", LastName="Known", Twitter_Handle__c="known")
    queue = org.add_queue("Technical_Support")
    case = api.post("/sobjects/Case/", {"ContactId": contact, "OwnerId": queue})
    assert case.status_code == 201
    record = org.record("Case", case.json()["id"])
    assert record is not None
    assert (record["ContactId"], record["OwnerId"]) == (contact, queue)
    by_handle = api.post(
        "/sobjects/Task/",
        {"Who": {"attributes": {"type": "Contact"}, "Twitter_Handle__c": "KNOWN"},
         "WhatId": case.json()["id"]},
    )  # fmt: skip
    assert by_handle.status_code == 201, "a non-case-sensitive key matches without case"


def test_collection_update_by_id(api: Api) -> None:
    case_id = api.post("/sobjects/Case/", {"Subject": "s"}).json()["id"]
    body = {
        "allOrNone": False,
        "records": [
            {"attributes": {"type": "Case"}, "id": case_id, "Status": "Closed"},
            {"attributes": {"type": "Case"}, "id": "001xx000003DGb2999", "Status": "Closed"},
        ],
    }
    result = api.patch("/composite/sobjects", body).json()
    assert result[0] == {"id": case_id, "success": True, "errors": []}
    assert result[1] == {
        "success": False,
        "errors": [
            {
                "statusCode": "MALFORMED_ID",
                "message": "Case ID: id value of incorrect type: 001xx000003DGb2999",
                "fields": ["Id"],
            }
        ],
    }
    record = api.org.record("Case", case_id)
    assert record is not None
    assert record["IsClosed"] is True
    assert record["ClosedDate"] is not None


def test_collection_create(api: Api) -> None:
    body = {"allOrNone": False, "records": [
        {"attributes": {"type": "Case"}, "Subject": "a"},
        {"attributes": {"type": "Lead"}, "LastName": "x"},
    ]}  # fmt: skip
    result = api.post("/composite/sobjects", body).json()
    assert result[0]["success"] is True and result[0]["id"].startswith("500")
    assert codes(result[1]) == ["REQUIRED_FIELD_MISSING"]


def test_agents_edits_are_kept_by_later_upserts(org: LocalOrg, api: Api) -> None:
    path = "/sobjects/Case/Social_Thread_Key__c/twitter:thread:1"
    case_id = api.patch(path, {"Subject": "ours", "Status": "New"}).json()["id"]
    org.update_record("Case", case_id, Status="Closed", ClosedDate="2024-01-01T10:00:00Z")
    api.patch(path, {"Social_Handle__c": "jo"})
    record = org.record("Case", case_id)
    assert record is not None
    assert (record["Status"], record["ClosedDate"]) == ("Closed", "2024-01-01T10:00:00.000+0000")
    api.patch(path, {"Status": "Working"})
    reopened = org.record("Case", case_id)
    assert reopened is not None
    assert (reopened["IsClosed"], reopened["ClosedDate"]) == (False, None)


def test_composite_with_references_counts_once(api: Api) -> None:
    before = api.org.api_calls
    body = {
        "allOrNone": True,
        "compositeRequest": [
            {"method": "PATCH", "referenceId": "NewCase",
             "url": "/services/data/v62.0/sobjects/Case/Social_Thread_Key__c/t1",
             "body": {"Subject": "s"}},
            {"method": "POST", "referenceId": "NewTask",
             "url": "/services/data/v62.0/sobjects/Task", "body": {"WhatId": "@{NewCase.id}"}},
            {"method": "GET", "referenceId": "Found",
             "url": "/services/data/v62.0/query?q=SELECT+Id+FROM+Task"},
        ],
    }  # fmt: skip
    response = api.post("/composite", body)
    assert response.status_code == 200
    answers = response.json()["compositeResponse"]
    assert [a["httpStatusCode"] for a in answers] == [201, 201, 200]
    assert answers[0]["httpHeaders"]["Location"].endswith(answers[0]["body"]["id"])
    task = api.org.record("Task", answers[1]["body"]["id"])
    assert task is not None
    assert task["WhatId"] == answers[0]["body"]["id"]
    assert answers[2]["body"]["totalSize"] == 1
    assert api.org.api_calls == before + 1


def test_composite_all_or_none_rolls_back_and_halts(api: Api) -> None:
    body = {
        "allOrNone": True,
        "compositeRequest": [
            {"method": "POST", "referenceId": "ok", "url": "/services/data/v62.0/sobjects/Case",
             "body": {"Subject": "s"}},
            {"method": "POST", "referenceId": "bad", "url": "/services/data/v62.0/sobjects/Lead",
             "body": {"FirstName": "x"}},
            {"method": "POST", "referenceId": "later",
             "url": "/services/data/v62.0/sobjects/Case", "body": {"Subject": "t"}},
        ],
    }  # fmt: skip
    answers = api.post("/composite", body).json()["compositeResponse"]
    assert [a["httpStatusCode"] for a in answers] == [400, 400, 400]
    assert answers[0]["body"][0]["errorCode"] == "PROCESSING_HALTED"
    assert answers[1]["body"][0]["errorCode"] == "REQUIRED_FIELD_MISSING"
    assert api.org.count("Case") == 0


def _collection_upsert(reference: str, key: str) -> dict[str, Any]:
    return {
        "method": "PATCH",
        "referenceId": reference,
        "url": "/services/data/v62.0/composite/sobjects/Case/Social_Thread_Key__c",
        "body": {
            "allOrNone": False,
            "records": [{"attributes": {"type": "Case"}, "Social_Thread_Key__c": key}],
        },
    }


def test_composite_carries_five_collections_calls_as_one_api_call(api: Api) -> None:
    before = api.org.api_calls
    body = {"compositeRequest": [_collection_upsert(f"c{n}", f"t{n}") for n in range(5)]}
    answers = api.post("/composite", body).json()["compositeResponse"]
    assert [a["httpStatusCode"] for a in answers] == [200] * 5
    assert all(a["body"][0]["success"] and a["body"][0]["created"] for a in answers)
    assert api.org.count("Case") == 5
    assert api.org.api_calls == before + 1


def test_composite_refuses_more_than_five_queries_or_collections(api: Api) -> None:
    query = {
        "method": "GET",
        "referenceId": "q",
        "url": "/services/data/v62.0/query?q=SELECT+Id+FROM+Case",
    }
    body = {"compositeRequest": [_collection_upsert(f"c{n}", f"t{n}") for n in range(5)] + [query]}
    response = api.post("/composite", body)
    assert response.status_code == 400
    assert response.json()[0]["errorCode"] == "LIMIT_EXCEEDED"
    assert api.org.count("Case") == 0


def test_a_fault_on_collections_fires_on_a_composite_call_carrying_them(api: Api) -> None:
    api.org.faults.next(FaultKind.SERVER_UNAVAILABLE, path="/composite/sobjects")
    body = {"compositeRequest": [_collection_upsert(f"c{n}", f"t{n}") for n in range(2)]}
    assert api.post("/composite", body).status_code == 503
    assert api.post("/composite", body).status_code == 200


def test_get_and_describe(api: Api) -> None:
    case_id = api.post("/sobjects/Case/", {"Subject": "s"}).json()["id"]
    record = api.get(f"/sobjects/Case/{case_id}").json()
    assert record["attributes"] == {
        "type": "Case",
        "url": f"/services/data/v62.0/sobjects/Case/{case_id}",
    }
    assert (record["Status"], record["Priority"], record["IsClosed"]) == ("New", "Medium", False)
    assert record["CreatedDate"].endswith("+0000")
    some = api.get(f"/sobjects/Case/{case_id}", params={"fields": "Subject,CaseNumber"}).json()
    assert set(some) == {"attributes", "Subject", "CaseNumber"}
    missing = api.get("/sobjects/Case/garbage")
    assert missing.status_code == 404
    assert missing.json()[0]["message"] == (
        "Provided external ID field does not exist or is not accessible: garbage"
    )
    described = api.get("/sobjects/Lead/describe").json()
    fields = {f["name"]: f for f in described["fields"]}
    assert fields["LastName"]["length"] == 80 and not fields["LastName"]["nillable"]
    assert fields["Social_Profile_Key__c"]["externalId"] is True
    assert fields["LinkedIn_Lead_Activity__c"]["restrictedPicklist"] is True
    assert api.get("/sobjects/Nope/describe").status_code == 404
    assert api.call("PUT", "/sobjects/Case/").status_code == 405


def test_collection_delete_answers_per_id_in_order(api: Api) -> None:
    first = api.upsert("Lead", "Social_Profile_Key__c", [lead("a"), lead("b")]).json()
    ids = [r["id"] for r in first]
    gone = "00Q000000000001"  # well formed, never created
    params = {"ids": ",".join([ids[0], gone, "nonsense", ids[1]]), "allOrNone": "false"}
    result = api.call("DELETE", "/composite/sobjects", params=params)
    assert result.status_code == 200
    body = result.json()
    assert [r["success"] for r in body] == [True, False, False, True]
    assert [codes(r) for r in body] == [[], ["ENTITY_IS_DELETED"], ["MALFORMED_ID"], []]
    assert api.org.count("Lead") == 0
    all_or_none = api.call(
        "DELETE", "/composite/sobjects", params={"ids": gone, "allOrNone": "true"}
    )
    assert codes(all_or_none.json()[0]) == ["ENTITY_IS_DELETED"]

"""Scripted faults (a record's error by key, a call's error, a given answer) and the log of
the requests received, as a client sees them."""

from __future__ import annotations

import pytest

from sf_social.testing import FaultKind, LocalOrg
from tests.testing.helpers import Api, codes, lead
from tests.testing.test_bulk import finish, rows, start_job

KEY = "Social_Profile_Key__c"


def test_a_record_fails_by_key_with_its_error_for_n_writes(api: Api, org: LocalOrg) -> None:
    org.fail_record("b", "FIELD_CUSTOM_VALIDATION_EXCEPTION", "no", fields=["Email"], times=2)
    for attempt in range(3):
        body = api.upsert("Lead", KEY, [lead("a"), lead("b")]).json()
        assert body[0]["success"]
        if attempt < 2:
            assert body[1]["errors"] == [
                {
                    "statusCode": "FIELD_CUSTOM_VALIDATION_EXCEPTION",
                    "message": "no",
                    "fields": ["Email"],
                }
            ]
            assert org.find("Lead", KEY, "b") == []  # not written
        else:
            assert body[1]["success"] and body[1]["created"]
    assert [f.kind for f in org.faults.injected] == [FaultKind.RECORD_ERROR] * 2


def test_an_update_fails_by_the_id_it_updates_and_a_single_call_answers_400(
    api: Api, org: LocalOrg
) -> None:
    lead_id = org.insert("Lead", LastName="Doe", Company="Acme")
    org.fail_record(lead_id, "ENTITY_IS_LOCKED", times=None)
    body = {"records": [{"attributes": {"type": "Lead"}, "Id": lead_id, "Company": "B"}]}
    answer = api.patch("/composite/sobjects", body).json()
    assert codes(answer[0]) == ["ENTITY_IS_LOCKED"] and answer[0]["id"] == lead_id
    single = api.patch(f"/sobjects/Lead/{lead_id}", {"Company": "B"})
    assert single.status_code == 400 and single.json()[0]["errorCode"] == "ENTITY_IS_LOCKED"
    assert org.record("Lead", lead_id)["Company"] == "Acme"  # type: ignore[index]


def test_a_bulk_row_fails_by_key(api: Api, org: LocalOrg) -> None:
    org.fail_record("k2", "DUPLICATES_DETECTED", "a duplicate rule")
    job = start_job(api)
    info = finish(api, job["id"], "Social_Profile_Key__c,LastName,Company\nk1,A,X\nk2,B,Y\n")
    assert (info["numberRecordsProcessed"], info["numberRecordsFailed"]) == (2, 1)
    [failed] = rows(api.get(f"/jobs/ingest/{job['id']}/failedResults/").text)
    assert failed["sf__Error"].startswith("DUPLICATES_DETECTED:a duplicate rule")
    assert failed[KEY] == "k2"


def test_a_call_fails_as_a_whole_and_still_counts(api: Api, org: LocalOrg) -> None:
    org.fail_calls("INVALID_FIELD", "No such column 'X__c'", status=400, path="/composite/sobjects")
    refused = api.upsert("Lead", KEY, [lead("a")])
    assert refused.status_code == 400
    assert refused.json() == [{"errorCode": "INVALID_FIELD", "message": "No such column 'X__c'"}]
    assert refused.headers["Sforce-Limit-Info"] == f"api-usage=1/{org.daily_limit}"
    assert org.count("Lead") == 0
    assert api.upsert("Lead", KEY, [lead("a")]).status_code == 200  # once only


def test_a_given_answer_json_or_text(api: Api, org: LocalOrg) -> None:
    org.faults.answer(300, ["/services/data/v62.0/sobjects/Lead/00QA"], path="/sobjects/Lead")
    org.faults.answer(200, "<html><title>Maintenance</title></html>", times=None, path="/limits")
    several = api.upsert("Lead", KEY, [lead("a")])
    assert several.status_code == 300 and several.json() == [
        "/services/data/v62.0/sobjects/Lead/00QA"
    ]
    for _ in range(2):
        page = api.get("/limits")
        assert page.headers["Content-Type"] == "text/html" and "Maintenance" in page.text
    assert org.count("Lead") == 0


def test_faults_that_need_their_answer_are_not_added_bare(org: LocalOrg) -> None:
    with pytest.raises(ValueError, match="use Faults"):
        org.faults.add(FaultKind.REPLY)
    with pytest.raises(ValueError, match="fail_record"):
        org.faults.next(FaultKind.RECORD_ERROR)


def test_clear_removes_record_faults_too(api: Api, org: LocalOrg) -> None:
    org.fail_record("a", "UNABLE_TO_LOCK_ROW", times=None)
    org.faults.clear()
    assert api.upsert("Lead", KEY, [lead("a")]).json()[0]["success"]


def test_received_requests_with_composite_subrequests_apart(api: Api, org: LocalOrg) -> None:
    upsert = {
        "method": "PATCH",
        "url": "/services/data/v62.0/composite/sobjects/Lead/Social_Profile_Key__c",
        "referenceId": "w0",
        "body": {"allOrNone": False, "records": [{"attributes": {"type": "Lead"}, **lead("a")}]},
        "httpHeaders": {"Sforce-Duplicate-Rule-Header": "allowSave=true"},
    }
    api.post("/composite", {"compositeRequest": [upsert]})
    api.get("/limits", headers={"X-Trace": "t1"})
    composite, sub, limits = org.received()
    assert (composite.method, composite.path, composite.packed) == (
        "POST",
        "/services/data/v62.0/composite",
        False,
    )
    assert composite.body["compositeRequest"][0]["referenceId"] == "w0"
    assert (sub.method, sub.path, sub.packed) == ("PATCH", upsert["url"], True)
    assert sub.records == upsert["body"]["records"]  # type: ignore[index]
    assert sub.header("sforce-duplicate-rule-header") == "allowSave=true"
    assert sub.header("Authorization") is None  # a subrequest's own headers only
    assert limits.body is None and limits.header("x-trace") == "t1" and limits.records == []
    assert org.received("/composite/sobjects") == [sub]
    assert org.received(method="get") == [limits]
    assert len(org.requests) == 2 and org.call_count() == 2  # a subrequest is no API call

"""Bulk API 2.0 ingest: job lifecycle, results, relationship columns, simple-salesforce."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from simple_salesforce.api import Salesforce

from sf_social.testing import FaultKind, LocalOrg, bulk
from tests.testing.helpers import Api, lead


def rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def start_job(api: Api, **extra: Any) -> dict[str, Any]:
    body = {"object": "Lead", "externalIdFieldName": "Social_Profile_Key__c",
            "contentType": "CSV", "operation": "upsert", "lineEnding": "LF", **extra}  # fmt: skip
    response = api.post("/jobs/ingest", body)
    assert response.status_code == 200, response.text
    job: dict[str, Any] = response.json()
    return job


def upload(api: Api, job_id: str, text: str) -> int:
    return api.call(
        "PUT", f"/jobs/ingest/{job_id}/batches", data=text.encode(),
        headers={"Content-Type": "text/csv"},
    ).status_code  # fmt: skip


def test_job_lifecycle_and_results(api: Api, org: LocalOrg) -> None:
    org.insert("Lead", LastName="Old", Company="C", Social_Profile_Key__c="twitter:user:1")
    job = start_job(api)
    assert job["state"] == "Open"
    assert job["contentUrl"] == f"services/data/v62.0/jobs/ingest/{job['id']}/batches"
    assert job["id"].startswith("750")
    data = ("Social_Profile_Key__c,LastName,Company,LinkedIn_Lead_Activity__c\n"
            "twitter:user:1,Doe,Acme,\n"
            "twitter:user:2,Roe,Acme,Message Sent\n"
            "twitter:user:3,,Acme,\n"
            "twitter:user:4,Poe,Acme,Bogus\n")  # fmt: skip
    assert upload(api, job["id"], data) == 201
    closed = api.patch(f"/jobs/ingest/{job['id']}", {"state": "UploadComplete"}).json()
    assert closed["state"] == "UploadComplete"
    assert upload(api, job["id"], data) == 409, "no upload once the job is closed"
    polled = api.get(f"/jobs/ingest/{job['id']}").json()
    assert polled["state"] == "InProgress"
    done = api.get(f"/jobs/ingest/{job['id']}").json()
    assert done["state"] == "JobComplete"
    assert (done["numberRecordsProcessed"], done["numberRecordsFailed"]) == (4, 2)
    assert done["jobType"] == "V2Ingest"
    success = api.get(f"/jobs/ingest/{job['id']}/successfulResults/")
    assert success.headers["Content-Type"] == "text/csv"
    assert success.text.splitlines()[0] == (
        '"sf__Id","sf__Created",Social_Profile_Key__c,LastName,Company,LinkedIn_Lead_Activity__c'
    )
    good = rows(success.text)
    assert [(r["Social_Profile_Key__c"], r["sf__Created"]) for r in good] == [
        ("twitter:user:1", "false"),
        ("twitter:user:2", "true"),
    ]
    assert all(r["sf__Id"].startswith("00Q") for r in good)
    failed = rows(api.get(f"/jobs/ingest/{job['id']}/failedResults/").text)
    assert [r["sf__Error"].split(":")[0] for r in failed] == [
        "REQUIRED_FIELD_MISSING",
        "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
    ]
    assert failed[0]["sf__Error"] == (
        "REQUIRED_FIELD_MISSING:Required fields are missing: [LastName]:LastName --"
    )
    [updated] = org.find("Lead", "Social_Profile_Key__c", "twitter:user:1")
    assert updated["LastName"] == "Doe"
    assert org.count("Lead") == 2
    assert org.call_count(path="/jobs/ingest") == 8, "every Bulk API call counts"
    assert api.call("DELETE", f"/jobs/ingest/{job['id']}").status_code == 204
    assert api.get(f"/jobs/ingest/{job['id']}").status_code == 404


def test_unknown_column_fails_the_job(api: Api) -> None:
    job = start_job(api)
    upload(api, job["id"], "Social_Profile_Key__c,Shoe_Size__c\nk,42\n")
    api.patch(f"/jobs/ingest/{job['id']}", {"state": "UploadComplete"})
    api.get(f"/jobs/ingest/{job['id']}")
    info = api.get(f"/jobs/ingest/{job['id']}").json()
    assert info["state"] == "Failed"
    assert info["errorMessage"] == "InvalidBatch : Field name not found : Shoe_Size__c"
    unprocessed = api.get(f"/jobs/ingest/{job['id']}/unprocessedrecords/").text
    assert unprocessed.splitlines() == ["Social_Profile_Key__c,Shoe_Size__c", '"k","42"']


def finish(api: Api, job_id: str, data: str) -> dict[str, Any]:
    """Upload ``data``, close the job and poll it to its end."""
    upload(api, job_id, data)
    api.patch(f"/jobs/ingest/{job_id}", {"state": "UploadComplete"})
    api.get(f"/jobs/ingest/{job_id}")
    info: dict[str, Any] = api.get(f"/jobs/ingest/{job_id}").json()
    return info


def test_a_bare_carriage_return_fails_the_job_instead_of_crashing_the_org(
    api: Api, org: LocalOrg
) -> None:
    job = start_job(api)
    info = finish(api, job["id"], "Social_Profile_Key__c,LastName,Company\nk1,A,C\nk2,B\rC,C\n")
    assert info["state"] == "Failed"
    assert info["errorMessage"] == (
        "InvalidBatch : Failed to parse CSV: row 3: unquoted value holds '\\r': quote the value"
    )
    assert org.count("Lead") == 0
    quoted = start_job(api)
    data = 'Social_Profile_Key__c,LastName,Company\nk2,"B\rC","x ""y"", z"\n'
    assert finish(api, quoted["id"], data)["state"] == "JobComplete"
    [lead] = org.query("SELECT LastName, Company FROM Lead")["records"]
    assert (lead["LastName"], lead["Company"]) == ("B\rC", 'x "y", z')


def test_all_jobs_are_listed_page_by_page(
    api: Api, org: LocalOrg, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bulk, "PAGE", 2)
    ids = {start_job(api)["id"] for _ in range(3)}
    first = api.get("/jobs/ingest").json()
    assert (first["done"], len(first["records"])) == (False, 2)
    assert first["nextRecordsUrl"] == "/services/data/v62.0/jobs/ingest?queryLocator=2"
    second = api.session.get(org.instance_url + first["nextRecordsUrl"], timeout=5).json()
    assert (second["done"], second["nextRecordsUrl"]) == (True, None)
    listed = first["records"] + second["records"]
    assert {job["id"] for job in listed} == ids
    assert {(job["jobType"], job["state"], job["object"]) for job in listed} == {
        ("V2Ingest", "Open", "Lead")
    }
    classic = api.get("/jobs/ingest", params={"jobType": "Classic"}).json()
    assert classic == {"done": True, "records": [], "nextRecordsUrl": None}


def test_invalid_jobs(api: Api) -> None:
    no_key = api.post("/jobs/ingest", {"object": "Lead", "operation": "upsert"})
    assert no_key.status_code == 400
    assert no_key.json()[0]["errorCode"] == "INVALIDJOB"
    not_external = api.post(
        "/jobs/ingest", {"object": "Lead", "operation": "upsert", "externalIdFieldName": "Title"}
    )
    assert "does not match an External ID" in not_external.json()[0]["message"]
    assert api.post("/jobs/ingest", {"object": "Nope", "operation": "insert"}).status_code == 400


def test_relationship_columns(api: Api, org: LocalOrg) -> None:
    lead_id = org.insert("Lead", LastName="L", Company="C", Social_Profile_Key__c="twitter:user:7")
    case_id = org.insert("Case", Subject="s", Social_Thread_Key__c="twitter:thread:1")
    job = start_job(api, object="Task", externalIdFieldName="Social_Post_Key__c")
    upload(api, job["id"], "Social_Post_Key__c,Subject,Lead:Who.Social_Profile_Key__c,"
           "Case:What.Social_Thread_Key__c\n"
           "twitter:1,a,twitter:user:7,\n"
           "twitter:2,b,,twitter:thread:1\n"
           "twitter:3,c,,twitter:thread:404\n")  # fmt: skip
    api.patch(f"/jobs/ingest/{job['id']}", {"state": "UploadComplete"})
    api.get(f"/jobs/ingest/{job['id']}")
    assert api.get(f"/jobs/ingest/{job['id']}").json()["numberRecordsFailed"] == 1
    [t1] = org.find("Task", "Social_Post_Key__c", "twitter:1")
    [t2] = org.find("Task", "Social_Post_Key__c", "twitter:2")
    assert (t1["WhoId"], t2["WhatId"]) == (lead_id, case_id)
    failed = rows(api.get(f"/jobs/ingest/{job['id']}/failedResults").text)
    assert failed[0]["sf__Error"].startswith(
        "INVALID_FIELD:Foreign key external ID: twitter:thread:404"
    )


def test_locked_rows_fail_in_the_results(api: Api, org: LocalOrg) -> None:
    org.faults.next(FaultKind.UNABLE_TO_LOCK_ROW, times=2)
    job = start_job(api)
    upload(api, job["id"], "Social_Profile_Key__c,LastName,Company\n"
           + "".join(f"k{i},N,C\n" for i in range(5)))  # fmt: skip
    api.patch(f"/jobs/ingest/{job['id']}", {"state": "UploadComplete"})
    api.get(f"/jobs/ingest/{job['id']}")
    assert api.get(f"/jobs/ingest/{job['id']}").json()["numberRecordsFailed"] == 2
    failed = rows(api.get(f"/jobs/ingest/{job['id']}/failedResults").text)
    assert [r["Social_Profile_Key__c"] for r in failed] == ["k0", "k1"]
    assert all(r["sf__Error"].startswith("UNABLE_TO_LOCK_ROW") for r in failed)


def test_simple_salesforce_bulk2_upsert(org: LocalOrg) -> None:
    with org.mock():
        sf: Any = Salesforce(instance_url=org.instance_url, session_id=org.access_token)
        records = [lead(f"twitter:user:{i}", LastName=f"N{i}") for i in range(250)]
        records.append(lead("twitter:user:bad", Social_Network__c="Carrier Pigeon"))
        [result] = sf.bulk2.Lead.upsert(
            records=records, external_id_field="Social_Profile_Key__c", wait=0.01
        )
        assert (result["numberRecordsProcessed"], result["numberRecordsFailed"]) == (251, 1)
        failed = sf.bulk2.Lead.get_failed_records(result["job_id"])
        assert "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST" in failed
        assert org.count("Lead") == 250

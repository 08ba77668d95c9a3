"""The writer's reading of Salesforce's documented answers (tests/data/salesforce).

Each test serves a documented response with ``responses`` and checks what the writer's
adapters make of it — the same fixtures the emulator is checked against, so neither side
can drift into a private dialect.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
import requests
import responses
from pydantic import SecretStr

from sf_social.errors import SalesforceApiError, SalesforceAuthError
from sf_social.salesforce.bulk import BulkIngest, BulkPolicy
from sf_social.salesforce.connection import Connection
from sf_social.salesforce.rest import RestOrgApi
from sf_social.salesforce.retry import RetryPolicy
from sf_social.salesforce_settings import SalesforceSettings
from tests.salesforce.conftest import INSTANCE
from tests.testing.fidelity import Fixture, load_fixtures

FIXTURES = {f.name: f for f in load_fixtures()}


def fixture(name: str) -> Fixture:
    return FIXTURES[name]


def settings(version: str = "62.0") -> SalesforceSettings:
    return SalesforceSettings(
        instance_url=INSTANCE, access_token=SecretStr("00Dxx!token"), api_version=version
    )


def serve(mocked: responses.RequestsMock, f: Fixture, path: str | None = None) -> None:
    body = f.answer if isinstance(f.answer, str) else json.dumps(f.answer)
    content = "text/csv" if isinstance(f.answer, str) else "application/json"
    target = re.compile("^" + re.escape(INSTANCE + (path or f.path).split("?")[0]) + r"(\?.*)?$")
    mocked.add(
        f.method,
        target,
        body=body if f.answer is not None else "",
        status=f.status,
        content_type=content,
    )


def api(version: str = "62.0") -> RestOrgApi:
    connection = Connection(settings(version), http=requests.Session())
    return RestOrgApi(connection, retry=RetryPolicy.instant())


def test_collections_upsert(mocked: responses.RequestsMock) -> None:
    f = fixture("collections_upsert")
    serve(mocked, f)
    records = f.body["records"]
    results = api().upsert("Account", "MyExtId__c", records)
    assert [(r.success, r.created, r.id) for r in results] == [
        (True, True, "001xx0000004GxDAAU"),
        (True, False, "001xx0000004GxEAAU"),
    ]
    sent = json.loads(mocked.calls[0].request.body or b"{}")
    assert sent == f.body  # our request is the documented one


def test_collections_update_partial_failure(mocked: responses.RequestsMock) -> None:
    f = fixture("collections_update_partial_failure")
    serve(mocked, f, path=f.path.rstrip("/"))
    results = api().update("Account", f.body["records"])
    ok, bad = results
    assert ok.success and ok.id == "001xx000003DGb2AAG"
    assert not bad.success and bad.error is not None
    assert (bad.error.code, bad.error.fields) == ("MALFORMED_ID", ("Id",))
    assert "incorrect type" in bad.error.message


def test_composite_answer(mocked: responses.RequestsMock) -> None:
    f = fixture("composite_upsert_and_create")
    serve(mocked, f)
    items = Connection(settings("59.0"), http=requests.Session()).composite(
        f.body["compositeRequest"]
    )
    assert [(i["referenceId"], i["httpStatusCode"]) for i in items] == [
        ("NewAccount", 201),
        ("newContact", 201),
    ]


def test_query_answer(mocked: responses.RequestsMock) -> None:
    f = fixture("query")
    serve(mocked, f)
    rows = Connection(settings(), http=requests.Session()).query("SELECT name from Account")
    assert [r["Name"] for r in rows] == ["Test 1", "Test 2"]


@pytest.mark.parametrize(
    ("name", "code", "fields"),
    [
        ("error_malformed_id", "MALFORMED_ID", ("Id",)),
        ("sobject_upsert_unknown_field", "NOT_FOUND", ()),
    ],
)
def test_error_bodies(
    mocked: responses.RequestsMock, name: str, code: str, fields: tuple[str, ...]
) -> None:
    f = fixture(name)
    serve(mocked, f)
    connection = Connection(settings(), http=requests.Session())
    path = f.path.removeprefix("/services/data/v62.0/")
    with pytest.raises(SalesforceApiError) as caught:
        connection.json(f.method, path, call="documented", json=f.body)
    assert (caught.value.code, caught.value.fields, caught.value.transient) == (code, fields, False)


def test_invalid_session_with_an_access_token(mocked: responses.RequestsMock) -> None:
    f = fixture("error_invalid_session")
    serve(mocked, f)
    connection = Connection(settings(), http=requests.Session())
    with pytest.raises(SalesforceAuthError, match="INVALID_SESSION_ID"):
        connection.json("GET", "limits", call="limits")


def test_limits_answer(mocked: responses.RequestsMock) -> None:
    f = fixture("limits")
    serve(mocked, f)
    connection = Connection(settings(), http=requests.Session())
    connection.read_limits()
    assert (connection.budget.used, connection.budget.limit) == (2, 15_000)


def test_oauth_answers(mocked: responses.RequestsMock) -> None:
    token_url = "https://acme.my.salesforce.com/services/oauth2/token"
    ok, refused = fixture("oauth_password"), fixture("oauth_invalid_grant")
    mocked.post(token_url, json=refused.answer, status=refused.status)
    login = SalesforceSettings(
        consumer_key="3MVG9", consumer_secret=SecretStr("s3cr3t-value"), domain="acme.my"
    )
    with pytest.raises(SalesforceAuthError, match="invalid_grant: authentication failure"):
        Connection(login, http=requests.Session())
    mocked.replace(responses.POST, token_url, json=ok.answer, status=ok.status)
    connection = Connection(login, http=requests.Session())
    assert connection.instance_url == "https://MyDomainName.my.salesforce.com"


def test_bulk_job_results_mapped_back_per_record(mocked: responses.RequestsMock) -> None:
    job_id = fixture("bulk_1_create_job").answer["id"]
    for name in (
        "bulk_1_create_job",
        "bulk_2_upload",
        "bulk_3_close_job",
        "bulk_4_job_complete",
        "bulk_5_successful_results",
        "bulk_6_failed_results",
    ):
        f = fixture(name)
        serve(mocked, f, path=f.path.replace("{jobId}", job_id))
    connection = Connection(settings(), http=requests.Session())
    bulk = BulkIngest(connection, retry=RetryPolicy.instant(), policy=BulkPolicy.instant())
    upload: dict[str, Any] = {"attributes": {"type": "Account"}}
    records = [
        {**upload, "Name": "Lorem Ipsum", "ShippingCity": "Milano"},
        {**upload, "Name": "", "ShippingCity": "Roma"},
    ]
    ok, failed = bulk.upsert("Account", "Name", records)
    assert (ok.success, ok.id, ok.created) == (True, "001R00000064wc7IAA", True)
    assert not failed.success and failed.error is not None
    assert failed.error.code == "REQUIRED_FIELD_MISSING"
    assert failed.error.fields == ("Name",)
    assert "Required fields are missing" in failed.error.message
    create = json.loads(mocked.calls[0].request.body or b"{}")
    assert create["operation"] == "upsert" and create["externalIdFieldName"] == "Name"
    assert mocked.calls[1].request.headers["Content-Type"] == "text/csv"
    assert connection.api_calls == 6  # create, upload, close, status, successes, failures

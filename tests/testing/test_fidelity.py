"""The local org answers each documented request with the documented shape."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
import requests

from sf_social.testing import Credentials, FieldSpec, FieldType, LocalOrg
from tests.testing.fidelity import Fixture, csv_differences, differences, load_fixtures

FIXTURES = load_fixtures()
Setup = Callable[[LocalOrg], None]


def external_id(name: str) -> Setup:
    def setup(org: LocalOrg) -> None:
        spec = FieldSpec(name=name, type=FieldType.STRING, label=name, length=255,
                         external_id=True, unique=True, custom=True)  # fmt: skip
        org.schema.add_field("Account", spec)

    return setup


def seeded(setup: Setup, sobject: str, **fields: object) -> Setup:
    def both(org: LocalOrg) -> None:
        setup(org)
        org.insert(sobject, fields)

    return both


def documented_account(org: LocalOrg) -> None:
    org.insert("Account", Id="001xx000003DGb2AAG", Name="Acme")


def accounts(org: LocalOrg) -> None:
    org.insert("Account", Name="Test 1")
    org.insert("Account", Name="Test 2")


SETUPS: dict[str, Setup] = {
    "sobject_upsert_created": external_id("customExtIdField__c"),
    "sobject_upsert_updated": seeded(
        external_id("customExtIdField__c"), "Account", Name="CW", customExtIdField__c="11999"
    ),
    "collections_upsert": seeded(
        external_id("MyExtId__c"), "Account", Name="Company Two", MyExtId__c="BBB"
    ),
    "collections_update_partial_failure": documented_account,
    "composite_upsert_and_create": external_id("ExternalAcctId__c"),
    "query": accounts,
}


def documented_org() -> LocalOrg:
    credentials = Credentials(
        username="testuser@salesforce.com",
        password="mypassword123456",
        client_id="3MVG9lKcPoNINVBIPJjdw1J9LLM82HnFVVX19KY1uA5mu0QqEWhqKpoW3svG3XHrXDiCQjK1mdgAvhCscA9GE",
        client_secret="1955279925675241571",
    )
    org = LocalOrg(credentials=credentials, bulk_in_progress_polls=0)
    org.api_usage = 1
    return org


def send(org: LocalOrg, fixture: Fixture, job_id: str = "") -> tuple[int, object, str]:
    headers = {"Authorization": f"Bearer {org.access_token}", **fixture.headers}
    url = org.instance_url + fixture.path.replace("{jobId}", job_id)
    body = fixture.body
    data = body.encode() if isinstance(body, str) else None
    response = requests.request(
        fixture.method, url, headers=headers, data=data,
        json=body if isinstance(body, dict | list) else None, timeout=5,
    )  # fmt: skip
    text = response.text
    parsed = (
        response.json() if text and "json" in response.headers.get("Content-Type", "") else text
    )
    return response.status_code, parsed if text else None, text


def check(fixture: Fixture, status: int, answer: object) -> None:
    assert status == fixture.status, f"{fixture.name} ({fixture.source})"
    if isinstance(fixture.answer, str):
        assert isinstance(answer, str)
        problems = csv_differences(fixture.answer, answer)
    else:
        problems = differences(fixture.answer, answer)
    assert problems == [], f"{fixture.name} ({fixture.source}):\n" + "\n".join(problems)


@pytest.mark.parametrize(
    "fixture", [f for f in FIXTURES if not f.name.startswith("bulk_")], ids=lambda f: f.name
)
def test_documented_exchange(fixture: Fixture) -> None:
    org = documented_org()
    setup = SETUPS.get(fixture.name)
    if setup is not None:
        setup(org)
    with org.mock():
        status, answer, _ = send(org, fixture)
    check(fixture, status, answer)


def test_documented_bulk_job() -> None:
    org = documented_org()
    steps = [f for f in FIXTURES if f.name.startswith("bulk_")]
    assert len(steps) == 6
    job_id = ""
    with org.mock():
        for fixture in steps:
            status, answer, text = send(org, fixture, job_id)
            check(fixture, status, answer)
            if not job_id:
                job_id = json.loads(text)["id"]
    [created] = org.records("Account")
    assert created["Name"] == "Lorem Ipsum"


def test_the_comparison_can_fail() -> None:
    documented = {"id": "001", "success": True, "errors": [], "created": True}
    assert differences(documented, {**documented, "id": "002"}) == []
    assert differences(documented, {**documented, "created": False})
    assert differences(documented, {"id": "001", "success": True, "errors": []})
    assert differences(documented, {**documented, "success": "true"})
    assert differences([documented], [documented, documented])
    assert csv_differences('"sf__Id","sf__Created",Name\n"1","true","a"\n',
                           '"sf__Id","sf__Created",Name\n"2","false","a"\n')  # fmt: skip


def test_every_fixture_cites_salesforce_documentation() -> None:
    assert len(FIXTURES) >= 15
    for fixture in FIXTURES:
        assert fixture.source.startswith(
            ("https://developer.salesforce.com/docs/", "https://help.salesforce.com/")
        ), fixture.name

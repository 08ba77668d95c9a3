"""The org over real HTTPS on loopback, with its own certificate authority."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from simple_salesforce.api import Salesforce
from simple_salesforce.exceptions import SalesforceMalformedRequest

from sf_social.testing import FaultKind, LocalOrg, LocalOrgServer
from tests.testing.helpers import Api, lead


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[LocalOrg, LocalOrgServer]]:
    org = LocalOrg(seed=5)
    with org.serve() as server:
        yield org, server


def test_https_with_the_generated_ca(served: tuple[LocalOrg, LocalOrgServer]) -> None:
    org, server = served
    assert server.url.startswith("https://127.0.0.1:")
    assert org.instance_url == server.url
    api = Api(org, verify=str(server.ca_file))
    response = api.post("/sobjects/Lead/", lead("https:1"))
    assert response.status_code == 201
    assert response.headers["Sforce-Limit-Info"].startswith("api-usage=")
    with pytest.raises(requests.exceptions.SSLError):
        requests.get(server.url + "/services/data/v62.0/limits", timeout=5, verify=True)
    assert server.env() == {
        "SF_INSTANCE_URL": server.url,
        "SF_ACCESS_TOKEN": org.access_token,
        "REQUESTS_CA_BUNDLE": str(server.ca_file),
    }


def test_simple_salesforce_over_https(
    served: tuple[LocalOrg, LocalOrgServer], monkeypatch: pytest.MonkeyPatch
) -> None:
    org, server = served
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(server.ca_file))
    sf: Any = Salesforce(instance_url=server.url, session_id=org.access_token)
    created = sf.Case.create({"Subject": "over https", "Social_Thread_Key__c": "https:t1"})
    assert created["success"] is True
    upserted = sf.restful(
        "composite/sobjects/Case/Social_Thread_Key__c",
        method="PATCH",
        json={
            "allOrNone": False,
            "records": [
                {
                    "attributes": {"type": "Case"},
                    "Social_Thread_Key__c": "https:t1",
                    "Priority": "High",
                },
                {"attributes": {"type": "Case"}, "Social_Thread_Key__c": "https:t2"},
            ],
        },
    )
    assert [r["created"] for r in upserted] == [False, True]
    found = sf.query("SELECT Id, Priority FROM Case WHERE Social_Thread_Key__c = 'https:t1'")
    assert found["records"][0]["Priority"] == "High"
    with pytest.raises(SalesforceMalformedRequest) as failure:
        sf.Lead.create({"FirstName": "no last name"})
    content: Any = failure.value.content
    assert content[0]["errorCode"] == "REQUIRED_FIELD_MISSING"
    sf.query("SELECT Id FROM Case")
    assert sf.api_usage["api-usage"].used == org.api_usage


def test_faults_over_the_wire(served: tuple[LocalOrg, LocalOrgServer]) -> None:
    org, server = served
    api = Api(org, verify=str(server.ca_file), timeout=0.3)
    org.faults.timeout_seconds = 0.6
    try:
        org.faults.next(FaultKind.DROP)
        with pytest.raises(requests.exceptions.ConnectionError):
            api.post("/sobjects/Lead/", lead("wire:drop"))
        assert org.find("Lead", "Social_Profile_Key__c", "wire:drop") == []
        org.faults.next(FaultKind.LOST_ANSWER)
        with pytest.raises(requests.exceptions.ConnectionError):
            api.post("/sobjects/Lead/", lead("wire:lost"))
        assert len(org.find("Lead", "Social_Profile_Key__c", "wire:lost")) == 1
        org.faults.next(FaultKind.TIMEOUT)
        with pytest.raises(requests.exceptions.ReadTimeout):
            api.get("/limits")
        assert api.get("/limits").status_code == 200, "the server keeps serving"
    finally:
        org.faults.clear()


def test_concurrent_clients(served: tuple[LocalOrg, LocalOrgServer]) -> None:
    org, server = served
    statuses: list[int] = []

    def client(n: int) -> None:
        api = Api(org, verify=str(server.ca_file))
        for i in range(5):
            records = [lead(f"conc:{n}:{i}:{j}") for j in range(20)]
            statuses.append(api.upsert("Lead", "Social_Profile_Key__c", records).status_code)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [200] * 20
    assert (
        org.query("SELECT COUNT() FROM Lead WHERE Social_Profile_Key__c LIKE 'conc:%'")["totalSize"]
        == 400
    )


def test_clean_shutdown() -> None:
    org = LocalOrg()
    server = org.serve()
    url, ca = server.url, server.ca_file
    versions = requests.get(url + "/services/data/", verify=str(ca), timeout=5)
    offered = [v["version"] for v in versions.json()]
    assert "62.0" in offered and offered[0] == "20.0"  # every version, oldest first
    server.stop()
    assert not ca.exists(), "the certificate folder is removed"
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(url + "/services/data/", verify=False, timeout=2)
    assert org.instance_url == "https://localorg.my.salesforce.com"

"""Bulk API 2.0 query jobs of the local org (``sf_social.testing.bulk_query``)."""

from __future__ import annotations

import time

import requests
import responses

from sf_social.testing.setup import ready_org


def test_soql_keywords_in_any_case_name_the_object_and_an_empty_results_header() -> None:
    """SOQL keywords are case-insensitive: ``select ... from Lead`` is a Lead job, and a
    result without rows still has the selected fields as its CSV header."""
    org = ready_org()
    headers = {"Authorization": f"Bearer {org.access_token}"}
    jobs = f"{org.instance_url}/services/data/v62.0/jobs/query"
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock, org.mock(mock):
        query = {"operation": "query", "query": "select Id, LastName from Lead"}
        job = requests.post(jobs, json=query, headers=headers, timeout=5).json()
        assert job["object"] == "Lead"
        for _ in range(20):
            state = requests.get(f"{jobs}/{job['id']}", headers=headers, timeout=5).json()
            if state["state"] == "JobComplete":
                break
            time.sleep(0.01)
        results = requests.get(f"{jobs}/{job['id']}/results", headers=headers, timeout=5)
    assert results.status_code == 200
    assert results.text.splitlines() == ['"Id","LastName"']

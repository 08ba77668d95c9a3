"""Fault injection: each kind as a client sees it, deterministic for a seed."""

from __future__ import annotations

import time

import pytest
import requests

from sf_social.testing import FaultKind, LocalOrg
from tests.testing.helpers import Api, codes, lead


def run_batches(seed: int) -> tuple[list[list[bool]], list[tuple[int, str, int | None]]]:
    org = LocalOrg(seed=seed)
    org.faults.add(FaultKind.UNABLE_TO_LOCK_ROW, rate=0.2)
    org.faults.add(FaultKind.SERVER_UNAVAILABLE, rate=0.3)
    outcomes: list[list[bool]] = []
    with org.mock():
        api = Api(org)
        for batch in range(6):
            records = [lead(f"k{batch}-{i}") for i in range(50)]
            response = api.upsert("Lead", "Social_Profile_Key__c", records)
            outcomes.append(
                [r["success"] for r in response.json()] if response.status_code == 200 else []
            )
    return outcomes, [(f.call, f.kind.value, f.record) for f in org.faults.injected]


def test_same_seed_same_faults() -> None:
    first, first_log = run_batches(42)
    second, second_log = run_batches(42)
    _, other_log = run_batches(43)
    assert first == second and first_log == second_log
    assert first_log != other_log
    locked = sum(row.count(False) for row in first)
    answered = sum(len(row) for row in first)
    assert answered >= 100, "some batches got through the 503s"
    assert 0.1 * answered < locked < 0.35 * answered


def test_locked_rows_are_per_record_errors_and_not_written(api: Api, org: LocalOrg) -> None:
    org.faults.next(FaultKind.UNABLE_TO_LOCK_ROW, times=1)
    result = api.upsert("Lead", "Social_Profile_Key__c", [lead("a"), lead("b")])
    assert result.status_code == 200
    body = result.json()
    assert codes(body[0]) == ["UNABLE_TO_LOCK_ROW"] and body[1]["success"]
    assert org.find("Lead", "Social_Profile_Key__c", "a") == []
    single = (
        api.post("/sobjects/Lead/", lead("c")) if org.faults.next("UNABLE_TO_LOCK_ROW") else None
    )
    assert single is not None and single.status_code == 400
    assert single.json()[0]["errorCode"] == "UNABLE_TO_LOCK_ROW"


@pytest.mark.parametrize(
    ("kind", "status", "code", "message"),
    [
        (FaultKind.TOTAL_REQUESTS, 403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded."),
        (FaultKind.CONCURRENT_REQUESTS, 403, "REQUEST_LIMIT_EXCEEDED",
         "ConcurrentPerOrgLongTxn Limit exceeded."),
        (FaultKind.SERVER_UNAVAILABLE, 503, "SERVER_UNAVAILABLE",
         "Server temporarily unavailable, try again later"),
        (FaultKind.INTERNAL_ERROR, 500, "UNKNOWN_EXCEPTION", None),
        (FaultKind.INVALID_SESSION, 401, "INVALID_SESSION_ID", "Session expired or invalid"),
    ],
)  # fmt: skip
def test_error_answers(
    api: Api, org: LocalOrg, kind: FaultKind, status: int, code: str, message: str | None
) -> None:
    org.faults.next(kind)
    response = api.post("/sobjects/Lead/", lead("a"))
    assert response.status_code == status
    [error] = response.json()
    assert error["errorCode"] == code
    if message:
        assert error["message"] == message
    assert org.count("Lead") == 0
    retry = api.post("/sobjects/Lead/", lead("a"))
    if kind is FaultKind.INVALID_SESSION:
        assert retry.status_code == 401, "the session really expired"
        api.session.headers["Authorization"] = f"Bearer {org.new_session()}"
        retry = api.post("/sobjects/Lead/", lead("a"))
    assert retry.status_code == 201, "the fault fired once"


def test_bad_gateway_is_html(api: Api, org: LocalOrg) -> None:
    org.faults.next(FaultKind.BAD_GATEWAY)
    response = api.get("/limits")
    assert response.status_code == 502
    assert response.headers["Content-Type"] == "text/html"


def test_dropped_connection_writes_nothing(api: Api, org: LocalOrg) -> None:
    org.faults.next(FaultKind.DROP)
    with pytest.raises(requests.exceptions.ConnectionError):
        api.upsert("Lead", "Social_Profile_Key__c", [lead("a")])
    assert org.count("Lead") == 0


def test_lost_answer_writes_then_drops(api: Api, org: LocalOrg) -> None:
    org.faults.next(FaultKind.LOST_ANSWER)
    with pytest.raises(requests.exceptions.ConnectionError):
        api.upsert("Lead", "Social_Profile_Key__c", [lead("a")])
    assert org.count("Lead") == 1
    replay = api.upsert("Lead", "Social_Profile_Key__c", [lead("a")]).json()
    assert replay[0]["created"] is False, "a replayed upsert updates"
    assert [c.status for c in org.calls[-2:]] == [None, 200]


def test_timeout_in_process(api: Api, org: LocalOrg) -> None:
    org.faults.next(FaultKind.TIMEOUT)
    with pytest.raises(requests.exceptions.ReadTimeout):
        api.post("/sobjects/Lead/", lead("a"))
    assert org.count("Lead") == 1, "the org still did the work"


def test_windows_paths_and_latency(api: Api, org: LocalOrg) -> None:
    org.faults.add(FaultKind.TOTAL_REQUESTS, calls=range(2, 4))
    org.faults.add(FaultKind.SERVER_UNAVAILABLE, path="/query")
    statuses = [api.get("/limits").status_code for _ in range(4)]
    assert statuses == [200, 403, 403, 200]
    assert api.query("SELECT Id FROM Lead").status_code == 503
    org.faults.clear()
    org.faults.latency = 0.05
    started = time.monotonic()
    api.get("/limits")
    assert time.monotonic() - started >= 0.05
    assert [f.kind for f in org.faults.injected] == [
        FaultKind.TOTAL_REQUESTS,
        FaultKind.TOTAL_REQUESTS,
        FaultKind.SERVER_UNAVAILABLE,
    ]

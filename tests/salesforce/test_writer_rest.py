"""The writer against scripted REST answers: batching, result mapping, retries by code."""

from __future__ import annotations

from typing import Any

import pytest
import requests
import responses

from sf_social.plan import RecordPlan
from sf_social.playbook import SalesforceOptions, load_playbook
from sf_social.salesforce import BudgetPolicy, RetryPolicy, SalesforceWriter, Status, WriterConfig
from tests.salesforce.conftest import API, json_reply, password_settings, token_settings
from tests.salesforce.fake import FakeRest, Sent, error
from tests.salesforce.plans import QUEUE, case_plan

UPSERT_CASE = "/composite/sobjects/Case/Social_Thread_Key__c"
UPSERT_TASK = "/composite/sobjects/Task/Social_Post_Key__c"
UPDATE = "/composite/sobjects"


@pytest.fixture
def org(mocked: responses.RequestsMock) -> FakeRest:
    fake = FakeRest(mocked)
    fake.add_queue(QUEUE)
    return fake


def make_writer(sleeps: list[float] | None = None, **config: Any) -> SalesforceWriter:
    settings = WriterConfig(retry=RetryPolicy.instant(sleeps=sleeps), **config)
    return SalesforceWriter.connect(token_settings(), settings, http=requests.Session())


def cases(n: int, start: int = 0) -> list[RecordPlan]:
    return [case_plan(str(i)) for i in range(start, start + n)]


def keys(sent: Sent, field: str = "Social_Thread_Key__c") -> list[str]:
    return [r[field] for r in sent.records]


# -- batching and mapping -------------------------------------------------------------------


def test_450_records_take_3_calls_and_map_back_in_order(org: FakeRest) -> None:
    writer = make_writer()
    plans = cases(450)
    report = writer.write(plans)
    case_calls = org.calls(UPSERT_CASE)
    assert [len(c.records) for c in case_calls] == [200, 200, 50]
    assert [len(c.records) for c in org.calls(UPSERT_TASK)] == [200, 200, 50]
    assert len(org.calls("/composite/")) - len(org.calls("/composite/sobjects")) == 1  # lookups
    assert all(c.body["allOrNone"] is False for c in case_calls)
    for plan, result in zip(plans, report.results, strict=True):
        case, task = result.outcomes
        assert result.plan is plan
        assert case.status is Status.CREATED and case.id == org.existing[case.key]
        assert task.status is Status.CREATED and task.id == org.existing[task.key]
    sent_task = org.calls(UPSERT_TASK)[0].records[0]
    assert sent_task["WhatId"] == org.existing["twitter:thread:0"]  # parent's Id, no lookup
    assert "What" not in sent_task
    assert report.api_calls == 1 + 1 + 3 + 3  # limits, lookups, 3 + 3 upserts
    assert len(report.ids) == 900


def test_new_records_carry_everything_existing_ones_sync_fields_only(org: FakeRest) -> None:
    case_id = org.add("Case", "Social_Thread_Key__c", "twitter:thread:1")
    writer = make_writer()
    report = writer.write([case_plan("1"), case_plan("2")])
    [update] = [c for c in org.calls(UPDATE) if c.path.endswith("/composite/sobjects")]
    assert update.records == [
        {
            "attributes": {"type": "Case"},
            "Id": case_id,
            "Social_Network__c": "Twitter",
            "Social_Handle__c": "dana",
            "Social_Post_URL__c": "https://x.com/dana/status/1",
            "Social_Influence_Tier__c": "100+ Followers",
        }
    ]
    [created] = org.calls(UPSERT_CASE)[0].records
    assert (
        created["Subject"] and created["Status"] == "New" and created["OwnerId"].startswith("00G")
    )
    assert report.results[0].outcomes[0].status is Status.UPDATED
    assert report.results[1].outcomes[0].status is Status.CREATED


# -- transient failures: retried, only the failed records re-sent --------------------------


@pytest.mark.parametrize(
    "code",
    ["UNABLE_TO_LOCK_ROW", "SERVER_UNAVAILABLE", "QUERY_TIMEOUT"],
)
def test_transient_record_errors_resend_only_the_failed(org: FakeRest, code: str) -> None:
    org.record_errors["twitter:thread:3"] = [error(code), error(code)]
    org.record_errors["twitter:thread:7"] = [error(code)]
    sleeps: list[float] = []
    writer = make_writer(sleeps)
    report = writer.write(cases(10))
    first, second, third = org.calls(UPSERT_CASE)
    assert len(keys(first)) == 10
    assert keys(second) == ["twitter:thread:3", "twitter:thread:7"]
    assert keys(third) == ["twitter:thread:3"]
    assert all(r.ok for r in report.results)
    assert len(sleeps) == 2 and sleeps[0] < sleeps[1]  # backed off, exponentially


def test_lock_inside_a_trigger_is_transient(org: FakeRest) -> None:
    message = "Trigger: execution of AfterInsert caused by: UNABLE_TO_LOCK_ROW"
    org.record_errors["twitter:thread:0"] = [error("CANNOT_INSERT_UPDATE_ACTIVATE_ENTITY", message)]
    report = make_writer().write(cases(1))
    assert report.results[0].ok and len(org.calls(UPSERT_CASE)) == 2


@pytest.mark.parametrize(
    "failure",
    [
        json_reply(503, [{"errorCode": "SERVER_UNAVAILABLE", "message": "maintenance"}]),
        json_reply(500, [{"errorCode": "UNKNOWN_EXCEPTION", "message": "An unexpected error"}]),
        (502, {"Content-Type": "text/html"}, "<html><title>502 Bad Gateway</title></html>"),
        requests.ReadTimeout("read timed out"),
        requests.ConnectionError("Connection reset by peer"),
    ],
    ids=["503", "500", "502-html", "timeout", "reset"],
)
def test_transient_call_failures_retried(org: FakeRest, failure: Any) -> None:
    writer = make_writer()
    writer.write([])  # start-up done
    org.call_errors = [failure]  # the lookup call fails once
    report = writer.write(cases(2))
    assert all(r.ok for r in report.results)
    assert len(org.calls("/composite/")) - len(org.calls("/composite/sobjects")) == 2


def test_concurrency_limit_backs_off_longer(org: FakeRest) -> None:
    sleeps: list[float] = []
    writer = make_writer(sleeps)
    writer.write([])
    limit = "ConcurrentPerOrgLongTxn Limit exceeded."
    org.record_errors["twitter:thread:0"] = [error("REQUEST_LIMIT_EXCEEDED", limit)]
    report = writer.write(cases(1))
    assert report.results[0].ok
    assert sleeps and sleeps[0] >= RetryPolicy().concurrency_initial


def test_transient_failure_that_never_clears_is_reported_transient(org: FakeRest) -> None:
    org.record_errors["twitter:thread:0"] = [error("UNABLE_TO_LOCK_ROW")] * 10
    writer = make_writer()
    report = writer.write(cases(1))
    case, task = report.results[0].outcomes
    assert case.failure is not None and case.failure.code == "UNABLE_TO_LOCK_ROW"
    assert case.failure.transient
    assert task.failure is not None and task.failure.code == "PARENT_FAILED"
    assert report.results[0].retryable
    assert len(org.calls(UPSERT_CASE)) == RetryPolicy().attempts
    assert not org.calls(UPSERT_TASK)  # no Task sent without its Case


# -- permanent failures: surfaced, never retried -------------------------------------------


@pytest.mark.parametrize(
    ("code", "fields"),
    [
        ("INVALID_FIELD", ["Social_Foo__c"]),
        ("REQUIRED_FIELD_MISSING", ["LastName"]),
        ("INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", ["Social_Segment__c"]),
        ("FIELD_CUSTOM_VALIDATION_EXCEPTION", []),
        ("MALFORMED_ID", ["OwnerId"]),
        ("INVALID_CROSS_REFERENCE_KEY", ["OwnerId"]),
        ("STRING_TOO_LONG", ["Subject"]),
        ("DUPLICATES_DETECTED", []),
    ],
)
def test_permanent_record_errors_not_retried(org: FakeRest, code: str, fields: list[str]) -> None:
    org.record_errors["twitter:thread:1"] = [error(code, "refused", fields)]
    sleeps: list[float] = []
    report = make_writer(sleeps).write(cases(3))
    assert len(org.calls(UPSERT_CASE)) == 1 and sleeps == []
    failed = report.results[1]
    assert failed.permanent and not failed.retryable
    case = failed.outcomes[0]
    assert case.failure is not None
    assert (case.failure.code, case.failure.fields, case.failure.transient) == (
        code,
        tuple(fields),
        False,
    )
    assert failed.plan.post_key == "twitter:1"
    assert report.results[0].ok and report.results[2].ok


def test_call_level_permanent_error_fails_its_records_once(org: FakeRest) -> None:
    writer = make_writer()
    writer.write([])
    org.respond = lambda sent: json_reply(
        400, [{"errorCode": "INVALID_FIELD", "message": "No such column 'Social_Evidence__c'"}]
    )
    report = writer.write(cases(3))
    assert len(org.calls(UPSERT_CASE)) == 1
    for result in report.results:
        case, task = result.outcomes
        assert case.failure is not None and case.failure.code == "INVALID_FIELD"
        assert "Social_Evidence__c" in case.failure.message and not case.failure.transient
        assert task.failure is not None and task.failure.code == "PARENT_FAILED"


def test_more_than_one_record_is_permanent(org: FakeRest) -> None:
    writer = make_writer()
    writer.write([])
    matches = (
        '["/services/data/v63.0/sobjects/Case/500A", "/services/data/v63.0/sobjects/Case/500B"]'
    )
    org.respond = lambda sent: (300, {"Content-Type": "application/json"}, matches)
    report = writer.write(cases(1))
    failure = report.results[0].outcomes[0].failure
    assert failure is not None and failure.code == "MORE_THAN_ONE_RECORD" and not failure.transient
    assert len(org.calls(UPSERT_CASE)) == 1


# -- duplicates ---------------------------------------------------------------------------


def test_racing_writer_duplicate_value_retried_once_as_sync_upsert(org: FakeRest) -> None:
    message = "duplicate value found: Social_Thread_Key__c duplicates value on record with id: 500X"
    org.record_errors["twitter:thread:0"] = [error("DUPLICATE_VALUE", message)]
    report = make_writer().write(cases(1))
    first, retry = org.calls(UPSERT_CASE)
    assert "Subject" in first.records[0]
    assert retry.records == [
        {
            "attributes": {"type": "Case"},
            "Social_Thread_Key__c": "twitter:thread:0",
            "Social_Network__c": "Twitter",
            "Social_Handle__c": "dana",
            "Social_Post_URL__c": "https://x.com/dana/status/0",
            "Social_Influence_Tier__c": "100+ Followers",
        }
    ]
    assert report.results[0].outcomes[0].status is Status.UPDATED


def test_duplicate_value_twice_is_permanent(org: FakeRest) -> None:
    message = "duplicate value found: Social_Thread_Key__c duplicates value on record with id: 500X"
    org.record_errors["twitter:thread:0"] = [error("DUPLICATE_VALUE", message)] * 2
    report = make_writer().write(cases(1))
    assert len(org.calls(UPSERT_CASE)) == 2
    failure = report.results[0].outcomes[0].failure
    assert failure is not None and failure.code == "DUPLICATE_VALUE" and not failure.transient


def test_duplicate_value_on_another_field_is_not_a_race(org: FakeRest) -> None:
    message = "duplicate value found: Other_Unique__c duplicates value on record with id: 500X"
    org.record_errors["twitter:thread:0"] = [error("DUPLICATE_VALUE", message)]
    report = make_writer().write(cases(1))
    assert len(org.calls(UPSERT_CASE)) == 1
    assert report.results[0].permanent


@pytest.mark.parametrize("allow", [True, False])
def test_duplicate_rule_header_follows_the_playbook(org: FakeRest, allow: bool) -> None:
    playbook = load_playbook()
    assert playbook.salesforce.allow_save_on_duplicate_alert is False  # the default
    playbook = playbook.model_copy(
        update={"salesforce": SalesforceOptions(allow_save_on_duplicate_alert=allow)}
    )
    config = WriterConfig.from_playbook(playbook, retry=RetryPolicy.instant())
    SalesforceWriter.connect(token_settings(), config, http=requests.Session()).write(cases(2))
    writes = org.calls(UPDATE)
    assert writes
    for sent in writes:
        header = sent.headers.get("Sforce-Duplicate-Rule-Header")
        assert header == ("allowSave=true" if allow else None)


# -- malformed answers --------------------------------------------------------------------


def test_wrong_count_of_results_is_a_transient_failure(org: FakeRest) -> None:
    writer = make_writer()
    writer.write([])
    org.respond = lambda sent: json_reply(200, [{"success": True, "id": "500X", "errors": []}])
    report = writer.write(cases(2))
    for result in report.results:
        failure = result.outcomes[0].failure
        assert failure is not None and failure.code == "MALFORMED_RESPONSE" and failure.transient
        assert "expected 2 results" in failure.message
    assert len(org.calls(UPSERT_CASE)) == RetryPolicy().attempts  # retried, never assumed ok


def test_html_page_instead_of_results(org: FakeRest) -> None:
    writer = make_writer()
    writer.write([])
    page = "<html><head><title>Maintenance</title></head></html>"
    org.respond = lambda sent: (200, {"Content-Type": "text/html"}, page)
    report = writer.write(cases(1))
    failure = report.results[0].outcomes[0].failure
    assert failure is not None and failure.code == "MALFORMED_RESPONSE"
    assert "Maintenance" in failure.message and failure.transient


# -- session and budget -------------------------------------------------------------------


def test_expired_session_refreshed_once_mid_batch(
    mocked: responses.RequestsMock, soap_logins: list[str]
) -> None:
    org = FakeRest(mocked)
    org.add_queue(QUEUE)
    writer = SalesforceWriter.connect(
        password_settings(), WriterConfig(retry=RetryPolicy.instant()), http=requests.Session()
    )
    writer.write([])
    org.call_errors = [
        json_reply(401, [{"errorCode": "INVALID_SESSION_ID", "message": "Session expired"}])
    ]
    report = writer.write(cases(2))
    assert all(r.ok for r in report.results)
    assert len(soap_logins) == 2


def test_daily_limit_pauses_the_rest_of_the_batch(org: FakeRest) -> None:
    writer = make_writer()
    writer.write([])
    daily = [{"errorCode": "REQUEST_LIMIT_EXCEEDED", "message": "TotalRequests Limit exceeded."}]
    org.respond = lambda sent: json_reply(403, daily, used=15_000)
    report = writer.write(cases(250))
    assert report.stopped is not None and "writes paused" in report.stopped
    assert len(org.calls(UPSERT_CASE)) == 1  # no retry, no second chunk
    assert all(r.retryable for r in report.results)
    codes = {o.failure.code for o in report.outcomes if o.failure}
    assert codes <= {"REQUEST_LIMIT_EXCEEDED", "API_BUDGET_PAUSED", "PARENT_FAILED"}


def test_budget_ceiling_pauses_then_resumes_when_usage_falls(
    org: FakeRest, mocked: responses.RequestsMock
) -> None:
    clock = [0.0]
    budget = BudgetPolicy(ceiling=0.9, recheck_seconds=60)
    writer = SalesforceWriter.connect(
        token_settings(),
        WriterConfig(retry=RetryPolicy.instant()),
        budget=budget,
        http=requests.Session(),
        clock=lambda: clock[0],
    )
    org.usage = 13_000
    first = writer.write(cases(1))
    assert first.stopped is None and first.results[0].ok
    org.usage = 13_600  # other integrations used the org meanwhile
    paused = writer.write(cases(1, start=1))  # the lookup's answer says 13,601: ≥ 90%
    assert paused.stopped is not None and "13,601 of 15,000" in paused.stopped
    assert not org.calls(UPSERT_CASE)[1:]  # the write itself was held back
    sent_before = len(org.sent)
    again = writer.write(cases(1, start=1))
    assert again.stopped is not None and len(org.sent) == sent_before  # no call while paused
    clock[0] += 60
    org.usage = 9_000  # the 24 h window moved on
    resumed = writer.write(cases(1, start=1))
    assert resumed.stopped is None and resumed.results[0].ok


def test_unique_key_read_from_describe_once(mocked: responses.RequestsMock) -> None:
    def described(unique: bool) -> dict[str, Any]:
        field = {"name": "Social_Thread_Key__c", "unique": unique, "externalId": True}
        return {"fields": [{"name": "Subject", "unique": False}, field]}

    mocked.get(f"{API}/sobjects/Case/describe/", json=described(False))
    mocked.get(
        f"{API}/sobjects/Lead/describe/",
        json=described(True)
        | {"fields": [{"name": "Social_Profile_Key__c", "unique": True, "externalId": True}]},
    )
    mocked.get(f"{API}/sobjects/Task/describe/", status=404, json=[{"errorCode": "NOT_FOUND"}])
    writer = make_writer()
    api = writer.api
    assert api.unique_key("Case", "Social_Thread_Key__c") is False
    assert api.unique_key("Case", "Social_Thread_Key__c") is False
    assert api.unique_key("Lead", "Social_Profile_Key__c") is True
    assert api.unique_key("Task", "Social_Post_Key__c") is False  # unsure: no insert-first
    describes = [c for c in mocked.calls if "describe" in (c.request.url or "")]
    assert len(describes) == 3  # Case once, Lead once, Task (failed) once

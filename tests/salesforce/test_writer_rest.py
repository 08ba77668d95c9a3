"""The writer against the local org's REST answers: batching, result mapping, retries by
code. Faults the org does not make on its own (a record's error, a call's error, a
malformed answer) are injected with ``LocalOrg.fail_record`` / ``fail_calls`` /
``faults.answer``; what was sent is read back with ``LocalOrg.received``."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

import pytest
import requests
from pydantic import SecretStr

from sf_social.plan import RecordPlan
from sf_social.playbook import SalesforceOptions, load_playbook
from sf_social.salesforce import BudgetPolicy, RetryPolicy, SalesforceWriter, Status, WriterConfig
from sf_social.salesforce_settings import SalesforceSettings
from sf_social.testing import FaultKind, LocalOrg, Received
from tests.salesforce.plans import QUEUE, case_plan

UPSERT_CASE = "/composite/sobjects/Case/Social_Thread_Key__c"
UPSERT_TASK = "/composite/sobjects/Task/Social_Post_Key__c"
UPDATE = "/composite/sobjects"
COLLECTIONS = "/composite/sobjects"


@pytest.fixture
def org() -> Iterator[LocalOrg]:
    org = LocalOrg(seed=5)
    org.add_queue(QUEUE)
    with org.mock():
        yield org


def settings(org: LocalOrg) -> SalesforceSettings:
    return SalesforceSettings(
        instance_url=org.instance_url, access_token=SecretStr(org.access_token), timeout=7
    )


def make_writer(
    org: LocalOrg, sleeps: list[float] | None = None, **config: Any
) -> SalesforceWriter:
    options = WriterConfig(retry=RetryPolicy.instant(sleeps=sleeps), **config)
    return SalesforceWriter.connect(settings(org), options, http=requests.Session())


def cases(n: int, start: int = 0) -> list[RecordPlan]:
    return [case_plan(str(i)) for i in range(start, start + n)]


def keys(sent: Received, field: str = "Social_Thread_Key__c") -> list[str]:
    return [r[field] for r in sent.records]


def id_of(org: LocalOrg, sobject: str, field: str, key: str) -> str:
    [record] = org.find(sobject, field, key)
    return str(record["Id"])


def composite_calls(org: LocalOrg) -> list[Received]:
    """The Composite calls themselves (API calls), not the subrequests they carry."""
    return [r for r in org.received() if not r.packed and r.path.rstrip("/").endswith("/composite")]


# -- batching and mapping -------------------------------------------------------------------


def test_450_records_go_in_chunks_of_200_one_composite_call_per_wave(org: LocalOrg) -> None:
    writer = make_writer(org)
    plans = cases(450)
    report = writer.write(plans)
    case_calls = org.received(UPSERT_CASE)
    assert [len(c.records) for c in case_calls] == [200, 200, 50]
    assert [len(c.records) for c in org.received(UPSERT_TASK)] == [200, 200, 50]
    assert all(c.packed for c in org.received(COLLECTIONS))
    composite = [c.body["compositeRequest"] for c in composite_calls(org)]
    assert [len(subrequests) for subrequests in composite[1:]] == [3, 3]  # after the lookups
    assert all(c.body["allOrNone"] is False for c in case_calls)
    for plan, result in zip(plans, report.results, strict=True):
        case, task = result.outcomes
        assert result.plan is plan
        assert case.status is Status.CREATED
        assert case.id == id_of(org, "Case", "Social_Thread_Key__c", case.key)
        assert task.status is Status.CREATED
        assert task.id == id_of(org, "Task", "Social_Post_Key__c", task.key)
    sent_task = org.received(UPSERT_TASK)[0].records[0]
    case_0 = id_of(org, "Case", "Social_Thread_Key__c", "twitter:thread:0")
    assert sent_task["WhatId"] == case_0  # parent's Id, no lookup
    assert "What" not in sent_task
    assert report.api_calls == 1 + 1 + 1 + 1  # limits, lookups, Cases, then Tasks
    assert len(report.ids) == 900


def test_new_records_carry_everything_existing_ones_sync_fields_only(org: LocalOrg) -> None:
    case_id = org.insert("Case", Social_Thread_Key__c="twitter:thread:1", Subject="agent's")
    writer = make_writer(org)
    report = writer.write([case_plan("1"), case_plan("2")])
    [update] = [c for c in org.received(UPDATE) if c.path.endswith("/composite/sobjects")]
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
    [created] = org.received(UPSERT_CASE)[0].records
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
def test_transient_record_errors_resend_only_the_failed(org: LocalOrg, code: str) -> None:
    org.fail_record("twitter:thread:3", code, times=2)
    org.fail_record("twitter:thread:7", code)
    sleeps: list[float] = []
    writer = make_writer(org, sleeps)
    report = writer.write(cases(10))
    first, second, third = org.received(UPSERT_CASE)
    assert len(keys(first)) == 10
    assert keys(second) == ["twitter:thread:3", "twitter:thread:7"]
    assert keys(third) == ["twitter:thread:3"]
    assert all(r.ok for r in report.results)
    assert len(sleeps) == 2 and sleeps[0] < sleeps[1]  # backed off, exponentially


def test_lock_inside_a_trigger_is_transient(org: LocalOrg) -> None:
    message = "Trigger: execution of AfterInsert caused by: UNABLE_TO_LOCK_ROW"
    org.fail_record("twitter:thread:0", "CANNOT_INSERT_UPDATE_ACTIVATE_ENTITY", message)
    report = make_writer(org).write(cases(1))
    assert report.results[0].ok and len(org.received(UPSERT_CASE)) == 2


@pytest.mark.parametrize(
    "fail",
    [
        lambda org: org.fail_calls("SERVER_UNAVAILABLE", "maintenance", status=503),
        lambda org: org.fail_calls("UNKNOWN_EXCEPTION", "An unexpected error", status=500),
        lambda org: org.faults.answer(502, "<html><title>502 Bad Gateway</title></html>"),
        lambda org: org.faults.next(FaultKind.TIMEOUT),  # requests.ReadTimeout
        lambda org: org.faults.next(FaultKind.DROP),  # requests.ConnectionError
    ],
    ids=["503", "500", "502-html", "timeout", "reset"],
)
def test_transient_call_failures_retried(org: LocalOrg, fail: Callable[[LocalOrg], Any]) -> None:
    writer = make_writer(org)
    writer.write([])  # start-up done
    fail(org)  # the lookup call fails once
    report = writer.write(cases(2))
    assert all(r.ok for r in report.results)
    assert len(composite_calls(org)) == 2
    assert len(org.faults.injected) == 1


def test_concurrency_limit_backs_off_longer(org: LocalOrg) -> None:
    sleeps: list[float] = []
    writer = make_writer(org, sleeps)
    writer.write([])
    limit = "ConcurrentPerOrgLongTxn Limit exceeded."
    org.fail_record("twitter:thread:0", "REQUEST_LIMIT_EXCEEDED", limit)
    report = writer.write(cases(1))
    assert report.results[0].ok
    assert sleeps and sleeps[0] >= RetryPolicy().concurrency_initial


def test_transient_failure_that_never_clears_is_reported_transient(org: LocalOrg) -> None:
    org.fail_record("twitter:thread:0", "UNABLE_TO_LOCK_ROW", times=None)
    writer = make_writer(org)
    report = writer.write(cases(1))
    case, task = report.results[0].outcomes
    assert case.failure is not None and case.failure.code == "UNABLE_TO_LOCK_ROW"
    assert case.failure.transient
    assert task.failure is not None and task.failure.code == "PARENT_FAILED"
    assert report.results[0].retryable
    assert len(org.received(UPSERT_CASE)) == RetryPolicy().attempts
    assert not org.received(UPSERT_TASK)  # no Task sent without its Case


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
def test_permanent_record_errors_not_retried(org: LocalOrg, code: str, fields: list[str]) -> None:
    org.fail_record("twitter:thread:1", code, "refused", fields=fields)
    sleeps: list[float] = []
    report = make_writer(org, sleeps).write(cases(3))
    assert len(org.received(UPSERT_CASE)) == 1 and sleeps == []
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


def test_call_level_permanent_error_fails_its_records_once(org: LocalOrg) -> None:
    writer = make_writer(org)
    writer.write([])
    message = "No such column 'Social_Evidence__c'"
    org.fail_calls("INVALID_FIELD", message, times=None, status=400, path=COLLECTIONS)
    report = writer.write(cases(3))
    assert len(org.received(UPSERT_CASE)) == 1
    for result in report.results:
        case, task = result.outcomes
        assert case.failure is not None and case.failure.code == "INVALID_FIELD"
        assert "Social_Evidence__c" in case.failure.message and not case.failure.transient
        assert task.failure is not None and task.failure.code == "PARENT_FAILED"


def test_more_than_one_record_is_permanent(org: LocalOrg) -> None:
    writer = make_writer(org)
    writer.write([])
    matches = ["/services/data/v63.0/sobjects/Case/500A", "/services/data/v63.0/sobjects/Case/500B"]
    org.faults.answer(300, matches, times=None, path=COLLECTIONS)
    report = writer.write(cases(1))
    failure = report.results[0].outcomes[0].failure
    assert failure is not None and failure.code == "MORE_THAN_ONE_RECORD" and not failure.transient
    assert len(org.received(UPSERT_CASE)) == 1


# -- duplicates ---------------------------------------------------------------------------


def test_racing_writer_duplicate_value_retried_once_as_sync_upsert(org: LocalOrg) -> None:
    message = "duplicate value found: Social_Thread_Key__c duplicates value on record with id: 500X"
    org.fail_record("twitter:thread:0", "DUPLICATE_VALUE", message)
    report = make_writer(org).write(cases(1))
    first, retry = org.received(UPSERT_CASE)
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


def test_duplicate_value_twice_is_permanent(org: LocalOrg) -> None:
    message = "duplicate value found: Social_Thread_Key__c duplicates value on record with id: 500X"
    org.fail_record("twitter:thread:0", "DUPLICATE_VALUE", message, times=2)
    report = make_writer(org).write(cases(1))
    assert len(org.received(UPSERT_CASE)) == 2
    failure = report.results[0].outcomes[0].failure
    assert failure is not None and failure.code == "DUPLICATE_VALUE" and not failure.transient


def test_duplicate_value_on_another_field_is_not_a_race(org: LocalOrg) -> None:
    message = "duplicate value found: Other_Unique__c duplicates value on record with id: 500X"
    org.fail_record("twitter:thread:0", "DUPLICATE_VALUE", message)
    report = make_writer(org).write(cases(1))
    assert len(org.received(UPSERT_CASE)) == 1
    assert report.results[0].permanent


@pytest.mark.parametrize("allow", [True, False])
def test_duplicate_rule_header_follows_the_playbook(org: LocalOrg, allow: bool) -> None:
    playbook = load_playbook()
    assert playbook.salesforce.allow_save_on_duplicate_alert is False  # the default
    playbook = playbook.model_copy(
        update={"salesforce": SalesforceOptions(allow_save_on_duplicate_alert=allow)}
    )
    config = WriterConfig.from_playbook(playbook, retry=RetryPolicy.instant())
    SalesforceWriter.connect(settings(org), config, http=requests.Session()).write(cases(2))
    writes = org.received(UPDATE)
    assert writes
    for sent in writes:
        header = sent.header("Sforce-Duplicate-Rule-Header")
        assert header == ("allowSave=true" if allow else None)


# -- malformed answers --------------------------------------------------------------------


def test_wrong_count_of_results_is_a_transient_failure(org: LocalOrg) -> None:
    writer = make_writer(org)
    writer.write([])
    one = [{"success": True, "id": "500X", "errors": []}]
    org.faults.answer(200, one, times=None, path=COLLECTIONS)
    report = writer.write(cases(2))
    for result in report.results:
        failure = result.outcomes[0].failure
        assert failure is not None and failure.code == "MALFORMED_RESPONSE" and failure.transient
        assert "expected 2 results" in failure.message
    assert len(org.received(UPSERT_CASE)) == RetryPolicy().attempts  # retried, never assumed ok


def test_html_page_instead_of_results(org: LocalOrg) -> None:
    writer = make_writer(org)
    writer.write([])
    page = "<html><head><title>Maintenance</title></head></html>"
    org.faults.answer(200, page, times=None, path=COLLECTIONS)
    report = writer.write(cases(1))
    failure = report.results[0].outcomes[0].failure
    assert failure is not None and failure.code == "MALFORMED_RESPONSE"
    assert "Maintenance" in failure.message and failure.transient


# -- session and budget -------------------------------------------------------------------


def test_expired_session_refreshed_once_mid_batch(org: LocalOrg) -> None:
    signed_in = SalesforceSettings(
        consumer_key="local-consumer-key",
        consumer_secret=SecretStr("local-consumer-secret"),
        domain="sso.localorg.my",  # not the instance host: see the report on mock_org
    )
    writer = SalesforceWriter.connect(
        signed_in, WriterConfig(retry=RetryPolicy.instant()), http=requests.Session()
    )
    writer.write([])
    issued = org.sessions.issued
    org.faults.next(FaultKind.INVALID_SESSION)  # the lookup call: 401, the session expired
    report = writer.write(cases(2))
    assert all(r.ok for r in report.results)
    assert org.sessions.issued == issued + 1


def test_daily_limit_pauses_the_rest_of_the_batch(org: LocalOrg) -> None:
    writer = make_writer(org)
    writer.write([])
    org.faults.add(FaultKind.TOTAL_REQUESTS, path=COLLECTIONS)
    report = writer.write(cases(250))
    assert report.stopped is not None and "writes paused" in report.stopped
    assert len(org.received(UPSERT_CASE)) == 2  # both chunks in one call
    assert org.call_count() == 3  # limits, lookups, the refused call: no retry, no Tasks
    assert all(r.retryable for r in report.results)
    codes = {o.failure.code for o in report.outcomes if o.failure}
    assert codes <= {"REQUEST_LIMIT_EXCEEDED", "API_BUDGET_PAUSED", "PARENT_FAILED"}


def test_budget_ceiling_pauses_then_resumes_when_usage_falls(org: LocalOrg) -> None:
    clock = [0.0]
    budget = BudgetPolicy(ceiling=0.9, recheck_seconds=60)
    writer = SalesforceWriter.connect(
        settings(org),
        WriterConfig(retry=RetryPolicy.instant()),
        budget=budget,
        http=requests.Session(),
        clock=lambda: clock[0],
    )
    org.api_usage = 13_000
    first = writer.write(cases(1))
    assert first.stopped is None and first.results[0].ok
    org.api_usage = 13_600  # other integrations used the org meanwhile
    paused = writer.write(cases(1, start=1))  # the lookup's answer says 13,601: ≥ 90%
    assert paused.stopped is not None and "13,601 of 15,000" in paused.stopped
    assert not org.received(UPSERT_CASE)[1:]  # the write itself was held back
    sent_before = len(org.requests)
    again = writer.write(cases(1, start=1))
    assert again.stopped is not None and len(org.requests) == sent_before  # no call while paused
    clock[0] += 60
    org.api_usage = 9_000  # the 24 h window moved on
    resumed = writer.write(cases(1, start=1))
    assert resumed.stopped is None and resumed.results[0].ok


def test_unique_key_read_from_describe_once(org: LocalOrg) -> None:
    thread_key = org.schema.field("Case", "Social_Thread_Key__c")
    org.schema.add_field("Case", replace(thread_key, unique=False))  # external id, not unique
    assert org.schema.field("Lead", "Social_Profile_Key__c").unique
    missing = "The requested resource does not exist"
    org.fail_calls("NOT_FOUND", missing, times=None, status=404, path="/sobjects/Task/describe")
    writer = make_writer(org)
    api = writer.api
    assert api.unique_key("Case", "Social_Thread_Key__c") is False
    assert api.unique_key("Case", "Social_Thread_Key__c") is False
    assert api.unique_key("Lead", "Social_Profile_Key__c") is True
    assert api.unique_key("Task", "Social_Post_Key__c") is False  # unsure: no insert-first
    describes = org.received("/describe")
    assert len(describes) == 3  # Case once, Lead once, Task (failed) once

"""The writer against the local org emulator (schema enforced), in-process and over HTTPS."""

from __future__ import annotations

from collections.abc import Iterator
from importlib.resources import files
from typing import Any

import pytest
import requests
from pydantic import SecretStr

from sf_social.pipeline import Pipeline
from sf_social.plan import RecordPlan
from sf_social.playbook import load_playbook
from sf_social.posts import SocialPost
from sf_social.salesforce import (
    BudgetPolicy,
    BulkPolicy,
    RetryPolicy,
    SalesforceWriter,
    Status,
    WriterConfig,
    WriteReport,
)
from sf_social.salesforce_settings import SalesforceSettings
from sf_social.testing import FaultKind, LocalOrg
from tests.salesforce.plans import case_plan, lead_plan, praise_plan

SOBJECTS = ("Lead", "Case", "Task", "Contact")


def sample_plans() -> list[RecordPlan]:
    pipeline = Pipeline(load_playbook())
    text = files("sf_social").joinpath("samples/sample_feed.jsonl").read_text(encoding="utf-8")
    return [pipeline.plan(SocialPost.model_validate_json(line)) for line in text.splitlines()]


def new_org(**options: Any) -> LocalOrg:
    org = LocalOrg(seed=3, **options)
    playbook = load_playbook()
    for queue in {*playbook.routing.teams.values(), playbook.routing.review_queue}:
        org.add_queue(queue)
    return org


def client_credentials() -> SalesforceSettings:
    return SalesforceSettings(
        consumer_key="local-consumer-key",
        consumer_secret=SecretStr("local-consumer-secret"),
        domain="sso.localorg.my",  # not the instance host: see the report on mock_org
    )


def connect(org: LocalOrg, **config: Any) -> SalesforceWriter:
    options: dict[str, Any] = {"retry": RetryPolicy.instant(), **config}
    return SalesforceWriter.connect(
        client_credentials(),
        WriterConfig(**options),
        bulk=BulkPolicy.instant(),
        http=requests.Session(),
    )


@pytest.fixture
def org() -> Iterator[LocalOrg]:
    org = new_org()
    with org.mock():
        yield org


def counts(org: LocalOrg) -> dict[str, int]:
    return {s: org.count(s) for s in SOBJECTS}


def assert_all_ok(report: WriteReport) -> None:
    failures = [(o.key, str(o.failure)) for o in report.outcomes if o.failure]
    assert not failures, failures


def test_sample_feed_written_then_replayed_without_duplicates(org: LocalOrg) -> None:
    plans = sample_plans()
    org.insert("Contact", LastName="Morales", Twitter_Handle__c="dmorales")
    writer = connect(org)
    first = writer.write(plans)
    assert_all_ok(first)
    after_first = counts(org)
    assert after_first["Case"] > 5 and after_first["Task"] == 20 - 2  # noise posts write nothing
    writer.begin_pass()
    second = writer.write(plans)
    assert_all_ok(second)
    assert counts(org) == after_first
    assert second.ids == first.ids
    statuses = {o.status for o in second.outcomes}
    assert Status.CREATED not in statuses
    fresh = connect(org)  # a lost local database: no ledger, no cache
    third = fresh.write(plans)
    assert_all_ok(third)
    assert counts(org) == after_first and third.ids == first.ids


def test_agents_edits_survive_a_replay(org: LocalOrg) -> None:
    agent = org.add_user("agent@acme.example", "Agent")
    writer = connect(org)
    first = writer.write([case_plan("1", handle="dana"), lead_plan("2", handle="lee")])
    assert_all_ok(first)
    case_id = first.ids["twitter:thread:1"]
    lead_id = first.ids["twitter:user:u-lee"]
    task_id = first.ids["twitter:1"]
    org.update_record(
        "Case", case_id, Status="Working", OwnerId=agent, Subject="Edited by agent", Priority="High"
    )
    org.update_record(
        "Lead", lead_id, Status="Working - Contacted", OwnerId=agent, LastName="Lee-Smith"
    )
    org.update_record("Task", task_id, Status="Completed", Subject="Called back")
    writer.begin_pass()
    replay = writer.write(
        [
            case_plan("1", handle="dana_renamed", subject="a different subject"),
            lead_plan("2", handle="lee", followers=9_999),
        ]
    )
    assert_all_ok(replay)
    case = org.record("Case", case_id)
    assert case is not None
    assert (case["Status"], case["OwnerId"], case["Subject"], case["Priority"]) == (
        "Working",
        agent,
        "Edited by agent",
        "High",
    )
    assert case["Social_Handle__c"] == "dana_renamed"  # sync-owned: refreshed
    lead = org.record("Lead", lead_id)
    assert lead is not None
    assert (lead["Status"], lead["OwnerId"], lead["LastName"]) == (
        "Working - Contacted",
        agent,
        "Lee-Smith",
    )
    assert lead["Social_Followers__c"] == 9_999
    task = org.record("Task", task_id)
    assert task is not None and task["Subject"] == "Called back"


def test_known_contact_and_queue_owner_in_the_org(org: LocalOrg) -> None:
    contact = org.insert("Contact", LastName="Lee", Twitter_Handle__c="Lee")
    writer = connect(org)
    report = writer.write([lead_plan("5", handle="lee"), case_plan("6", handle="lee")])
    assert_all_ok(report)
    assert org.count("Lead") == 0
    [task_5] = org.find("Task", "Social_Post_Key__c", "twitter:5")
    assert task_5["WhoId"] == contact and task_5["WhatId"] is None
    [case] = org.records("Case")
    assert case["ContactId"] == contact
    [queue] = org.find("Group", "DeveloperName", "Social_Technical_Support")
    assert case["OwnerId"] == queue["Id"]
    assert org.record("Contact", contact)["Social_Followers__c"] == 500  # type: ignore[index]


def test_praise_hangs_on_an_existing_lead(org: LocalOrg) -> None:
    writer = connect(org)
    ids = writer.write([lead_plan("1", handle="fan")]).ids
    lead_id = ids["twitter:user:u-fan"]
    writer.begin_pass()
    assert_all_ok(writer.write([praise_plan("2", handle="fan")], known_ids=ids))
    [task] = org.find("Task", "Social_Post_Key__c", "twitter:2")
    assert task["WhoId"] == lead_id and task["WhatId"] is None


def test_praise_after_a_lead_in_the_same_batch_hangs_on_it_as_a_batch_later(
    org: LocalOrg,
) -> None:
    writer = connect(org)
    report = writer.write([lead_plan("1", handle="fan"), praise_plan("2", handle="fan")])
    assert_all_ok(report)
    [task] = org.find("Task", "Social_Post_Key__c", "twitter:2")
    assert task["WhoId"] == report.ids["twitter:user:u-fan"]


def test_praise_before_the_lead_in_the_same_batch_hangs_on_nothing(org: LocalOrg) -> None:
    """As when the praise is pushed a batch before the Lead exists: order decides."""
    writer = connect(org)
    assert_all_ok(writer.write([praise_plan("1", handle="fan"), lead_plan("2", handle="fan")]))
    [task] = org.find("Task", "Social_Post_Key__c", "twitter:1")
    assert task["WhoId"] is None


def test_hostile_handles_are_data(org: LocalOrg) -> None:
    org.insert("Contact", LastName="O'Brien", Twitter_Handle__c="o'brien")
    writer = connect(org)
    report = writer.write(
        [praise_plan("1", handle="o'brien"), praise_plan("2", handle="x' OR Name LIKE '%")]
    )
    assert_all_ok(report)
    obrien = org.find("Task", "Social_Post_Key__c", "twitter:1")[0]
    hostile = org.find("Task", "Social_Post_Key__c", "twitter:2")[0]
    assert obrien["WhoId"] is not None
    assert hostile["WhoId"] is None  # matched nobody: the quote did not escape


def test_faults_everything_lands_exactly_once(org: LocalOrg) -> None:
    org.faults.add(FaultKind.UNABLE_TO_LOCK_ROW, 0.2)
    org.faults.add(FaultKind.SERVER_UNAVAILABLE, 0.15)
    org.faults.add(FaultKind.LOST_ANSWER, 0.1, path="composite/sobjects")
    org.faults.add(FaultKind.CONCURRENT_REQUESTS, 0.05)
    writer = connect(org)
    plans = [case_plan(str(n), handle=f"h{n % 40}") for n in range(300)]
    pending = plans
    for _ in range(5):
        report = writer.write(pending)
        assert not any(r.permanent for r in report.results)
        pending = [r.plan for r in report.results if not r.ok]
        if not pending:
            break
    assert not pending
    assert org.count("Case") == 300 and org.count("Task") == 300
    assert len(org.faults.injected) > 10


def test_schema_rejections_are_permanent_and_spare_the_rest(org: LocalOrg) -> None:
    writer = connect(org)
    bad = case_plan("1", segment="Bogus Segment")
    odd_origin = case_plan("2", origin="Carrier Pigeon")  # standard picklist: accepted
    report = writer.write([bad, odd_origin, case_plan("3")])
    rejected = report.results[0].outcomes[0].failure
    assert rejected is not None and not rejected.transient
    assert rejected.code == "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"
    assert "Social_Segment__c" in rejected.fields
    assert report.results[1].ok and report.results[2].ok
    assert org.count("Case") == 2


def test_org_missing_our_metadata_fails_permanently_naming_the_field() -> None:
    org = new_org(custom_fields=False)
    with org.mock():
        report = connect(org).write([case_plan("1")])
    for outcome in report.results[0].outcomes:
        failure = outcome.failure
        assert failure is not None and failure.code == "INVALID_FIELD" and not failure.transient
        assert "No such column" in failure.message and "__c" in failure.message
    assert report.results[0].permanent
    assert org.count("Case") == 0
    with org.mock():  # without identity lookup, the Case key query names its own field
        quiet = connect(org, identity_lookup=False).write([case_plan("1")])
    failure = quiet.results[0].outcomes[0].failure
    assert failure is not None and failure.code == "INVALID_FIELD"
    assert "Social_Thread_Key__c" in failure.message


def test_session_expiring_mid_pass_is_renewed_once(org: LocalOrg) -> None:
    writer = connect(org)
    assert_all_ok(writer.write([case_plan("1")]))
    issued = org.sessions.issued
    org.expire_sessions()
    assert_all_ok(writer.write([case_plan("2")]))
    assert org.sessions.issued == issued + 1


def test_budget_pause_and_resume(org: LocalOrg) -> None:
    clock = [0.0]
    writer = SalesforceWriter.connect(
        client_credentials(),
        WriterConfig(retry=RetryPolicy.instant()),
        budget=BudgetPolicy(ceiling=0.9, recheck_seconds=120),
        http=requests.Session(),
        clock=lambda: clock[0],
    )
    org.api_usage = 13_600
    report = writer.write([case_plan("1")])
    assert report.stopped is not None and "13,60" in report.stopped
    assert org.count("Case") == 0
    org.api_usage = 2_000
    clock[0] += 120
    resumed = writer.write([case_plan("1")])
    assert_all_ok(resumed)
    assert org.count("Case") == 1


def test_bulk_path_above_the_threshold(org: LocalOrg) -> None:
    writer = connect(org, bulk_threshold=50)
    plans = [case_plan(str(n)) for n in range(120)]
    report = writer.write(plans)
    assert_all_ok(report)
    assert org.count("Case") == 120 and org.count("Task") == 120
    assert org.call_count(path="/jobs/ingest") > 0
    assert not org.call_count(path="/composite/sobjects/Case")
    case_id = report.ids["twitter:thread:7"]
    assert org.record("Task", report.ids["twitter:7"])["WhatId"] == case_id  # type: ignore[index]
    org.update_record("Case", case_id, Status="Escalated", Subject="agent")
    writer.begin_pass()
    replay = writer.write([case_plan(str(n), handle="renamed") for n in range(120)])
    assert_all_ok(replay)
    case = org.record("Case", case_id)
    assert case is not None and (case["Status"], case["Subject"]) == ("Escalated", "agent")
    assert case["Social_Handle__c"] == "renamed"
    assert org.count("Case") == 120


def test_bulk_rows_failing_are_mapped_back(org: LocalOrg) -> None:
    writer = connect(org, bulk_threshold=10)
    plans = [case_plan(str(n)) for n in range(30)]
    plans[4] = case_plan("4", segment="Bogus Segment")
    org.faults.next(FaultKind.UNABLE_TO_LOCK_ROW, times=3, path="jobs/ingest")
    report = writer.write(plans)
    bad = report.results[4].outcomes[0].failure
    assert bad is not None and bad.code == "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"
    assert sum(1 for r in report.results if r.ok) == 29
    assert org.count("Case") == 29


def test_bulk_sized_batches_keep_every_text_exactly(org: LocalOrg) -> None:
    """A lone CR is quoted (it broke the row); ``#N/A`` (null in bulk CSV) goes by REST."""
    writer = connect(org, bulk_threshold=10)
    hostile = ["#N/A", "cr\ronly", "crlf\r\nend", 'say "hi", ok', "tab\tend"]
    plans = [case_plan(str(n), handle=f"h{n}") for n in range(30)]
    for n, text in enumerate(hostile):
        plans[n] = case_plan(str(n), handle=text)
    report = writer.write(plans)
    assert_all_ok(report)
    assert org.count("Case") == 30
    for n, text in enumerate(hostile):
        case = org.record("Case", report.ids[f"twitter:thread:{n}"])
        assert case is not None and case["Social_Handle__c"] == text, repr(text)
    assert [job.state for job in org.bulk.jobs.values()] == ["JobComplete"] * 2  # Case, Task
    assert [len(job.successes) for job in org.bulk.jobs.values()] == [29, 30], "#N/A by REST"


def test_a_bulk_close_whose_answer_is_lost_goes_on(org: LocalOrg) -> None:
    """The retried close finds the job closed already (INVALIDJOBSTATE): not a failure."""
    writer = connect(org, bulk_threshold=10)
    org.faults.next(FaultKind.LOST_ANSWER, method="PATCH", path="jobs/ingest")
    report = writer.write([case_plan(str(n)) for n in range(30)])
    assert_all_ok(report)
    assert org.count("Case") == 30 and org.count("Task") == 30
    assert [f.kind for f in org.faults.injected] == [FaultKind.LOST_ANSWER]


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[LocalOrg, Any]]:
    org = new_org()
    with org.serve() as server:
        yield org, server


def test_over_https_on_loopback(
    served: tuple[LocalOrg, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    org, server = served
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(server.ca_file))
    http = requests.Session()
    settings = SalesforceSettings(
        instance_url=server.url, access_token=SecretStr(org.access_token), timeout=10
    )
    writer = SalesforceWriter.connect(
        settings, WriterConfig(retry=RetryPolicy.instant()), http=http
    )
    plans = sample_plans()
    first = writer.write(plans)
    assert_all_ok(first)
    before = counts(org)
    org.faults.next(FaultKind.DROP, times=2)
    writer.begin_pass()
    second = writer.write(plans)
    assert_all_ok(second)
    assert counts(org) == before and second.ids == first.ids


def test_a_lead_the_ledger_does_not_know_gets_no_task(org: LocalOrg) -> None:
    """It may be a later post's, sent before a crash: linking would depend on the crash."""
    writer = connect(org)
    writer.write([lead_plan("3", handle="fan")])
    writer.begin_pass()  # a new process: the ledger never settled the Lead
    assert_all_ok(writer.write([praise_plan("2", handle="fan")]))
    [task] = org.find("Task", "Social_Post_Key__c", "twitter:2")
    assert task["WhoId"] is None

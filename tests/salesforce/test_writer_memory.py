"""The writer's logic on the in-memory org: merging, existence, identity, queues, outcomes."""

from __future__ import annotations

from sf_social.salesforce import RetryPolicy, Status, WriterConfig
from sf_social.testing import InMemoryOrg, InMemoryWriter
from tests.salesforce.plans import QUEUE, case_plan, lead_plan, praise_plan, reply_plan


def writer(**config: object) -> InMemoryWriter:
    org = InMemoryOrg()
    for queue in (QUEUE, "Social_Sales"):
        org.add_queue(queue)
    settings = WriterConfig(retry=RetryPolicy.instant(), read_limits_at_start=False, **config)  # type: ignore[arg-type]
    return InMemoryWriter(org, settings)


def test_plans_sharing_a_key_are_merged_into_one_record() -> None:
    w = writer()
    first = case_plan("1", thread="1", subject="first subject", handle="dana")
    second = case_plan("2", thread="1", subject="second subject", handle="dana2")
    report = w.write([first, second])
    cases = w.org.records["Case"]
    assert len(cases) == 1
    [case] = cases.values()
    assert case["Subject"] == "first subject"  # insert-only: the first post's
    assert case["Social_Handle__c"] == "dana2"  # sync-owned: the newest
    assert case["OwnerId"] == w.queues.resolve(QUEUE)
    ids = {r.outcomes[0].id for r in report.results}
    assert ids == {case["Id"]}
    assert [r.outcomes[0].status for r in report.results] == [Status.CREATED, Status.CREATED]
    upserts = [c for c in w.org.calls if c.startswith("upsert Case")]
    assert upserts == ["upsert Case"]  # one record, one call
    tasks = w.org.records["Task"].values()
    assert {t["WhatId"] for t in tasks} == {case["Id"]}  # Tasks hang on the Case by its Id


def test_existing_records_get_sync_fields_only() -> None:
    w = writer()
    w.write([case_plan("1")])
    [case] = w.org.records["Case"].values()
    case.update(Status="Escalated", Subject="agent's subject", OwnerId="005AGENT", Priority="High")
    w.begin_pass()
    newer = case_plan("2", thread="1", subject="new subject", handle="dana_new")
    report = w.write([newer])
    assert report.results[0].outcomes[0].status is Status.UPDATED
    assert case["Status"] == "Escalated"
    assert case["Subject"] == "agent's subject"
    assert case["OwnerId"] == "005AGENT"
    assert case["Priority"] == "High"
    assert case["Social_Handle__c"] == "dana_new"
    assert case["Social_Post_URL__c"].endswith("/2")


def test_ledger_ids_spare_the_key_query() -> None:
    w = writer()
    first = w.write([case_plan("1")])
    w.begin_pass()
    before = len(w.org.lookups)
    report = w.write([case_plan("1")], known_ids=first.ids)
    asked = {lookup.sobject for lookup in w.org.lookups[before:]}
    assert asked == {"Contact"}  # identity only: no Case, Task or Lead key query
    assert [o.status for o in report.results[0].outcomes] == [Status.UPDATED, Status.UPDATED]
    quiet = writer(identity_lookup=False)
    ids = quiet.write([case_plan("1")]).ids
    calls = len(quiet.org.calls)
    quiet.begin_pass()
    quiet.write([case_plan("1")], known_ids=ids)
    assert not any("query" in c for c in quiet.org.calls[calls:])


def test_update_only_never_creates() -> None:
    w = writer()
    report = w.write([reply_plan("9", thread="404")])
    first_response, task = report.results[0].outcomes
    assert first_response.status is Status.SKIPPED
    assert first_response.note is not None and "update-only" in first_response.note
    assert "Case" not in w.org.records
    assert task.status is Status.CREATED
    assert task.note is not None and "without it" in task.note  # no Case: Task unlinked
    w.write([case_plan("1", thread="404")])
    w.begin_pass()
    again = w.write([reply_plan("10", thread="404")])
    assert again.results[0].outcomes[0].status is Status.UPDATED
    [case] = w.org.records["Case"].values()
    assert case["Social_First_Response__c"].startswith("2026-11-20T10:00")


def test_known_contact_gets_no_lead_and_the_task() -> None:
    w = writer()
    contact = w.org.add("Contact", LastName="Lee", Twitter_Handle__c="LEE")
    report = w.write([lead_plan("5", handle="lee", followers=777)])
    lead, task, refresh = report.results[0].outcomes
    assert task.status is Status.CREATED
    assert lead.status is Status.SKIPPED and lead.note is not None and contact in lead.note
    assert "Lead" not in w.org.records
    [written] = w.org.records["Task"].values()
    assert written["WhoId"] == contact and "WhatId" not in written
    assert refresh.sobject == "Contact" and refresh.status is Status.UPDATED
    assert w.org.records["Contact"][contact]["Social_Followers__c"] == 777
    assert any("known Contact" in n for n in report.results[0].notes)


def test_known_contact_is_linked_to_a_new_case() -> None:
    w = writer()
    contact = w.org.add("Contact", LastName="Dana", Email="x@y.z", Twitter_Handle__c="dana")
    w.write([case_plan("1", handle="dana")])
    [case] = w.org.records["Case"].values()
    assert case["ContactId"] == contact
    [task] = w.org.records["Task"].values()
    assert task["WhoId"] == contact and task["WhatId"] == case["Id"]


def test_best_evidence_wins_and_ambiguity_is_noted() -> None:
    w = writer()
    w.org.add("Contact", LastName="Other", Social_Handle__c="pat")
    twin_a = w.org.add("Contact", LastName="Pat A", Twitter_Handle__c="pat")
    w.org.add("Contact", LastName="Pat B", Twitter_Handle__c="Pat")
    report = w.write([praise_plan("7", handle="pat")])
    [task] = w.org.records["Task"].values()
    assert task["WhoId"] == twin_a  # Social_Handle__c is no evidence (any network); lowest Id
    assert any("2 Contacts match" in n for n in report.results[0].notes)


def test_praise_from_a_known_lead_hangs_on_the_lead() -> None:
    w = writer()
    written = w.write([lead_plan("5", handle="lee")])
    [lead] = w.org.records["Lead"].values()
    w.begin_pass()
    w.write([praise_plan("6", handle="lee")], known_ids=written.ids)  # as the ledger does
    task = w.org.by_key("Task", "twitter:6")
    assert task is not None and task["WhoId"] == lead["Id"] and "WhatId" not in task


def test_identity_lookups_are_batched_and_cached_for_the_pass() -> None:
    w = writer()
    plans = [praise_plan(str(n), handle=f"fan{n % 50}") for n in range(300)]
    w.write(plans[:150])
    queries = [c for c in w.org.calls if "query" in c]
    assert len(queries) == 1  # one Composite call: Task keys + Contacts + Lead keys
    w.write(plans[150:])
    assert len([c for c in w.org.calls if "query" in c]) == 2  # new Task keys only
    w.begin_pass()


def test_unknown_queue_is_a_permanent_failure_naming_it() -> None:
    w = writer()
    report = w.write([case_plan("1", queue="Social_Nowhere")])
    case, task = report.results[0].outcomes
    assert case.failure is not None and case.failure.code == "UNKNOWN_QUEUE"
    assert not case.failure.transient and "Social_Nowhere" in case.failure.message
    assert task.failure is not None and task.failure.code == "PARENT_FAILED"
    assert not task.failure.transient
    assert report.results[0].permanent
    assert "Case" not in w.org.records


def test_transient_record_failure_retried_until_it_passes() -> None:
    w = writer()
    w.org.fail_record("twitter:thread:1", "UNABLE_TO_LOCK_ROW", times=2)
    report = w.write([case_plan("1"), case_plan("2")])
    assert all(r.ok for r in report.results)
    assert len(w.org.records["Case"]) == 2


def test_transient_failure_beyond_the_attempts_is_reported_transient() -> None:
    w = writer()
    w.org.fail_record("twitter:thread:1", "UNABLE_TO_LOCK_ROW", times=99)
    report = w.write([case_plan("1"), case_plan("2")])
    first, second = report.results
    assert first.retryable and not first.ok
    assert first.outcomes[0].failure is not None
    assert first.outcomes[0].failure.code == "UNABLE_TO_LOCK_ROW"
    assert first.outcomes[1].failure is not None
    assert first.outcomes[1].failure.code == "PARENT_FAILED" and first.outcomes[1].failure.transient
    assert second.ok


def test_budget_ceiling_pauses_and_defers() -> None:
    w = writer()
    w.org.daily_limit = 100
    w.org.used = 95
    report = w.write([case_plan(str(n)) for n in range(3)])
    assert report.stopped is not None and "writes paused" in report.stopped
    failures = [o.failure for o in report.outcomes]
    assert all(f is not None and f.code == "API_BUDGET_PAUSED" and f.transient for f in failures)
    assert all(r.retryable for r in report.results)


def test_report_ids_feed_the_ledger() -> None:
    w = writer()
    report = w.write([case_plan("1"), lead_plan("2")])
    assert set(report.ids) == {"twitter:thread:1", "twitter:1", "twitter:user:u-lee", "twitter:2"}
    assert report.ids["twitter:thread:1"] == w.org.records["Case"].popitem()[0]


def test_big_batches_insert_first_instead_of_querying_keys() -> None:
    w = writer(bulk_threshold=5)
    w.write([case_plan("1"), case_plan("2")])
    for case in w.org.records["Case"].values():
        case.update(Status="Escalated", Subject="agent's")
    w.begin_pass()
    before = len(w.org.lookups)
    report = w.write([case_plan(str(n), handle="renamed") for n in range(1, 21)])
    assert all(r.ok for r in report.results)
    asked = {lookup.sobject for lookup in w.org.lookups[before:]}
    assert "Case" not in asked and "Task" not in asked  # the inserts told what exists
    assert any(c.startswith("bulk insert") for c in w.org.calls)
    assert len(w.org.records["Case"]) == 20 and len(w.org.records["Task"]) == 20
    first = w.org.by_key("Case", "twitter:thread:1")
    assert first is not None
    assert (first["Status"], first["Subject"], first["Social_Handle__c"]) == (
        "Escalated",
        "agent's",
        "renamed",
    )
    statuses = [r.outcomes[0].status for r in report.results]
    assert statuses[:2] == [Status.UPDATED, Status.UPDATED]
    assert set(statuses[2:]) == {Status.CREATED}


def test_insert_first_failing_transiently_falls_back_to_a_key_query() -> None:
    w = writer(bulk_threshold=5)
    w.org.fail_record("twitter:thread:3", "UNABLE_TO_LOCK_ROW")
    report = w.write([case_plan(str(n)) for n in range(10)])
    assert all(r.ok for r in report.results)
    case_lookups = [lk for lk in w.org.lookups if lk.sobject == "Case"]
    assert [lk.any_in["Social_Thread_Key__c"] for lk in case_lookups] == [("twitter:thread:3",)]
    assert len(w.org.records["Case"]) == 10


def test_without_a_unique_key_big_batches_query_keys() -> None:
    w = writer(bulk_threshold=5)
    w.org.unique_key = lambda sobject, key_field: False  # type: ignore[method-assign]
    report = w.write([case_plan(str(n)) for n in range(10)])
    assert all(r.ok for r in report.results)
    assert {lk.sobject for lk in w.org.lookups} >= {"Case", "Task"}
    assert not any(c.startswith("bulk insert") for c in w.org.calls)
    assert any(c.startswith("bulk create") for c in w.org.calls)  # bulk upsert instead


def test_engine_overrides_apply_even_to_existing_records() -> None:
    w = writer()
    w.write([case_plan("1")])
    [case] = w.org.records["Case"].values()
    case.update(Status="Closed", Subject="agent's subject")
    w.begin_pass()
    reopen = case_plan("2", thread="1")
    write = reopen.writes[0].model_copy(update={"overrides": {"Status": "New"}})
    reopen = reopen.model_copy(update={"writes": [write, reopen.writes[1]]})
    report = w.write([reopen])
    assert report.results[0].ok
    assert (case["Status"], case["Subject"]) == ("New", "agent's subject")
    created = w.write([case_plan("9")]).ids["twitter:thread:9"]
    assert w.org.records["Case"][created]["Status"] == "New"

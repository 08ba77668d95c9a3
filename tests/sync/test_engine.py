"""sync_pass end to end on the in-memory twins: records, idempotence, threading, failures."""

from __future__ import annotations

from sf_social.sync.passes import intake_pass, sync_pass
from tests.sync.conftest import Rig, tweet

COMPLAINT = "@NorthwindHelp the app keeps crashing when I deposit a check #fail"


def test_a_pass_writes_the_planned_records_and_a_replay_writes_nothing_new(rig: Rig) -> None:
    rig.feed(
        tweet("1", COMPLAINT),
        tweet("2", "love the new budgeting tab, thank you @NorthwindBank!"),
        tweet(
            "3",
            "thinking of switching from contoso, how do i open a business account?",
            author={"id": "u9", "handle": "priya", "name": "Priya Raman", "followers": 2400},
        ),
    )
    report = sync_pass(rig.engine)
    assert report.push.written == 3 and report.push.dead == 0
    (case,) = rig.records("Case")
    assert case["Social_Thread_Key__c"] == "twitter:thread:1"
    assert case["Origin"] == "Twitter" and case["Social_Complaint__c"] is True
    (lead,) = rig.records("Lead")
    assert lead["Social_Profile_Key__c"] == "twitter:user:u9"
    assert len(rig.records("Task")) == 3
    calls = rig.org.api_calls

    rig.source.posts[:] = list(rig.source.posts)  # the same feed, read again from scratch
    rig.store.commit_batch("feed", {"served": 0}, [], [])
    again = sync_pass(rig.engine)
    assert again.intake["feed"].duplicates == 3 and again.intake["feed"].queued == 0
    assert len(rig.records("Case")) == 1 and len(rig.records("Task")) == 3
    assert rig.org.api_calls == calls


def test_a_reply_in_a_known_conversation_is_a_task_on_its_case(rig: Rig) -> None:
    rig.feed(tweet("1", COMPLAINT))
    sync_pass(rig.engine)
    rig.feed(tweet("2", "still crashing on iOS 18 #fail", conversation_id="1", in_reply_to_id="1"))
    sync_pass(rig.engine)
    (case,) = rig.records("Case")
    tasks = {t["Social_Post_Key__c"]: t for t in rig.records("Task")}
    assert tasks["twitter:2"]["WhatId"] == case["Id"]


def test_agents_edits_survive_new_posts_in_the_thread(rig: Rig) -> None:
    rig.feed(tweet("1", COMPLAINT))
    sync_pass(rig.engine)
    (case,) = rig.records("Case")
    case.update(Status="Working", Priority="Low", Subject="Mobile deposit crash (agent)")
    rig.feed(tweet("2", "any update? still broken", conversation_id="1", in_reply_to_id="1"))
    sync_pass(rig.engine)
    (case,) = rig.records("Case")
    assert (case["Status"], case["Priority"]) == ("Working", "Low")
    assert case["Subject"] == "Mobile deposit crash (agent)"
    assert case["Social_Post_URL__c"] == "https://x.com/dana/status/2"


def test_a_case_closed_recently_is_reopened(rig: Rig) -> None:
    rig.feed(tweet("1", COMPLAINT))
    sync_pass(rig.engine)
    (case,) = rig.records("Case")
    case.update(Status="Closed", IsClosed=True, ClosedDate="2026-11-19T09:00:00.000+0000")
    rig.feed(tweet("2", "it's broken again #fail", conversation_id="1", in_reply_to_id="1"))
    sync_pass(rig.engine)
    (case,) = rig.records("Case")
    assert case["Status"] == "New"


def test_a_post_older_than_the_close_leaves_the_case_closed(rig: Rig) -> None:
    """A replay, a late import or a retry of a post the agent saw before closing."""
    rig.feed(tweet("1", COMPLAINT))
    sync_pass(rig.engine)
    (case,) = rig.records("Case")
    case.update(Status="Closed", IsClosed=True, ClosedDate="2026-11-20T11:30:00.000+0000")
    late = tweet(
        "2",
        "it's broken again #fail",
        conversation_id="1",
        in_reply_to_id="1",
        created_at="2026-11-20T11:10:00Z",
    )
    rig.feed(late)
    sync_pass(rig.engine)
    (case,) = rig.records("Case")
    assert case["Status"] == "Closed"
    task = next(t for t in rig.records("Task") if t["Social_Post_Key__c"] == "twitter:2")
    assert task["WhatId"] == case["Id"]


def test_a_case_closed_long_ago_starts_the_next_generation(rig: Rig) -> None:
    rig.feed(tweet("1", COMPLAINT))
    sync_pass(rig.engine)
    (first,) = rig.records("Case")
    first.update(Status="Closed", IsClosed=True, ClosedDate="2026-11-01T09:00:00.000+0000")
    rig.feed(tweet("2", "crashing again #fail", conversation_id="1", in_reply_to_id="1"))
    sync_pass(rig.engine)
    cases = {c["Social_Thread_Key__c"]: c for c in rig.records("Case")}
    assert set(cases) == {"twitter:thread:1", "twitter:thread:1#2"}
    assert cases["twitter:thread:1"]["Status"] == "Closed"
    task = next(t for t in rig.records("Task") if t["Social_Post_Key__c"] == "twitter:2")
    assert task["WhatId"] == cases["twitter:thread:1#2"]["Id"]
    # The next reply follows the thread's current generation without asking again.
    rig.feed(tweet("3", "hello??", conversation_id="1", in_reply_to_id="2"))
    sync_pass(rig.engine)
    task = next(t for t in rig.records("Task") if t["Social_Post_Key__c"] == "twitter:3")
    assert task["WhatId"] == cases["twitter:thread:1#2"]["Id"]
    assert len(rig.records("Case")) == 2


def test_our_reply_logs_a_tweeted_task_and_the_first_response_once(rig: Rig) -> None:
    rig.feed(tweet("1", COMPLAINT))
    sync_pass(rig.engine)
    ours = {"id": "b1", "handle": "NorthwindHelp", "followers": 50_000}
    rig.feed(
        tweet(
            "2",
            "So sorry! Please DM us.",
            conversation_id="1",
            in_reply_to_id="1",
            direction="outbound",
            author=ours,
            created_at="2026-11-20T11:20:00Z",
        ),
        tweet(
            "3",
            "DM sent, thanks",
            conversation_id="1",
            in_reply_to_id="1",
            direction="outbound",
            author=ours,
            created_at="2026-11-20T11:30:00Z",
        ),
    )
    sync_pass(rig.engine)
    (case,) = rig.records("Case")
    assert case["Social_First_Response__c"].startswith("2026-11-20T11:20:00")
    replies = [t for t in rig.records("Task") if t.get("Social_Direction__c") == "Outbound"]
    assert {t["Subject"] for t in replies} == {"Tweeted"}
    assert all(t["WhatId"] == case["Id"] for t in replies)


def test_transient_failures_are_retried_later_permanent_ones_dead_lettered(rig: Rig) -> None:
    rig.org.fail_record("twitter:thread:1", "UNABLE_TO_LOCK_ROW", times=99)
    rig.org.fail_record("twitter:thread:2", "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", times=1)
    rig.feed(tweet("1", COMPLAINT), tweet("2", "@NorthwindHelp can't log in, error 503 #fail"))
    report = sync_pass(rig.engine)
    assert report.push.dead == 1 and report.push.retried == 1
    (dead,) = rig.store.dead_letters()
    assert dead.code == "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"
    rig.org.fail_record("twitter:thread:1", "UNABLE_TO_LOCK_ROW", times=0)
    assert sync_pass(rig.engine).push.written == 0  # not due yet: backoff
    rig.advance(minutes=5)
    assert sync_pass(rig.engine).push.written == 1
    # The admin fixed the picklist: the dead letter is retried and lands.
    fixed = "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"
    assert rig.store.retry_dead_letters(code=fixed, now=rig.clock()) == 1
    assert sync_pass(rig.engine).push.written == 1
    assert {c["Social_Thread_Key__c"] for c in rig.records("Case")} == {
        "twitter:thread:1",
        "twitter:thread:2",
    }


def test_a_failing_source_does_not_stop_the_others(rig: Rig) -> None:
    from sf_social.errors import InputError

    class Broken:
        name = "broken"

        def pull(self, cursor: object) -> list[object]:
            raise InputError("feed.jsonl: cannot open the feed")

    rig.engine.sources.insert(0, Broken())  # type: ignore[arg-type]
    rig.feed(tweet("1", COMPLAINT))
    report = sync_pass(rig.engine)
    assert "cannot open" in report.errors["broken"]
    assert report.push.written == 1
    assert "errors=broken" in report.summary()


def test_a_long_thread_goes_out_in_one_round_in_order(rig: Rig) -> None:
    replies = [
        tweet(
            str(n),
            f"update {n}: still broken #fail",
            conversation_id="1",
            in_reply_to_id=str(n - 1),
            created_at=f"2026-11-20T11:{n:02d}:00Z",
        )
        for n in range(2, 12)
    ]
    rig.feed(tweet("1", COMPLAINT), *reversed(replies))  # a source may deliver newest first
    report = sync_pass(rig.engine)
    assert report.push.written == 11
    (case,) = rig.records("Case")
    assert case["Social_Post_URL__c"] == "https://x.com/dana/status/11"  # the latest post wins
    assert len(rig.records("Task")) == 11
    # one composite of the thread's Case status and the lookups, limits (once per pass), then
    # one collections call for the Case and one for the 11 Tasks: not one round per reply.
    assert report.push.api_calls == rig.org.api_calls == 4


def test_a_failed_read_of_the_batchs_cases_sends_nothing_and_the_batch_waits(rig: Rig) -> None:
    """Without the agents' closes the threading decision could be wrong: nothing is sent."""
    rig.feed(tweet("1", COMPLAINT))
    rig.org.fail_calls("SERVER_UNAVAILABLE", times=5)  # every try of the first call
    report = sync_pass(rig.engine)
    assert report.push.written == 0 and report.push.retried == 1 and report.push.dead == 0
    assert report.push.stopped is not None and "reading the batch's Cases" in report.push.stopped
    assert rig.records("Case") == [] and rig.org.calls == ["composite query"] * 5
    status = rig.store.status(now=rig.clock())
    assert (status.outbox_depth, status.outbox_leased, status.outbox_due) == (1, 0, 0)
    rig.advance(minutes=5)
    assert sync_pass(rig.engine).push.written == 1
    assert [c["Social_Thread_Key__c"] for c in rig.records("Case")] == ["twitter:thread:1"]


def test_a_paused_daily_budget_claims_nothing_and_spends_no_attempt(rig: Rig) -> None:
    rig.feed(tweet("1", COMPLAINT))
    rig.org.budget.observe_header("api-usage=99000/100000")  # past the 90% ceiling
    report = sync_pass(rig.engine)
    assert report.push.claimed == 0 and report.push.stopped is not None
    assert report.push.stopped.startswith("writes paused: 99,000 of 100,000")
    assert rig.org.calls == []
    rig.org.budget.observe_header("api-usage=100/100000")
    assert sync_pass(rig.engine).push.written == 1
    (entry,) = rig.store.ledger([("twitter", "1")]).values()
    assert entry.attempts == 1, "the paused passes spent no attempt"


def test_a_no_action_reply_in_a_thread_with_a_case_is_logged_on_it(rig: Rig) -> None:
    rig.feed(tweet("1", COMPLAINT))
    sync_pass(rig.engine)
    rig.feed(
        tweet("2", "ok", conversation_id="1", in_reply_to_id="1"),
        tweet("3", "thank you so much, you're amazing!", conversation_id="1", in_reply_to_id="1"),
    )
    report = sync_pass(rig.engine)
    assert report.intake["feed"].queued == 2
    (case,) = rig.records("Case")
    tasks = {t["Social_Post_Key__c"]: t for t in rig.records("Task")}
    assert tasks["twitter:2"]["WhatId"] == case["Id"]
    assert tasks["twitter:3"]["WhatId"] == case["Id"]


def test_a_no_action_dm_after_a_complaint_is_logged_on_its_case(rig: Rig) -> None:
    rig.feed(tweet("1", COMPLAINT))
    sync_pass(rig.engine)
    rig.feed(tweet("2", "ok sent", kind="direct_message", conversation_id="dm-9"))
    sync_pass(rig.engine)
    (case,) = rig.records("Case")
    task = next(t for t in rig.records("Task") if t["Social_Post_Key__c"] == "twitter:2")
    assert task["WhatId"] == case["Id"]


def test_a_reply_in_a_thread_without_a_case_stays_as_it_was(rig: Rig) -> None:
    rig.feed(tweet("1", "love the new budgeting tab, thank you @NorthwindBank!"))
    rig.feed(tweet("2", "ok", conversation_id="1", in_reply_to_id="1"))
    report = sync_pass(rig.engine)
    assert report.intake["feed"].queued == 1  # the praise; the "ok" has nothing to hang on
    assert rig.records("Case") == []


def test_a_reply_logged_on_its_threads_case_is_ordered_with_that_thread(rig: Rig) -> None:
    """Its Task points at the Case by key: it must never go out before the Case."""
    from datetime import timedelta

    rig.feed(
        tweet("1", COMPLAINT),
        tweet(
            "2", "ok", conversation_id="1", in_reply_to_id="1", created_at="2026-11-20T11:05:00Z"
        ),
    )
    intake_pass(rig.store, rig.engine.intake, rig.source)
    rows = rig.store.claim_outbox("w", 10, rig.clock(), timedelta(minutes=5), per_key=1)
    assert [r.post_key for r in rows] == ["twitter:1"]  # the reply waits behind the complaint
    assert rows[0].ordering_key == "twitter:thread:1"

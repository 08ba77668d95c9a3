"""Response times on the Case and in the thread state: minutes, overdue, due moved earlier."""

from __future__ import annotations

from datetime import UTC, datetime, time
from typing import Any

from sf_social.business_hours import BusinessHours
from sf_social.pipeline import Pipeline
from sf_social.playbook import load_playbook
from sf_social.posts import SocialPost
from sf_social.sources.memory import MemorySource
from sf_social.state import MemoryStateStore
from sf_social.sync.engine import SyncEngine
from sf_social.sync.passes import sync_pass
from sf_social.sync.push import PushPolicy
from sf_social.testing import InMemoryOrg, InMemoryWriter
from tests.sync.conftest import QUEUES, Rig, tweet

ROOT = "twitter:thread:1"
MONDAY = datetime(2026, 11, 23, 9, 10, tzinfo=UTC)
COMPLAINT = "@NorthwindHelp the app keeps crashing when I deposit a check #fail"  # due in 60 min
QUESTION = "@NorthwindBank how do I change my mailing address in the app?"  # due in a day
FRAUD = "@NorthwindHelp someone made unauthorized charges on my card, this is fraud"  # 30 min


def at(clock: str) -> str:
    return f"2026-11-20T{clock}:00Z"


def reply(post_id: str, clock: str) -> SocialPost:
    ours = {"id": "b1", "handle": "NorthwindHelp", "followers": 50_000}
    return tweet(
        post_id,
        "So sorry! Please DM us.",
        conversation_id="1",
        in_reply_to_id="1",
        direction="outbound",
        author=ours,
        created_at=at(clock),
    )


def follow_up(post_id: str, text: str, clock: str) -> SocialPost:
    return tweet(post_id, text, conversation_id="1", in_reply_to_id="1", created_at=at(clock))


def case(rig: Rig) -> dict[str, Any]:
    (found,) = rig.records("Case")
    return found


def test_the_first_reply_sets_the_minutes_it_took_once(rig: Rig) -> None:
    rig.feed(tweet("1", COMPLAINT, created_at=at("11:00")), reply("2", "11:20"))
    sync_pass(rig.engine)
    rig.feed(reply("3", "11:45"))
    sync_pass(rig.engine)
    found = case(rig)
    assert found["Social_Response_Minutes__c"] == 20
    assert found["Social_Response_Overdue__c"] is False
    thread = rig.store.threads([ROOT])[ROOT]
    assert thread.opened_at == datetime(2026, 11, 20, 11, 0, tzinfo=UTC)
    assert thread.response_due_at == datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
    assert thread.first_response_at == datetime(2026, 11, 20, 11, 20, tzinfo=UTC)
    assert (thread.segment, thread.team, thread.network, thread.tier) == (
        "Request",
        "Technical Support",
        "Twitter",
        "100+ Followers",
    )


def test_a_reply_after_the_due_time_marks_the_case_overdue(rig: Rig) -> None:
    rig.feed(tweet("1", COMPLAINT, created_at=at("11:00")))
    sync_pass(rig.engine)
    rig.feed(reply("2", "13:30"))
    sync_pass(rig.engine)
    found = case(rig)
    assert found["Social_Response_Minutes__c"] == 150
    assert found["Social_Response_Overdue__c"] is True


def test_rising_severity_moves_the_due_time_earlier_never_later(rig: Rig) -> None:
    rig.feed(tweet("1", QUESTION, created_at=at("09:00")))
    sync_pass(rig.engine)
    assert case(rig)["Social_Response_Due__c"].startswith("2026-11-21T09:00:00")
    rig.feed(follow_up("2", FRAUD, "10:00"))
    sync_pass(rig.engine)
    assert case(rig)["Social_Response_Due__c"].startswith("2026-11-20T10:30:00")
    rig.feed(follow_up("3", QUESTION, "10:10"), follow_up("4", COMPLAINT, "10:15"))
    sync_pass(rig.engine)
    assert case(rig)["Social_Response_Due__c"].startswith("2026-11-20T10:30:00")
    thread = rig.store.threads([ROOT])[ROOT]
    assert thread.response_due_at == datetime(2026, 11, 20, 10, 30, tzinfo=UTC)
    assert thread.segment == "Question"  # what opened the Case, as on the Case


def test_an_answered_case_keeps_its_due_time(rig: Rig) -> None:
    rig.feed(tweet("1", QUESTION, created_at=at("09:00")), reply("2", "09:30"))
    sync_pass(rig.engine)
    rig.feed(follow_up("3", FRAUD, "10:00"))
    sync_pass(rig.engine)
    assert case(rig)["Social_Response_Due__c"].startswith("2026-11-21T09:00:00")


def test_a_reply_before_the_case_opened_is_not_its_first_response(rig: Rig) -> None:
    praise = "love the new budgeting tab, thank you @NorthwindBank!"  # a Task, no Case
    rig.feed(
        tweet("1", praise, created_at=at("09:50")),
        reply("2", "10:00"),
        follow_up("3", COMPLAINT, "10:30"),  # opens the Case
        reply("4", "10:50"),
    )
    sync_pass(rig.engine)
    found = case(rig)
    assert found["Social_First_Response__c"].startswith("2026-11-20T10:50:00")
    assert found["Social_Response_Minutes__c"] == 20


def test_with_business_hours_the_minutes_are_working_minutes() -> None:
    book = load_playbook()
    hours = BusinessHours(timezone="UTC", start=time(9), end=time(17))
    targets = book.response_targets.model_copy(update={"business_hours": hours})
    book = book.model_copy(update={"response_targets": targets})
    org = InMemoryOrg()
    for queue in QUEUES:
        org.add_queue(queue)
    store = MemoryStateStore()
    source = MemorySource(name="feed")
    engine = SyncEngine(
        store, Pipeline(book), InMemoryWriter(org), org, [source], PushPolicy(), "test"
    )
    # Friday 2026-11-20 16:30: due Monday 09:30 (60 working minutes); answered Monday 09:10
    friday = tweet("1", COMPLAINT, created_at="2026-11-20T16:30:00Z")
    source.posts.extend([friday, reply("2", "11:00").model_copy(update={"created_at": MONDAY})])
    sync_pass(engine)
    (found,) = org.records["Case"].values()
    assert found["Social_Response_Due__c"].startswith("2026-11-23T09:30:00")
    assert found["Social_Response_Minutes__c"] == 40
    assert found["Social_Response_Overdue__c"] is False


def test_the_next_generation_of_a_thread_times_its_own_first_response(rig: Rig) -> None:
    rig.feed(tweet("1", COMPLAINT, created_at=at("09:00")), reply("2", "09:20"))
    sync_pass(rig.engine)
    (first,) = rig.records("Case")
    first.update(Status="Closed", IsClosed=True, ClosedDate="2026-11-01T09:00:00.000+0000")
    rig.feed(follow_up("3", "crashing again #fail", "11:00"))
    sync_pass(rig.engine)  # the Case was closed long ago: the thread's next Case opens
    rig.feed(reply("4", "11:30"))
    sync_pass(rig.engine)
    cases = {c["Social_Thread_Key__c"]: c for c in rig.records("Case")}
    assert cases[ROOT]["Social_Response_Minutes__c"] == 20
    second = cases[ROOT + "#2"]
    assert second["Social_First_Response__c"].startswith("2026-11-20T11:30:00")
    assert second["Social_Response_Minutes__c"] == 30
    thread = rig.store.threads([ROOT])[ROOT]
    assert (thread.case_key, thread.opened_at) == (
        ROOT + "#2",
        datetime(2026, 11, 20, 11, 0, tzinfo=UTC),
    )

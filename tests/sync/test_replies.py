"""The reply job against the local org and the local X: posted once, whatever happens."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import responses

from sf_social import crashpoints
from sf_social.salesforce.rest import RestOrgApi
from sf_social.social_reply import XTier
from sf_social.sync.replies import ReplyJob
from sf_social.testing import LocalOrg
from sf_social.testing.setup import ready_org
from sf_social.testing.x_posting import XPostingTwin, twin_poster
from tests.salesforce.test_writer_emulator import connect

US = "100"
LATER = timedelta(minutes=3)


@dataclass
class World:
    org: LocalOrg
    x: XPostingTwin
    api: RestOrgApi
    case_id: str

    def job(self, *, tier: XTier = XTier.BASIC, after: timedelta = timedelta(0)) -> ReplyJob:
        x = twin_poster(US, tier)
        return ReplyJob(self.api, self.api, [x], now=lambda: datetime.now(UTC) + after)

    def reply(self, body: str = "Sorry about the parcel, we're on it.", to: str = "555") -> str:
        return self.org.insert(
            "Social_Reply__c",
            Case__c=self.case_id,
            Reply_To_Key__c=f"twitter:{to}",
            Body__c=body,
            Status__c="Approved",
        )

    def record(self, reply_id: str) -> dict[str, Any]:
        return next(r for r in self.org.records("Social_Reply__c") if r["Id"] == reply_id)

    def tasks(self) -> list[dict[str, Any]]:
        return [t for t in self.org.records("Task") if t.get("Social_Direction__c") == "Outbound"]


@pytest.fixture
def world() -> Iterator[World]:
    org = ready_org()
    twin = XPostingTwin(me=US)
    twin.add_post("555", author_id="42", text="@acme my parcel is late", mentions=(US,))
    twin.add_post("556", author_id="43", text="acme parcels are always late")  # no mention
    mock = responses.RequestsMock(assert_all_requests_are_fired=False)
    with mock, org.mock(mock), twin.mock(mock):
        api = connect(org).api
        assert isinstance(api, RestOrgApi)
        case_id = org.insert("Case", Subject="late parcel", Origin="Twitter")
        yield World(org, twin, api, case_id)


class Crash(BaseException):
    """The process dies at a crash point (in-process: the pass stops there)."""


def crash_at(monkeypatch: pytest.MonkeyPatch, point: str) -> None:
    def reached(name: str) -> None:
        if name == point:
            raise Crash(name)

    monkeypatch.setattr(crashpoints, "reached", reached)


def test_an_approved_reply_is_posted_with_its_task_and_never_again(world: World) -> None:
    reply_id = world.reply()

    report = world.job().run_once()

    assert (report.sent, world.x.created) == (1, [world.x.created[0]])
    posted = world.x.created[0]
    record = world.record(reply_id)
    assert (record["Status__c"], record["Posted_Id__c"]) == ("Sent", posted)
    assert record["Posted_URL__c"] == f"https://x.com/i/status/{posted}"
    [task] = world.tasks()
    assert (task["Social_Post_Key__c"], task["Type"], task["Subject"]) == (
        f"twitter:{posted}",
        "Tweet",
        "Tweeted",
    )
    assert (task["WhatId"], task["Status"]) == (world.case_id, "Completed")
    calls = world.api.api_calls
    assert world.job().run_once().sent == 0
    assert world.api.api_calls - calls == 1  # one query, nothing pending
    assert len(world.x.created) == 1


def test_nothing_pending_costs_one_api_call_and_no_x_call(world: World) -> None:
    calls = world.api.api_calls

    world.job().run_once()

    assert world.api.api_calls - calls == 1
    assert world.x.calls == []


def test_a_reply_breaking_x_rules_is_failed_with_the_reason_and_never_sent(world: World) -> None:
    unsummoned = world.reply(to="556")
    too_long = world.reply(body="日" * 141)

    report = world.job().run_once()

    assert report.failed == 2
    assert "neither mentions, quotes nor replies to" in world.record(unsummoned)["Error__c"]
    assert world.record(too_long)["Error__c"].startswith("282 weighted characters")
    assert "POST /2/tweets" not in world.x.calls


def test_x_403_for_an_unsummoned_reply_is_final(world: World) -> None:
    reply_id = world.reply(to="556")

    world.job(tier=XTier.ENTERPRISE).run_once()  # our tier says yes, X's says no

    record = world.record(reply_id)
    assert record["Status__c"] == "Failed"
    assert "you have not been mentioned" in record["Error__c"]
    assert world.x.created == []


def test_a_rate_limit_keeps_the_reply_approved_for_the_next_pass(world: World) -> None:
    reply_id = world.reply()
    world.x.fail_next("429")

    assert world.job().run_once().waiting == 1
    assert (world.record(reply_id)["Status__c"], world.x.created) == ("Approved", [])
    assert world.job().run_once().sent == 1
    assert len(world.x.created) == 1


def test_a_lost_answer_is_found_on_x_and_recorded_sent(world: World) -> None:
    reply_id = world.reply()
    world.x.fail_next("lost")  # posted, answered 503

    report = world.job().run_once()

    assert (report.recovered, len(world.x.created)) == (1, 1)
    assert world.record(reply_id)["Posted_Id__c"] == world.x.created[0]
    assert len(world.tasks()) == 1


def test_an_unknown_outcome_not_found_on_x_needs_review_and_is_not_reposted(
    world: World,
) -> None:
    reply_id = world.reply()
    world.x.fail_next("503")  # not posted, but the client cannot know

    assert world.job().run_once().needs_review == 1
    record = world.record(reply_id)
    assert record["Status__c"] == "Needs review"
    assert "never re-posted automatically" in record["Error__c"]
    world.job(after=LATER).run_once()
    assert world.x.created == []


def test_duplicate_content_of_our_own_earlier_reply_is_recorded_not_reposted(
    world: World,
) -> None:
    body = "Sorry about the parcel, we're on it."
    world.x.posts["1800"] = world.x.posts["555"].__class__(
        "1800", US, body, replied_to="555", in_reply_to_user_id="42"
    )
    reply_id = world.reply(body=body)

    world.job().run_once()

    assert world.record(reply_id)["Posted_Id__c"] == "1800"
    assert world.x.created == []


@pytest.mark.parametrize(
    ("point", "posted", "after_crash"),
    [("reply:sending", 0, "Needs review"), ("reply:posted", 1, "Sent"), ("reply:task", 1, "Sent")],
)
def test_a_crash_at_each_point_never_posts_twice(
    world: World, monkeypatch: pytest.MonkeyPatch, point: str, posted: int, after_crash: str
) -> None:
    reply_id = world.reply()
    crash_at(monkeypatch, point)
    with pytest.raises(Crash):
        world.job().run_once()
    monkeypatch.undo()
    assert world.record(reply_id)["Status__c"] == "Sending"

    world.job().run_once()  # too soon: another process may still be sending it
    assert world.record(reply_id)["Status__c"] == "Sending"
    world.job(after=LATER).run_once()

    assert world.record(reply_id)["Status__c"] == after_crash
    assert len(world.x.created) == posted
    assert len(world.tasks()) == posted
    world.job(after=LATER).run_once()
    assert len(world.x.created) == posted


def test_an_answer_that_cannot_be_read_is_looked_up_not_posted_again(world: World) -> None:
    reply_id = world.reply()
    world.x.fail_next("garbled")  # posted, answered without the post's id

    report = world.job().run_once()

    assert (report.sent, report.recovered, len(world.x.created)) == (0, 1, 1)
    assert world.record(reply_id)["Posted_Id__c"] == world.x.created[0]


def test_a_lookup_refused_for_now_leaves_the_reply_sending_for_a_later_pass(
    world: World,
) -> None:
    stuck = world.reply()
    world.org.update_record("Social_Reply__c", stuck, Status__c="Sending")  # a crash
    world.x.fail_next_lookup("429")

    report = world.job(after=LATER).run_once()

    assert (report.waiting, report.needs_review) == (1, 0)
    assert world.record(stuck)["Status__c"] == "Sending"
    later = world.job(after=LATER).run_once()  # the lookup answers: not posted
    assert (later.needs_review, world.x.created) == (1, [])


# -- direct messages ------------------------------------------------------------------

CONVERSATION = "42-100"  # the customer 42 and our account 100


def test_a_reply_to_a_conversation_is_a_direct_message_with_its_task(world: World) -> None:
    world.x.add_message(CONVERSATION, sender_id="42", text="my card was charged twice")
    reply_id = world.reply(body="Sorry! Which card is it?", to=CONVERSATION)

    report = world.job().run_once()

    assert report.sent == 1
    [ours] = [m for m in world.x.messages[CONVERSATION] if m["sender_id"] == "100"]
    assert ours["text"] == "Sorry! Which card is it?"
    record = world.record(reply_id)
    assert (record["Status__c"], record["Posted_Id__c"]) == ("Sent", ours["id"])
    assert record["Posted_URL__c"] == f"https://x.com/messages/{CONVERSATION}"
    [task] = world.tasks()
    assert (task["Social_Post_Key__c"], task["Type"], task["Subject"]) == (
        f"twitter:{ours['id']}",  # what the DM stream plans when it reads it back
        "Social Message",
        "Tweeted",
    )
    assert "GET /2/tweets/:id" not in world.x.calls  # no summoning rule for a message


def test_a_lost_answer_is_found_in_the_conversation_not_sent_again(world: World) -> None:
    reply_id = world.reply(body="We refunded it.", to=CONVERSATION)
    world.x.fail_next("lost")

    report = world.job().run_once()

    assert (report.sent, report.recovered) == (0, 1)
    assert len(world.x.messages[CONVERSATION]) == 1
    assert world.record(reply_id)["Posted_Id__c"] == world.x.messages[CONVERSATION][0]["id"]


def test_a_conversation_without_our_account_is_failed_with_the_reason(world: World) -> None:
    reply_id = world.reply(body="Hello", to="42-43")
    world.reply(body="x" * 10_001, to=CONVERSATION)

    report = world.job().run_once()

    assert (report.failed, world.x.created) == (2, [])
    assert "not one of the accounts 100" in world.record(reply_id)["Error__c"]

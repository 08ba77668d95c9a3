"""The reply job on Facebook and LinkedIn (and beside X) against the local org and the local
Graph and LinkedIn twins: each network's rules, its errors, never a reply posted twice."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import responses
from pydantic import ValidationError

from sf_social import crashpoints
from sf_social.config.model import RepliesConfig
from sf_social.errors import ConfigError
from sf_social.keys import post_key
from sf_social.mapping import _task_subject, _task_type
from sf_social.posts import Direction, SocialPost
from sf_social.retry import RetryPolicy
from sf_social.salesforce.rest import RestOrgApi
from sf_social.social_reply import ReplyPoster
from sf_social.sources.facebook import normalize as facebook
from sf_social.sources.facebook.graph import PageToken
from sf_social.sources.facebook.replies import FacebookPoster
from sf_social.sources.linkedin_api import normalize as linkedin
from sf_social.sources.linkedin_api.client import LinkedInCredentials
from sf_social.sources.linkedin_api.normalize import Notification
from sf_social.sources.linkedin_api.replies import LinkedInPoster
from sf_social.sync.replies import ReplyJob, reply_posters
from sf_social.testing import LocalOrg
from sf_social.testing.graph_posting import GraphPostingTwin
from sf_social.testing.linkedin_posting import LinkedInPostingTwin
from sf_social.testing.setup import ready_org
from sf_social.testing.x_posting import XPostingTwin, twin_poster
from tests.salesforce.test_writer_emulator import connect

PAGE = "300"
ORG = "urn:li:organization:5"
SHARE = "urn:li:share:7001"
LATER = timedelta(minutes=3)
BODY = "Sorry about the parcel, we're on it."


@dataclass
class World:
    org: LocalOrg
    fb: GraphPostingTwin
    li: LinkedInPostingTwin
    x: XPostingTwin
    api: RestOrgApi
    case_id: str

    def posters(self, *, clock: timedelta = timedelta(0)) -> list[ReplyPoster]:
        fast = RetryPolicy.instant()
        fb = FacebookPoster(
            PageToken(self.fb.token), PAGE, policy=fast, now=lambda: datetime.now(UTC) + clock
        )
        li = LinkedInPoster(LinkedInCredentials(self.li.token), ORG, policy=fast)
        return [fb, li, twin_poster("100")]

    def job(self, *, after: timedelta = timedelta(0), clock: timedelta = timedelta(0)) -> ReplyJob:
        now = lambda: datetime.now(UTC) + after  # noqa: E731
        return ReplyJob(self.api, self.api, self.posters(clock=clock), now=now)

    def reply(self, key: str, body: str = BODY) -> str:
        return self.org.insert(
            "Social_Reply__c",
            Case__c=self.case_id,
            Reply_To_Key__c=key,
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
    fb = GraphPostingTwin(page_id=PAGE)
    fb.add_post(f"{PAGE}_1", author=PAGE, text="Our new opening hours")
    fb.add_comment("1_7", on=f"{PAGE}_1", author="42", text="my parcel is late")
    fb.add_post(f"{PAGE}_2", author="43", text="a visitor's post on the page")
    fb.add_comment("2_8", on=f"{PAGE}_2", author="44", text="me too")
    fb.add_comment("1_9", on="1_7", author="45", text="same here", can_comment=False)
    li = LinkedInPostingTwin(organization=ORG)
    li.add_post(SHARE, author=ORG)
    li.add_post("urn:li:share:7002", author="urn:li:person:abc")
    x = XPostingTwin(me="100")
    x.add_post("555", author_id="42", text="@acme my parcel is late", mentions=("100",))
    mock = responses.RequestsMock(assert_all_requests_are_fired=False)
    with mock, org.mock(mock), fb.mock(mock), li.mock(mock), x.mock(mock):
        api = connect(org).api
        assert isinstance(api, RestOrgApi)
        case_id = org.insert("Case", Subject="late parcel", Origin="Facebook")
        yield World(org, fb, li, x, api, case_id)


class Crash(BaseException):
    """The process dies at a crash point (in-process: the pass stops there)."""


def crash_at(monkeypatch: pytest.MonkeyPatch, point: str) -> None:
    def reached(name: str) -> None:
        if name == point:
            raise Crash(name)

    monkeypatch.setattr(crashpoints, "reached", reached)


def test_a_reply_to_a_comment_on_the_page_s_post_is_posted_once_with_its_task(
    world: World,
) -> None:
    reply_id = world.reply("facebook:1_7")

    assert world.job().run_once().sent == 1

    [posted] = world.fb.created
    assert world.fb.items[posted].on == "1_7"
    record = world.record(reply_id)
    assert (record["Status__c"], record["Posted_Id__c"]) == ("Sent", posted)
    assert record["Posted_URL__c"] == f"https://www.facebook.com/{posted}"
    [task] = world.tasks()
    assert (task["Social_Post_Key__c"], task["Type"], task["Subject"]) == (
        f"facebook:{posted}",
        "Social Message",
        "Facebook reply",
    )
    assert (task["WhatId"], task["Social_Network__c"]) == (world.case_id, "Facebook")
    assert world.job().run_once().sent == 0
    assert len(world.fb.created) == 1


def test_a_reply_under_the_page_s_post_itself_comments_on_it(world: World) -> None:
    world.reply(f"facebook:{PAGE}_1")

    world.job().run_once()

    [posted] = world.fb.created
    assert world.fb.items[posted].on == f"{PAGE}_1"


def test_a_comment_on_a_post_that_is_not_the_page_s_own_is_refused_with_the_reason(
    world: World,
) -> None:
    visitor = world.reply("facebook:2_8")
    elsewhere = world.reply("facebook:9_9")
    garbage = world.reply("facebook:hello")
    closed = world.reply("facebook:1_9")

    assert world.job().run_once().failed == 4

    assert "post 300_2 is by 43, not 300's own" in world.record(visitor)["Error__c"]
    assert "is not under a post of page 300" in world.record(elsewhere)["Error__c"]
    assert "is neither a page post, a comment" in world.record(garbage)["Error__c"]
    assert "does not allow replies to comment 1_9" in world.record(closed)["Error__c"]
    assert world.fb.created == []
    assert "POST /{id}/comments" not in world.fb.calls


@pytest.mark.parametrize(("age", "tag"), [(timedelta(hours=2), None), (timedelta(hours=30), "tag")])
def test_messenger_answers_within_24_hours_and_up_to_7_days_with_human_agent(
    world: World, age: timedelta, tag: str | None
) -> None:
    mid = world.fb.add_message("4242", "where is my order?", at=datetime.now(UTC) - age)
    by_conversation = world.reply("facebook:messenger:4242")

    assert world.job().run_once().sent == 1  # the twin refuses RESPONSE after 24 hours

    [posted] = world.fb.created
    record = world.record(by_conversation)
    assert (record["Status__c"], record["Posted_Id__c"]) == ("Sent", posted)
    assert record.get("Posted_URL__c") is None
    assert [t["Social_Post_Key__c"] for t in world.tasks()] == [f"facebook:{posted}"]
    by_message = world.reply(f"facebook:{mid}", body="And a second answer")
    assert world.job().run_once().sent == 1
    assert world.record(by_message)["Status__c"] == "Sent"


def test_messenger_after_7_days_is_refused_without_a_send(world: World) -> None:
    world.fb.add_message("4242", "hello?", at=datetime.now(UTC) - timedelta(days=8))
    late = world.reply("facebook:messenger:4242")
    stranger = world.reply("facebook:messenger:777")

    assert world.job().run_once().failed == 2

    assert "8 days old" in world.record(late)["Error__c"]
    assert "has not written to the page" in world.record(stranger)["Error__c"]
    assert "POST /{page-id}/messages" not in world.fb.calls


def test_graph_s_outside_the_window_refusal_is_final(world: World) -> None:
    world.fb.add_message("4242", "hello?", at=datetime.now(UTC) - timedelta(days=7, hours=1))
    reply_id = world.reply("facebook:messenger:4242")

    world.job(clock=-timedelta(hours=2)).run_once()  # our clock says 6 days 23 h

    record = world.record(reply_id)
    assert record["Status__c"] == "Failed"
    assert "outside of allowed window" in record["Error__c"]
    assert "subcode 2018278" in record["Error__c"]


@pytest.mark.parametrize("how", ["rate", "permission"])
def test_a_rate_limit_or_a_missing_permission_keeps_the_reply_approved_and_others_go_on(
    world: World, how: str
) -> None:
    first = world.reply("facebook:1_7")
    second = world.reply(f"facebook:{PAGE}_1")
    linkedin = world.reply(f"linkedin:{SHARE}")
    world.fb.fail_next(how)

    report = world.job().run_once()

    assert (report.waiting, report.sent) == (2, 1)  # both Facebook replies wait
    assert world.record(first)["Status__c"] == "Approved"
    assert world.record(second)["Status__c"] == "Approved"  # Facebook waits for the next pass
    assert world.record(linkedin)["Status__c"] == "Sent"
    assert world.fb.calls.count("POST /{id}/comments") == 1
    assert world.job().run_once().sent == 2


def test_a_person_not_available_on_messenger_is_final(world: World) -> None:
    world.fb.add_message("4242", "hello?", at=datetime.now(UTC) - timedelta(hours=1))
    reply_id = world.reply("facebook:messenger:4242")
    world.fb.fail_next("551")

    world.job().run_once()

    assert world.record(reply_id)["Status__c"] == "Failed"
    assert "isn't available" in world.record(reply_id)["Error__c"]


@pytest.mark.parametrize(
    ("key", "message"), [("facebook:1_7", False), ("facebook:messenger:4242", True)]
)
def test_a_lost_answer_is_found_and_recorded_sent(world: World, key: str, message: bool) -> None:
    world.fb.add_message("4242", "hello?", at=datetime.now(UTC) - timedelta(hours=1))
    reply_id = world.reply(key)
    world.fb.fail_next("lost")

    report = world.job().run_once()

    assert (report.recovered, len(world.fb.created)) == (1, 1)
    assert world.record(reply_id)["Posted_Id__c"] == world.fb.created[0]
    assert len(world.tasks()) == 1


def test_an_unknown_outcome_not_found_needs_review_and_is_never_reposted(world: World) -> None:
    reply_id = world.reply("facebook:1_7")
    world.fb.fail_next("500")

    assert world.job().run_once().needs_review == 1
    error = world.record(reply_id)["Error__c"]
    assert "the newest 100 comments under 1_7, from page 300" in error
    assert "check on Facebook" in error
    world.job(after=LATER).run_once()
    assert world.fb.created == []


def test_a_linkedin_reply_is_the_organization_s_comment_on_its_own_post(world: World) -> None:
    reply_id = world.reply(f"linkedin:{SHARE}")

    assert world.job().run_once().sent == 1

    [urn] = world.li.created
    assert urn.startswith(f"urn:li:comment:({SHARE},")
    [comment] = world.li.comments
    assert (comment.actor, comment.object, comment.text) == (ORG, SHARE, BODY)
    record = world.record(reply_id)
    assert (record["Status__c"], record["Posted_Id__c"]) == ("Sent", urn)
    assert record["Posted_URL__c"].startswith(f"https://www.linkedin.com/feed/update/{SHARE}/")
    [task] = world.tasks()
    assert (task["Social_Post_Key__c"], task["Subject"]) == (f"linkedin:{urn}", "LinkedIn reply")


def test_a_linkedin_reply_in_a_comment_s_thread_names_its_parent(world: World) -> None:
    parent = f"urn:li:comment:({SHARE},6001)"
    world.reply(f"linkedin:{parent}")

    world.job().run_once()

    [comment] = world.li.comments
    assert (comment.object, comment.parent) == (SHARE, parent)


def test_a_linkedin_post_of_a_member_or_no_post_is_refused(world: World) -> None:
    member = world.reply("linkedin:urn:li:share:7002")
    missing = world.reply("linkedin:urn:li:share:7999")
    activity = world.reply("linkedin:urn:li:activity:1")

    assert world.job().run_once().failed == 3

    assert (
        "is by urn:li:person:abc, not urn:li:organization:5's own"
        in (world.record(member)["Error__c"])
    )
    assert "cannot be read" in world.record(missing)["Error__c"]
    assert "is not a LinkedIn post" in world.record(activity)["Error__c"]
    assert world.li.created == []


@pytest.mark.parametrize(
    ("how", "status", "waiting"), [("429", "Approved", 1), ("403", "Approved", 1)]
)
def test_linkedin_limits_and_refused_grants_keep_the_reply_approved(
    world: World, how: str, status: str, waiting: int
) -> None:
    reply_id = world.reply(f"linkedin:{SHARE}")
    world.li.fail_next(how)

    assert world.job().run_once().waiting == waiting
    assert (world.record(reply_id)["Status__c"], world.li.created) == (status, [])
    assert world.job().run_once().sent == 1


def test_linkedin_lost_answer_is_found_a_503_not_found_needs_review(world: World) -> None:
    found = world.reply(f"linkedin:{SHARE}")
    world.li.fail_next("lost")
    assert world.job().run_once().recovered == 1
    assert world.record(found)["Posted_Id__c"] == world.li.created[0]

    unknown = world.reply(f"linkedin:{SHARE}", body="Another answer")
    world.li.fail_next("503")
    assert world.job().run_once().needs_review == 1
    assert "by urn:li:organization:5" in world.record(unknown)["Error__c"]
    assert len(world.li.created) == 1


@pytest.mark.parametrize(
    ("point", "posted", "after_crash"),
    [("reply:sending", 0, "Needs review"), ("reply:posted", 1, "Sent"), ("reply:task", 1, "Sent")],
)
@pytest.mark.parametrize("key", ["facebook:1_7", "facebook:messenger:4242", f"linkedin:{SHARE}"])
def test_a_crash_at_each_point_never_posts_twice(
    world: World,
    monkeypatch: pytest.MonkeyPatch,
    key: str,
    point: str,
    posted: int,
    after_crash: str,
) -> None:
    world.fb.add_message("4242", "hello?", at=datetime.now(UTC) - timedelta(hours=1))
    reply_id = world.reply(key)
    created = world.li.created if key.startswith("linkedin") else world.fb.created
    crash_at(monkeypatch, point)
    with pytest.raises(Crash):
        world.job().run_once()
    monkeypatch.undo()
    assert world.record(reply_id)["Status__c"] == "Sending"

    world.job().run_once()  # too soon: another process may still be sending it
    assert world.record(reply_id)["Status__c"] == "Sending"
    world.job(after=LATER).run_once()

    assert world.record(reply_id)["Status__c"] == after_crash
    assert (len(created), len(world.tasks())) == (posted, posted)
    world.job(after=LATER).run_once()
    assert len(created) == posted


def test_one_pass_posts_on_every_network_and_waits_for_one_not_configured(world: World) -> None:
    ids = [world.reply(k) for k in ("facebook:1_7", f"linkedin:{SHARE}", "twitter:555")]
    instagram = world.reply("instagram:17895")

    report = world.job().run_once()

    assert (report.sent, report.waiting) == (3, 1)
    assert [world.record(i)["Status__c"] for i in ids] == ["Sent"] * 3
    assert world.record(instagram)["Status__c"] == "Approved"
    keys = sorted(t["Social_Post_Key__c"].partition(":")[0] for t in world.tasks())
    assert keys == ["facebook", "linkedin", "twitter"]


def test_the_posters_of_the_configured_networks_are_built_with_their_credentials() -> None:
    replies = RepliesConfig(
        enabled=True, x_account_id="100", facebook_page_id=PAGE, linkedin_organization="5"
    )
    env = {
        "X_CONSUMER_KEY": "ck",
        "X_CONSUMER_SECRET": "cs",
        "X_ACCESS_TOKEN": "at",
        "X_ACCESS_TOKEN_SECRET": "ats",
        "FB_PAGE_TOKEN": "page-token",
        "LINKEDIN_ACCESS_TOKEN": "li-token",
    }

    posters = reply_posters(replies, env)

    assert [p.prefix for p in posters] == ["twitter", "facebook", "linkedin"]
    linkedin = posters[2]
    assert isinstance(linkedin, LinkedInPoster) and linkedin.organization == ORG
    with pytest.raises(ConfigError, match="set FB_PAGE_TOKEN to a long-lived token of page 300"):
        reply_posters(replies, {**env, "FB_PAGE_TOKEN": ""})
    with pytest.raises(ConfigError, match="LINKEDIN_ACCESS_TOKEN"):
        reply_posters(replies, {**env, "LINKEDIN_ACCESS_TOKEN": ""})


def test_replies_enabled_need_a_network() -> None:
    with pytest.raises(ValidationError, match=r"replies\.facebook_page_id or"):
        RepliesConfig(enabled=True)
    assert RepliesConfig(enabled=True, facebook_page_id=PAGE).networks == ["facebook"]


def test_the_sources_read_our_posted_replies_back_under_the_task_s_key_and_values(
    world: World,
) -> None:
    world.fb.add_message("4242", "hello?", at=datetime.now(UTC) - timedelta(hours=1))
    for key in ("facebook:1_7", "facebook:messenger:4242", f"linkedin:{SHARE}"):
        world.reply(key)
    world.job().run_once()
    comment, message = world.fb.created
    [share_comment] = world.li.created
    comment_change = {
        "type": "change",
        "field": "feed",
        "value": {
            "item": "comment",
            "verb": "add",
            "comment_id": comment,
            "post_id": f"{PAGE}_1",
            "parent_id": "1_7",
            "from": {"id": PAGE},
            "message": BODY,
        },
    }
    echo = {
        "type": "messaging",
        "sender": {"id": PAGE},
        "recipient": {"id": "4242"},
        "timestamp": 1_765_000_000_000,
        "message": {"mid": message, "text": BODY, "is_echo": True},
    }
    notification = Notification.parse(
        {
            "notificationId": 1,
            "action": "COMMENT",
            "lastModifiedAt": 1_765_000_000_000,
            "sourcePost": SHARE,
            "decoratedGeneratedActivity": {
                "comment": {"entity": share_comment, "owner": ORG, "text": BODY}
            },
        }
    )
    read_back = [
        facebook.to_post(comment_change, PAGE),
        facebook.to_post(echo, PAGE),
        linkedin.normalize(notification, linkedin.PageContext("page", ORG)),
    ]

    tasks = {t["Social_Post_Key__c"]: t for t in world.tasks()}
    for post in read_back:
        assert isinstance(post, SocialPost) and post.direction is Direction.OUTBOUND
        task = tasks[post_key(post.network, post.id)]
        assert (task["Type"], task["Subject"]) == (_task_type(post), _task_subject(post, True))

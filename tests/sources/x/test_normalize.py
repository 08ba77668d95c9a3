"""Normalization of documented X API v2 payloads into SocialPosts, field by field."""

from __future__ import annotations

from datetime import UTC, datetime

from sf_social.playbook import Playbook
from sf_social.posts import Direction, Network, PostKind
from sf_social.sources.x.fields import id_at, id_time
from sf_social.sources.x.normalize import Context, Page, normalize_page
from tests.sources.x.conftest import payload


def test_every_field_of_a_reply_mention(playbook: Playbook) -> None:
    page = Page.parse(payload("mentions_page1.json"))
    ctx = Context("mentions:@northwindhelp", playbook, "NorthwindHelp", PostKind.MENTION)
    posts, rejected = normalize_page(page, ctx)
    assert rejected == []
    reply = posts[0]
    assert reply.network is Network.TWITTER
    assert reply.id == "1600000000000000300"
    assert reply.text.startswith("@NorthwindHelp my card was charged twice")
    assert reply.created_at == datetime(2022, 12, 6, 10, 30, tzinfo=UTC)
    assert reply.kind is PostKind.REPLY
    assert reply.direction is Direction.INBOUND
    assert reply.conversation_id == "1600000000000000100"
    assert reply.in_reply_to_id == "1600000000000000200"
    assert reply.url == "https://x.com/TwitterDev/status/1600000000000000300"
    assert reply.lang == "en"
    assert reply.account == "northwindhelp"
    assert reply.author is not None
    assert reply.author.model_dump(exclude_none=True) == {
        "id": "2244994945",
        "handle": "TwitterDev",
        "name": "Dev Customer",
        "followers": 513958,
        "following": 2039,
        "posts": 3635,
        "verified": True,
        "profile_url": "https://x.com/TwitterDev",
    }
    assert reply.raw is not None
    assert reply.raw["tweet"]["id"] == reply.id
    assert reply.raw["author"]["username"] == "TwitterDev"


def test_long_posts_use_note_tweet_and_plain_mentions_keep_the_stream_kind(
    playbook: Playbook,
) -> None:
    page = Page.parse(payload("mentions_page1.json"))
    posts, _ = normalize_page(page, Context("m", playbook, "NorthwindHelp", PostKind.MENTION))
    long = posts[1]
    assert long.kind is PostKind.MENTION
    assert long.text.endswith("Is it worth it?")
    assert len(long.text) > 280
    assert long.in_reply_to_id is None
    assert long.thread_root_id == long.id


def test_our_own_posts_are_outbound_on_our_account(playbook: Playbook) -> None:
    page = Page.parse(payload("mentions_page2.json"))
    posts, _ = normalize_page(page, Context("m", playbook, "NorthwindBank", PostKind.MENTION))
    (ours,) = posts
    assert ours.direction is Direction.OUTBOUND
    assert ours.account == "northwindhelp"  # the account that wrote it, not the stream's
    assert ours.kind is PostKind.REPLY


def test_search_results_carry_their_listening_topic_and_no_account(playbook: Playbook) -> None:
    page = Page.parse(payload("search_recent.json"))
    posts, _ = normalize_page(page, Context("search:competitors", playbook, topic="competitors"))
    (post,) = posts
    assert post.kind is PostKind.POST
    assert post.account is None
    assert post.raw is not None and post.raw["listening_topic"] == "competitors"


def test_partial_payloads_never_crash(playbook: Playbook) -> None:
    page = Page.parse(payload("partial.json"))
    posts, rejected = normalize_page(page, Context("m", playbook, "NorthwindHelp"))
    # deleted author: the post stays, with what is known of its author
    (orphan,) = posts
    assert orphan.author is not None and orphan.author.id == "1600000000000000666"
    assert orphan.author.handle is None
    assert orphan.url == "https://x.com/i/status/1600000000000000400"
    assert orphan.lang is None  # "und"
    # withheld (no text) and id-less posts are rejected with a reason; retweets skipped
    reasons = [str(r) for r in rejected]
    assert any("1600000000000000390 has no text (withheld)" in r for r in reasons)
    assert any("without a valid id" in r for r in reasons)
    assert len(rejected) == 2
    assert page.error_summary() == ["Could not find user with id: [1600000000000000666]."]


def test_missing_includes_and_garbage_answers(playbook: Playbook) -> None:
    body = payload("mentions_page1.json")
    del body["includes"]
    posts, rejected = normalize_page(Page.parse(body), Context("m", playbook))
    assert [p.author.id if p.author else None for p in posts] == [
        "2244994945",
        "1600000000000000009",
    ]
    assert rejected == []
    garbage: object
    for garbage in (None, [], "oops", {"data": "x", "includes": [], "meta": 3}):
        page = Page.parse(garbage)
        assert normalize_page(page, Context("m", playbook)) == ([], [])
        assert page.next_token is None


def test_meta_ids_fall_back_to_the_data() -> None:
    body = payload("mentions_page1.json")
    del body["meta"]
    page = Page.parse(body)
    assert page.newest_id == "1600000000000000300"
    assert page.oldest_id == "1600000000000000250"
    assert page.reads == 3  # two posts and one referenced post


def test_snowflake_times() -> None:
    assert id_time("1600000000000000300").year == 2022
    moment = datetime(2024, 1, 1, tzinfo=UTC)
    assert id_time(id_at(moment)) == moment

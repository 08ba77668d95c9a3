"""The reply model and X's rules, before anything is posted."""

from __future__ import annotations

import pytest

from sf_social.social_reply import (
    PostedReply,
    ReplyStatus,
    SocialReply,
    XTarget,
    XTier,
    check_x_reply,
    outbound_task,
    pick_x_account,
    x_weighted_length,
)

US = "100"


def reply(body: str = "Sorry! We're on it.", key: str = "twitter:555") -> SocialReply:
    return SocialReply("a0X1", "5001", key, body, ReplyStatus.APPROVED)


def target(**kw: object) -> XTarget:
    return XTarget(**{"post_id": "555", "author_id": "42", **kw})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "length"),
    [
        ("hello", 5),
        ("see https://example.org/a/very/long/path?with=query for more", 4 + 23 + 9),
        ("日本語", 6),  # CJK counts 2
        ("café — ok", 9),  # Latin-1 and the em dash (general punctuation) count 1
        ("👍", 2),  # an emoji counts 2
    ],
)
def test_weighted_length(text: str, length: int) -> None:
    assert x_weighted_length(text) == length


def test_280_weighted_characters_and_links_count_23() -> None:
    summoned = target(mentioned_ids=frozenset({US}))
    long_link = " https://example.org/" + "y" * 200  # 1 + 23, however long

    assert check_x_reply(reply("x" * 256 + long_link), summoned, US, XTier.BASIC) is None
    too_long = check_x_reply(reply("x" * 257 + long_link), summoned, US, XTier.BASIC)
    assert too_long is not None and too_long.reason.startswith("281 weighted characters")
    cjk = check_x_reply(reply("日" * 141), summoned, US, XTier.BASIC)
    assert cjk is not None and cjk.reason.startswith("282 weighted characters")


def test_a_reply_to_a_post_that_did_not_summon_the_account_is_refused_below_enterprise() -> None:
    stranger = target()

    refusal = check_x_reply(reply(), stranger, US, XTier.PRO)

    assert refusal is not None and "neither mentions, quotes nor replies to" in refusal.reason
    assert check_x_reply(reply(), stranger, US, XTier.ENTERPRISE) is None
    for summoned in (
        target(mentioned_ids=frozenset({US})),
        target(quoted_author_ids=frozenset({US})),
        target(replied_to_id=US),
    ):
        assert check_x_reply(reply(), summoned, US, XTier.FREE) is None


def test_an_empty_reply_is_refused() -> None:
    refusal = check_x_reply(reply("  "), target(mentioned_ids=frozenset({US})), US, XTier.BASIC)
    assert refusal is not None and refusal.reason == "the reply is empty"


def test_the_reply_goes_from_the_account_that_received_the_post() -> None:
    accounts = {"100": None, "200": None}

    assert pick_x_account(target(mentioned_ids=frozenset({"200"})), accounts) == "200"
    assert pick_x_account(target(author_id="100"), accounts) == "100"  # our own thread
    assert pick_x_account(target(), accounts) is None
    assert pick_x_account(target(), {"100": None}) == "100"


def test_the_outbound_task_is_keyed_by_the_posted_id() -> None:
    task = outbound_task(reply(), "Twitter", PostedReply("777", "https://x.com/i/status/777"))

    assert task == {
        "Social_Post_Key__c": "twitter:777",
        "Subject": "Tweeted",
        "Type": "Tweet",
        "Status": "Completed",
        "Social_Direction__c": "Outbound",
        "Social_Network__c": "Twitter",
        "Social_Post_URL__c": "https://x.com/i/status/777",
        "Description": "Sorry! We're on it.",
        "WhatId": "5001",
    }
    message = outbound_task(reply(), "Twitter", PostedReply("1580", None, message=True))
    assert (message["Type"], message["Subject"]) == ("Social Message", "Tweeted")  # a DM
    assert "Social_Post_URL__c" not in message

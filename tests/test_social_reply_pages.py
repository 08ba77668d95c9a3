"""Facebook's and LinkedIn's rules for a reply, before anything is posted, and the Task a
posted reply becomes (the key and values the sources give the same item)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sf_social.keys import post_key
from sf_social.mapping import TASK_TYPES
from sf_social.posts import Network
from sf_social.social_reply import (
    MESSENGER_LIMIT,
    MessagingType,
    PostedReply,
    ReplyRefusal,
    ReplyStatus,
    SocialReply,
    check_length,
    messenger_window,
    outbound_task,
    own_post_refusal,
)

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)


def reply(body: str = "Sorry! We're on it.", key: str = "facebook:1_7") -> SocialReply:
    return SocialReply("a0X1", "5001", key, body, ReplyStatus.APPROVED)


@pytest.mark.parametrize(
    ("age", "how"),
    [
        (timedelta(minutes=5), MessagingType.RESPONSE),
        (timedelta(hours=24), MessagingType.RESPONSE),
        (timedelta(hours=24, seconds=1), MessagingType.HUMAN_AGENT),
        (timedelta(days=7), MessagingType.HUMAN_AGENT),
    ],
)
def test_messenger_answers_within_24_hours_then_7_days_with_human_agent(
    age: timedelta, how: MessagingType
) -> None:
    assert messenger_window(NOW - age, NOW) is how


def test_messenger_refuses_after_7_days_and_without_a_message_of_the_person() -> None:
    late = messenger_window(NOW - timedelta(days=7, seconds=1), NOW)
    never = messenger_window(None, NOW)

    assert isinstance(late, ReplyRefusal)
    assert "7 days old" in late.reason and "HUMAN_AGENT" in late.reason
    assert isinstance(never, ReplyRefusal)
    assert "has not written to the page" in never.reason


def test_only_the_owner_s_own_post_takes_a_reply() -> None:
    assert own_post_refusal("300_1", "300", "300", "Facebook") is None
    visitor = own_post_refusal("300_2", "42", "300", "Facebook")
    unknown = own_post_refusal("urn:li:share:9", None, "urn:li:organization:5", "LinkedIn")

    assert visitor is not None and "post 300_2 is by 42, not 300's own" in visitor.reason
    assert unknown is not None and "of an unknown author" in unknown.reason


def test_length_limits_and_empty_replies() -> None:
    assert check_length(reply("x" * MESSENGER_LIMIT), MESSENGER_LIMIT, "a message") is None
    long = check_length(reply("x" * (MESSENGER_LIMIT + 1)), MESSENGER_LIMIT, "a message")
    empty = check_length(reply("  "), MESSENGER_LIMIT, "a message")

    assert long == ReplyRefusal("2001 characters, a message holds 2000")
    assert empty == ReplyRefusal("the reply is empty")


@pytest.mark.parametrize(
    ("key", "network", "url"),
    [
        ("facebook:1_7", Network.FACEBOOK, "https://www.facebook.com/1_900001"),
        ("facebook:messenger:4242", Network.FACEBOOK, None),
        ("linkedin:urn:li:share:9", Network.LINKEDIN, "https://www.linkedin.com/feed/update/x/"),
    ],
)
def test_the_outbound_task_has_the_key_type_and_subject_of_the_source(
    key: str, network: Network, url: str | None
) -> None:
    task = outbound_task(reply(key=key), network.label, PostedReply("900001", url))

    assert task["Social_Post_Key__c"] == post_key(network, "900001")
    assert (task["Type"], task["Subject"]) == (TASK_TYPES["message"], f"{network.label} reply")
    assert task.get("Social_Post_URL__c") == url

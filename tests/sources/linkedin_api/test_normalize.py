"""Notifications → SocialPost: every field, outbound detection, partial payloads."""

from __future__ import annotations

from datetime import UTC, datetime

from sf_social.deletions import PostDeletion
from sf_social.errors import FeedLineError
from sf_social.posts import Direction, Network, PostKind, SocialPost
from sf_social.sources.linkedin_api.normalize import (
    Notification,
    PageContext,
    epoch_ms,
    normalize,
)
from tests.sources.linkedin_api.conftest import MEMBER, ORG, payload

CTX = PageContext("linkedin_page", ORG, frozenset({MEMBER}), ORG)
SHARE = "urn:li:share:7390000000000000000"


def _one(element: object) -> SocialPost | PostDeletion | FeedLineError | None:
    return normalize(Notification.parse(element), CTX, 1)


def test_a_comment_by_a_member_is_an_inbound_comment_threaded_on_the_share() -> None:
    element = payload("notifications_page1.json")["elements"][0]
    post = _one(element)
    assert isinstance(post, SocialPost)
    urn = "urn:li:comment:(urn:li:activity:7390000000000000001,7390000000000000101)"
    assert post.network is Network.LINKEDIN
    assert post.id == urn
    assert post.kind is PostKind.COMMENT
    assert post.direction is Direction.INBOUND
    assert post.text.startswith("I opened one last week")
    assert post.created_at == datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
    assert post.author is not None
    assert post.author.id == "urn:li:person:Zx9y8W7v6U"
    assert post.author.profile_url is None  # a person URN is not a vanity name
    assert post.author.name is None  # names need profile permissions
    assert post.conversation_id == SHARE
    assert post.thread_root_id == SHARE and post.is_reply
    assert post.in_reply_to_id is None
    assert post.url == "https://www.linkedin.com/feed/update/urn:li:activity:7390000000000000001/"
    assert post.account == ORG
    assert post.lang is None
    assert post.raw is not None
    assert post.raw["notification"]["notificationId"] == 4406001
    assert post.raw["source"] == "linkedin_page"


def test_the_organizations_own_comment_is_outbound_on_the_same_thread() -> None:
    element = payload("notifications_page1.json")["elements"][1]
    post = _one(element)
    assert isinstance(post, SocialPost)
    assert post.direction is Direction.OUTBOUND
    assert post.conversation_id == SHARE
    assert post.author is not None
    assert post.author.profile_url == "https://www.linkedin.com/company/2414183/"


def test_a_comment_by_one_of_our_members_is_outbound() -> None:
    element = payload("notifications_page1.json")["elements"][0]
    element["decoratedGeneratedActivity"]["comment"]["owner"] = MEMBER
    post = _one(element)
    assert isinstance(post, SocialPost) and post.direction is Direction.OUTBOUND


def test_a_share_mention_is_an_inbound_mention_starting_its_own_thread() -> None:
    element = payload("notifications_page2.json")["elements"][0]
    post = _one(element)
    assert isinstance(post, SocialPost)
    assert post.kind is PostKind.MENTION
    assert post.id == "urn:li:share:7390000000000000899"
    assert post.conversation_id == post.id and not post.is_reply
    assert post.direction is Direction.INBOUND
    assert post.author is not None and post.author.id == "urn:li:person:Mn4Op5Qr6S"
    assert post.text.startswith("Thinking of moving our payroll")
    assert post.url == "https://www.linkedin.com/feed/update/urn:li:activity:7390000000000000900/"
    assert post.created_at == datetime(2026, 11, 20, 11, 58, tzinfo=UTC)


def test_likes_and_other_actions_map_to_nothing() -> None:
    element = payload("notifications_page1.json")["elements"][2]
    assert _one(element) is None


def test_partial_payloads_are_rejected_with_a_reason_or_kept_without_the_missing_parts() -> None:
    elements = payload("notifications_partial.json")["elements"]
    results = [_one(e) for e in elements]
    not_object, no_urn, no_text, no_owner, mention_no_text, share, no_action = results
    assert isinstance(not_object, FeedLineError) and "not a JSON object" in str(not_object)
    assert isinstance(no_urn, FeedLineError) and no_urn.field == "generatedActivity"
    assert isinstance(no_text, FeedLineError) and no_text.field == "text"
    assert isinstance(no_owner, SocialPost)
    assert no_owner.author is None and no_owner.created_at is None  # -5 ms is not a time
    assert no_owner.conversation_id == "urn:li:activity:7390000000000000001"
    assert isinstance(mention_no_text, FeedLineError) and "5000004" in str(mention_no_text)
    assert share is None and no_action is None


def test_an_overlong_urn_is_a_rejection_not_a_crash() -> None:
    element = payload("notifications_page1.json")["elements"][0]
    element["decoratedGeneratedActivity"]["comment"]["entity"] = "urn:li:comment:" + "9" * 300
    element["decoratedGeneratedActivity"]["comment"]["owner"] = "urn:li:person:" + "x" * 300
    result = _one(element)
    assert isinstance(result, FeedLineError) and result.field == "id"


def test_a_time_of_nan_or_infinity_is_no_time() -> None:
    """Python's JSON reader accepts NaN and Infinity; neither is a time (found by the fuzz)."""
    assert [epoch_ms(v) for v in (float("nan"), float("inf"), -float("inf"))] == [None] * 3
    assert epoch_ms(1_700_000_000_000.0) == 1_700_000_000_000


def test_a_comment_deleted_or_edited_is_reported_as_such() -> None:
    element = payload("notifications_page1.json")["elements"][0]
    urn = "urn:li:comment:(urn:li:activity:7390000000000000001,7390000000000000101)"
    deleted = _one({**element, "action": "COMMENT_DELETE"})
    assert isinstance(deleted, PostDeletion)
    assert (deleted.network, deleted.post_id, deleted.new_text) == (Network.LINKEDIN, urn, None)
    assert deleted.at == datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
    edited = _one({**element, "action": "COMMENT_EDIT"})
    assert isinstance(edited, PostDeletion) and edited.new_text is not None
    assert edited.new_text.startswith("I opened one last week")
    bare = _one({"notificationId": 9, "action": "COMMENT_DELETE", "lastModifiedAt": 1})
    assert isinstance(bare, FeedLineError) and "without its URN" in str(bare)

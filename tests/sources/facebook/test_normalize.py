"""Webhook events → SocialPosts → the pipeline (a page comment becomes a Case)."""

from __future__ import annotations

from pathlib import Path

import pytest

from sf_social.pipeline import Pipeline
from sf_social.playbook import load_playbook
from sf_social.posts import Direction, PostKind
from sf_social.sources.facebook import FacebookWebhookSource, WebhookSpool, split_events, to_post
from tests.sources.facebook import payloads as fb


def one(payload: dict[str, object]) -> tuple[str, dict[str, object]]:
    (event,) = split_events(payload)
    return event


def test_a_comment_is_an_inbound_comment_threaded_on_its_post() -> None:
    event_id, event = one(fb.comment())
    assert event_id == "feed:comment:PAGEPOST_1_C1:add"
    post = to_post(event, fb.PAGE)
    assert post is not None and post.kind is PostKind.COMMENT
    assert post.direction is Direction.INBOUND and post.thread_root_id == f"{fb.PAGE}_1"
    assert post.author is not None and post.author.name == "Dana Morales"
    assert post.created_at is not None and post.created_at.year == 2024


def test_the_pages_own_reply_is_outbound() -> None:
    _, event = one(
        fb.comment("C2", "So sorry! DM us please", (fb.PAGE, "Northwind"), "PAGEPOST_1_C1")
    )
    post = to_post(event, fb.PAGE)
    assert post is not None and post.direction is Direction.OUTBOUND
    assert post.kind is PostKind.REPLY and post.in_reply_to_id == "PAGEPOST_1_C1"


def test_messenger_messages_and_echoes() -> None:
    inbound = to_post(one(fb.message())[1], fb.PAGE)
    echo = to_post(one(fb.message("m_2", "We are on it", echo=True))[1], fb.PAGE)
    assert inbound is not None and echo is not None
    assert inbound.kind is PostKind.DIRECT_MESSAGE and inbound.direction is Direction.INBOUND
    assert echo.direction is Direction.OUTBOUND
    assert inbound.conversation_id == echo.conversation_id == "messenger:PSID_77"


def test_non_interactions_map_to_nothing_and_bad_payloads_are_refused() -> None:
    assert to_post(one(fb.reaction())[1], fb.PAGE) is None
    assert to_post(one(fb.comment(verb="remove"))[1], fb.PAGE) is None
    with pytest.raises(ValueError, match="not a webhook notification"):
        split_events({"entry": []})
    assert split_events({"object": "instagram", "entry": [{"id": "1", "changes": []}]}) == []


def test_standby_messages_and_attachment_only_messages_are_read() -> None:
    """Under the handover protocol a message comes as ``standby``; a photo has no text."""
    payload = fb.message("m_3", text="")
    item = payload["entry"][0].pop("messaging")[0]
    item["message"]["attachments"] = [
        {"type": "image", "payload": {"url": "https://scontent.example/photo.jpg"}},
        {"type": "file", "payload": {"url": "https://cdn.example/receipt.pdf"}},
    ]
    payload["entry"][0]["standby"] = [item]
    event_id, event = one(payload)
    post = to_post(event, fb.PAGE)
    assert event_id == "message:m_3" and post is not None
    assert post.kind is PostKind.DIRECT_MESSAGE and post.direction is Direction.INBOUND
    assert post.text == (
        "[image] https://scontent.example/photo.jpg\n[file] https://cdn.example/receipt.pdf"
    )


def test_a_page_comment_becomes_a_facebook_case() -> None:
    post = to_post(one(fb.comment())[1], fb.PAGE)
    assert post is not None
    plan = Pipeline(load_playbook()).plan(post)
    case = next(w for w in plan.writes if w.sobject == "Case")
    assert case.to_json()["fields"]["Origin"] == "Facebook"
    assert case.key == f"facebook:thread:{fb.PAGE}_1"


def test_the_source_reads_the_spool_with_a_cursor(tmp_path: Path) -> None:
    spool = WebhookSpool(tmp_path / "spool.db")
    spool.add(split_events(fb.comment()) + split_events(fb.reaction()))
    spool.add([("broken", {"type": "messaging", "message": {"mid": "x", "text": "hi"}})])
    source = FacebookWebhookSource(spool, fb.PAGE, batch_size=2)
    batches = list(source.pull(None))
    assert [len(b.posts) for b in batches] == [1, 0]
    assert str(batches[1].rejected[0]).endswith("sender/recipient ids")
    assert list(source.pull(batches[-1].cursor)) == []
    spool.add(split_events(fb.message()))
    (more,) = list(source.pull(batches[-1].cursor))
    assert [p.id for p in more.posts] == ["m_1"]

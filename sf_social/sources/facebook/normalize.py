"""Facebook webhook payloads → single events → ``SocialPost`` (network ``facebook``).

Shapes (Meta's references):

- Page ``feed`` change (https://developers.facebook.com/docs/graph-api/webhooks/reference/page/):
  ``{"object": "page", "entry": [{"id": PAGE_ID, "time": T, "changes": [{"field": "feed",
  "value": {"item": "comment", "verb": "add", "comment_id", "post_id", "parent_id",
  "created_time", "from": {"id", "name"}, "message"}}]}]}``. Comments (and visitor
  posts, ``item`` ``post``/``status``) added to the page become posts; a removal
  (``"verb": "remove"``) or an edit (``"edited"``, sometimes ``"edit"``, with the new
  ``message``) of one becomes a :class:`~sf_social.deletions.PostDeletion`; reactions and
  likes are stored but map to nothing.
- Messenger ``messages`` (https://developers.facebook.com/docs/messenger-platform/reference/webhook-events):
  ``{"object": "page", "entry": [{"id", "time", "messaging": [{"sender": {"id": PSID},
  "recipient": {"id": PAGE_ID}, "timestamp": MS, "message": {"mid", "text"}}]}]}``; a
  message the page sent comes back as an echo (``"is_echo": true``, sender = the page).
  While another app owns the conversation (handover protocol) the same items come under
  ``standby`` instead of ``messaging``: they are read alike. A message of attachments only
  (``"attachments": [{"type": "image", "payload": {"url"}}]``) reads as its attachments.
- Another product's notification (``"object"`` ``instagram``, ``user``, ``permissions``...)
  holds no events of ours: :func:`split_events` answers none, and the receiver still
  answers 200 (anything else makes Meta deliver it again and again).

Direction: outbound when the author is the page itself (``FB_PAGE_ID``) or an echo.
Threads: a comment's conversation is its post (``post_id``); a Messenger conversation is
``messenger:<PSID>`` (one Case per person's chat).
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from sf_social.deletions import PostDeletion
from sf_social.posts import Direction, Network, PostKind, SocialPost

_POST_ITEMS = {"comment", "post", "status"}


def split_events(payload: Any) -> list[tuple[str, dict[str, Any]]]:
    """One ``(stable id, event)`` per feed change or messaging item of a page payload.

    Nothing for another object's notification; ``ValueError`` when the payload is no webhook
    notification, or a page notification of the wrong shape.
    """
    if not isinstance(payload, dict) or not isinstance(payload.get("object"), str):
        raise ValueError('not a webhook notification (no "object")')
    if payload["object"] != "page":
        return []
    entries = payload.get("entry")
    if not isinstance(entries, list):
        raise ValueError('"entry" must be a list')
    events: list[tuple[str, dict[str, Any]]] = []
    for entry in entries:
        if not isinstance(entry, dict):
            raise ValueError("an entry is not an object")
        page = str(entry.get("id", ""))
        for change in _objects(entry, "changes"):
            event = {"type": "change", "page_id": page, "time": entry.get("time"), **change}
            events.append((_change_id(change), event))
        for name in ("messaging", "standby"):
            for item in _objects(entry, name):
                event = {"type": "messaging", "page_id": page, **item}
                events.append((_messaging_id(item), event))
    return events


def _objects(entry: dict[str, Any], name: str) -> list[dict[str, Any]]:
    """``entry[name]``: a list of objects, or nothing; ``ValueError`` for anything else."""
    items = entry.get(name) or []
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise ValueError(f'"{name}" of an entry must be a list of objects')
    return items


def _digest(data: Any) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:32]


def _change_id(change: Any) -> str:
    value = change.get("value") if isinstance(change, dict) else None
    if isinstance(value, dict) and change.get("field") == "leadgen" and value.get("leadgen_id"):
        return f"leadgen:{value['leadgen_id']}"  # a lead delivered twice is spooled once
    if isinstance(value, dict):
        item, verb = value.get("item"), value.get("verb")
        ident = value.get("comment_id") if item == "comment" else value.get("post_id")
        if item and verb and ident:
            return f"feed:{item}:{ident}:{verb}"
    return f"change:{_digest(change)}"


def _messaging_id(item: Any) -> str:
    message = item.get("message") if isinstance(item, dict) else None
    if isinstance(message, dict) and message.get("mid"):
        return f"message:{message['mid']}"
    return f"messaging:{_digest(item)}"


_EDITS = {"edited", "edit"}


def to_item(event: dict[str, Any], page_id: str | None) -> SocialPost | PostDeletion | None:
    """The post an event is, or the deletion or edit it reports, or None."""
    return to_post(event, page_id) or to_deletion(event)


def to_deletion(event: dict[str, Any]) -> PostDeletion | None:
    """The removal or edit of a comment or page post a ``feed`` change reports, or None."""
    value = event.get("value")
    if event.get("type") != "change" or event.get("field") != "feed":
        return None
    if not isinstance(value, dict) or value.get("item") not in _POST_ITEMS:
        return None
    verb = value.get("verb")
    if verb != "remove" and verb not in _EDITS:
        return None
    ident = value.get("comment_id") if value.get("item") == "comment" else value.get("post_id")
    if not ident:
        raise ValueError(f"{value.get('item')} {verb} without its id")
    text = value.get("message") if verb in _EDITS else None
    if verb in _EDITS and not text:
        return None  # an edit of something else than the text (a photo): nothing to change
    return PostDeletion(
        network=Network.FACEBOOK,
        post_id=str(ident),
        at=_time(value.get("created_time")) or _time(event.get("time")),
        new_text=text,
    )


def to_post(event: dict[str, Any], page_id: str | None) -> SocialPost | None:
    """The post an event is, or None when it is not an interaction (reaction, read...)."""
    page = page_id or event.get("page_id") or None
    if event.get("type") == "change":
        return _feed(event, page)
    if event.get("type") == "messaging":
        return _message(event, page)
    return None


def _time(value: Any, millis: bool = False) -> datetime | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return datetime.fromtimestamp(value / 1000 if millis else value, tz=UTC)
    if isinstance(value, str) and value:
        return datetime.fromisoformat(value.replace("+0000", "+00:00"))
    return None


def _feed(event: dict[str, Any], page: str | None) -> SocialPost | None:
    value = event.get("value")
    if event.get("field") != "feed" or not isinstance(value, dict):
        return None
    item, verb = value.get("item"), value.get("verb")
    if item not in _POST_ITEMS or verb != "add" or not value.get("message"):
        return None
    author = value.get("from") or {}
    is_comment = item == "comment"
    post_id = str(value.get("post_id") or "")
    ident = str(value.get("comment_id") if is_comment else post_id)
    if not ident:
        raise ValueError(f"{item} without its id")
    parent = str(value.get("parent_id") or "") or None
    ours = page is not None and str(author.get("id")) == page
    kind = PostKind.COMMENT if is_comment and parent in (None, post_id) else PostKind.REPLY
    return SocialPost.model_validate(
        {
            "network": "facebook",
            "id": ident,
            "text": value["message"],
            "created_at": _time(value.get("created_time")) or _time(event.get("time")),
            "author": {"id": author.get("id"), "name": author.get("name")} if author else None,
            "direction": Direction.OUTBOUND if ours else Direction.INBOUND,
            "kind": kind if is_comment else PostKind.POST,
            "conversation_id": post_id if is_comment and post_id else None,
            "in_reply_to_id": parent if is_comment else None,
            "url": f"https://www.facebook.com/{ident}",
            "account": page,
            "raw": event,
        }
    )


def _message(event: dict[str, Any], page: str | None) -> SocialPost | None:
    message = event.get("message")
    if not isinstance(message, dict) or not message.get("mid"):
        return None
    text = message.get("text") or _attachments(message.get("attachments"))
    if not text:
        return None
    sender = str((event.get("sender") or {}).get("id") or "")
    recipient = str((event.get("recipient") or {}).get("id") or "")
    ours = bool(message.get("is_echo")) or (page is not None and sender == page)
    person = recipient if ours else sender
    if not person:
        raise ValueError("message without sender/recipient ids")
    return SocialPost.model_validate(
        {
            "network": "facebook",
            "id": str(message["mid"]),
            "text": text,
            "created_at": _time(event.get("timestamp"), millis=True),
            "author": {"id": sender or None},
            "direction": Direction.OUTBOUND if ours else Direction.INBOUND,
            "kind": PostKind.DIRECT_MESSAGE,
            "conversation_id": f"messenger:{person}",
            "account": page,
            "raw": event,
        }
    )


def _attachments(items: Any) -> str:
    """``[image] https://...`` per attachment of a message (its text when it has none)."""
    if not isinstance(items, list):
        return ""
    lines = []
    for item in items:
        if isinstance(item, dict):
            payload = item.get("payload")
            url = payload.get("url") if isinstance(payload, dict) else None
            lines.append(f"[{item.get('type') or 'attachment'}] {url or ''}".strip())
    return "\n".join(lines)

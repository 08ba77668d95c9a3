"""Organizational entity notifications → ``SocialPost`` (network ``linkedin``).

One element of ``GET /rest/organizationalEntityNotifications?q=criteria`` (Organization
Social Action Notifications, https://learn.microsoft.com/en-us/linkedin/marketing/community-management/organizations/organization-social-action-notifications)
carries ``notificationId``, ``action`` (``COMMENT``, ``SHARE_MENTION``, ``LIKE``,
``SHARE`` ...), ``organizationalEntity``, ``lastModifiedAt`` (epoch ms), ``sourcePost``
(the organization's post), ``decoratedSourcePost`` (``owner``, ``entity``, ``text``,
``mediaCategory``), ``generatedActivity`` (the comment or mentioning share URN) and
``decoratedGeneratedActivity`` (``comment``: ``owner``, ``entity``, ``object``, ``text``;
``share`` for a mention).

- ``COMMENT`` (and ``ADMIN_COMMENT``) → ``kind="comment"``, id = the comment URN,
  conversation = the post's share URN, so every comment on one post threads into one Case;
- ``SHARE_MENTION`` → ``kind="mention"``, id = the mentioning share URN, which starts its
  own conversation;
- ``COMMENT_DELETE`` → a :class:`~sf_social.deletions.PostDeletion` of the comment URN,
  ``COMMENT_EDIT`` → an edit of it with the comment's new text (design rule 11; the
  payload read as ``COMMENT``'s: ``decoratedGeneratedActivity.comment`` or
  ``generatedActivity``);
- anything else (likes, reshares) maps to nothing.

Author: the commenter's URN as the payload gives it (names need profile permissions the
app does not have); an organization author gets its ``/company/<id>/`` URL. Outbound: the
organization itself or one of our ``member_urns`` wrote it (or ``ADMIN_COMMENT``).
Everything is read defensively: an unusable element is a rejection with a reason.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError

from sf_social.deletions import PostDeletion
from sf_social.errors import FeedLineError
from sf_social.posts import Author, Direction, Network, PostKind, SocialPost

COMMENT_ACTIONS = frozenset({"COMMENT", "ADMIN_COMMENT"})
DELETE_ACTIONS = frozenset({"COMMENT_DELETE"})
EDIT_ACTIONS = frozenset({"COMMENT_EDIT"})
MENTION_ACTIONS = frozenset({"SHARE_MENTION"})
LINKEDIN = "https://www.linkedin.com"
_ORG_PREFIX = "urn:li:organization:"
_MAX_MS = 253402300799999  # 9999-12-31


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _str(value: Any) -> str | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | str):
        text = str(value).strip()
        return text or None
    return None


def epoch_ms(value: Any) -> int | None:
    """A plausible epoch-milliseconds integer, or None."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None  # NaN / Infinity, which Python's JSON reader accepts
    ms = int(value)
    return ms if 0 < ms <= _MAX_MS else None


def _time(value: Any) -> datetime | None:
    ms = epoch_ms(value)
    return datetime.fromtimestamp(ms / 1000, tz=UTC) if ms is not None else None


def _text(activity: dict[str, Any]) -> str | None:
    text = activity.get("text")
    if not isinstance(text, str):
        text = _dict(activity.get("message")).get("text")
    return text if isinstance(text, str) and text.strip() else None


def post_url(urn: str) -> str:
    """``https://www.linkedin.com/feed/update/<urn>/``: the page of a post."""
    return f"{LINKEDIN}/feed/update/{urn}/"


def author_of(urn: str | None) -> Author | None:
    if urn is None:
        return None
    org = urn[len(_ORG_PREFIX) :] if urn.startswith(_ORG_PREFIX) else None
    try:
        return Author(id=urn, profile_url=f"{LINKEDIN}/company/{org}/" if org else None)
    except ValidationError:
        return None


@dataclass(frozen=True)
class PageContext:
    """What the source knows that the payload does not."""

    source: str
    organization: str
    """``urn:li:organization:<id>``."""
    members: frozenset[str] = field(default_factory=frozenset)
    """Person URNs that write for the organization (their comments are outbound)."""
    account: str | None = None

    def ours(self, urn: str | None) -> bool:
        return urn is not None and (urn == self.organization or urn in self.members)


@dataclass(frozen=True)
class Notification:
    """The fields of one element the source needs before normalizing it."""

    id: str | None
    action: str | None
    at: int | None
    body: dict[str, Any]

    @classmethod
    def parse(cls, element: Any) -> Notification:
        body = _dict(element)
        action = _str(body.get("action"))
        return cls(
            id=_str(body.get("notificationId")),
            action=action.upper() if action else None,
            at=epoch_ms(body.get("lastModifiedAt")),
            body=body,
        )


def normalize(
    note: Notification, ctx: PageContext, index: int = 0
) -> SocialPost | PostDeletion | FeedLineError | None:
    """The post a notification is, or the deletion or edit of a comment it reports; None
    when its action is none of those, an error if unusable."""
    where = f"linkedin:{ctx.source}"
    if not note.body:
        return FeedLineError(where, index, "", "notification is not a JSON object")
    if note.action in COMMENT_ACTIONS:
        return _comment(note, ctx, where, index)
    if note.action in MENTION_ACTIONS:
        return _mention(note, ctx, where, index)
    if note.action in DELETE_ACTIONS or note.action in EDIT_ACTIONS:
        return _taken_back(note, where, index)
    return None


def _taken_back(note: Notification, where: str, index: int) -> PostDeletion | FeedLineError:
    body = note.body
    comment = _dict(_dict(body.get("decoratedGeneratedActivity")).get("comment"))
    urn = _str(comment.get("entity")) or _str(body.get("generatedActivity"))
    label = f"notification {note.id or '?'}"
    if urn is None:
        return FeedLineError(where, index, "generatedActivity", f"{label}: comment without its URN")
    text = None
    if note.action in EDIT_ACTIONS:
        text = _text(comment)
        if text is None:
            return FeedLineError(where, index, "text", f"{label}: edit of {urn} without its text")
    try:
        return PostDeletion(network=Network.LINKEDIN, post_id=urn, at=_time(note.at), new_text=text)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = ".".join(str(p) for p in first["loc"])
        return FeedLineError(where, index, loc, f"{label}: {first['msg']}")


def _conversation(body: dict[str, Any], fallback: str | None) -> str | None:
    return (
        _str(_dict(body.get("decoratedSourcePost")).get("entity"))
        or _str(body.get("sourcePost"))
        or fallback
    )


def _comment(
    note: Notification, ctx: PageContext, where: str, index: int
) -> SocialPost | FeedLineError:
    body = note.body
    comment = _dict(_dict(body.get("decoratedGeneratedActivity")).get("comment"))
    urn = _str(comment.get("entity")) or _str(body.get("generatedActivity"))
    label = f"notification {note.id or '?'}"
    if urn is None:
        return FeedLineError(where, index, "generatedActivity", f"{label}: comment without its URN")
    text = _text(comment)
    if text is None:
        return FeedLineError(
            where, index, "text", f"{label}: comment {urn} has no text in the payload"
        )
    owner = _str(comment.get("owner"))
    conversation = _conversation(body, _str(comment.get("object")))
    outbound = ctx.ours(owner) or note.action == "ADMIN_COMMENT"
    url_of = _str(body.get("sourcePost")) or conversation
    return _build(
        where,
        index,
        label,
        {
            "id": urn,
            "text": text,
            "created_at": _time(body.get("lastModifiedAt")),
            "author": author_of(owner),
            "direction": Direction.OUTBOUND if outbound else Direction.INBOUND,
            "kind": PostKind.COMMENT,
            "conversation_id": conversation,
            "url": post_url(url_of) if url_of else None,
            "account": ctx.account,
            "raw": {"notification": body, "source": ctx.source},
        },
    )


def _mention(
    note: Notification, ctx: PageContext, where: str, index: int
) -> SocialPost | FeedLineError:
    body = note.body
    share = _dict(_dict(body.get("decoratedGeneratedActivity")).get("share"))
    urn = _str(share.get("entity")) or _str(body.get("generatedActivity"))
    label = f"notification {note.id or '?'}"
    if urn is None:
        return FeedLineError(
            where, index, "generatedActivity", f"{label}: mention without its post URN"
        )
    text = _text(share)
    if text is None:
        return FeedLineError(
            where, index, "text", f"{label}: mention {urn} has no text in the payload"
        )
    owner = _str(share.get("owner"))
    url_of = _str(body.get("sourcePost")) or urn
    return _build(
        where,
        index,
        label,
        {
            "id": urn,
            "text": text,
            "created_at": _time(body.get("lastModifiedAt")),
            "author": author_of(owner),
            "direction": Direction.OUTBOUND if ctx.ours(owner) else Direction.INBOUND,
            "kind": PostKind.MENTION,
            "conversation_id": urn,
            "url": post_url(url_of),
            "account": ctx.account,
            "raw": {"notification": body, "source": ctx.source},
        },
    )


def _build(
    where: str, index: int, label: str, fields: dict[str, Any]
) -> SocialPost | FeedLineError:
    try:
        return SocialPost(network=Network.LINKEDIN, **fields)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = ".".join(str(p) for p in first["loc"])
        return FeedLineError(where, index, loc, f"{label}: {first['msg']}")

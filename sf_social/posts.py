"""Normalized social interactions: ``SocialPost`` and its ``Author``.

A source (X, LinkedIn export, JSONL, ...) turns whatever the network sends into these
models; everything downstream (classification, mapping, the sync engine) reads only them.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
)

MAX_TEXT_CHARS = 100_000
"""Longest accepted post text. Facebook, the most generous network, allows 63,206."""

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class Network(StrEnum):
    """A social network; ``label`` is the Salesforce picklist value (``Social_Network__c``)."""

    TWITTER = "twitter"
    LINKEDIN = "linkedin"
    FACEBOOK = "facebook"
    INSTAGRAM = "instagram"
    YOUTUBE = "youtube"
    MASTODON = "mastodon"
    BLUESKY = "bluesky"
    OTHER = "other"

    @property
    def label(self) -> str:
        return _NETWORK_LABELS[self]

    @classmethod
    def _missing_(cls, value: object) -> Network | None:
        text = str(value).strip().lower()
        if text == "x":
            return cls.TWITTER
        return next((n for n in cls if text in (n.value, n.label.lower())), None)


_NETWORK_LABELS = {
    Network.TWITTER: "Twitter",
    Network.LINKEDIN: "LinkedIn",
    Network.FACEBOOK: "Facebook",
    Network.INSTAGRAM: "Instagram",
    Network.YOUTUBE: "YouTube",
    Network.MASTODON: "Mastodon",
    Network.BLUESKY: "Bluesky",
    Network.OTHER: "Other",
}


class Direction(StrEnum):
    """Inbound: written by a person. Outbound: written by one of our brand accounts."""

    INBOUND = "inbound"
    OUTBOUND = "outbound"


class PostKind(StrEnum):
    """What kind of interaction a post is."""

    POST = "post"
    MENTION = "mention"
    REPLY = "reply"
    QUOTE = "quote"
    DIRECT_MESSAGE = "direct_message"
    COMMENT = "comment"
    CONNECTION_REQUEST = "connection_request"
    CONNECTION = "connection"
    MESSAGE = "message"
    LEAD_FORM = "lead_form"


def clean_text(value: str) -> str:
    """Documented normalization of text from outside: NFC, no control characters but tab/newline.

    Zero-width joiners and right-to-left marks are kept (emoji sequences and Arabic or
    Hebrew text need them); the classifier ignores them when tokenizing.
    """
    return _CONTROL.sub("", unicodedata.normalize("NFC", value))


def _to_str(value: Any) -> Any:
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


MAX_ID_LENGTH = 200
"""Longest id accepted: the external-id keys built from ids (``twitter:thread:<id>#2``,
``facebook:user:<id>``) must fit Salesforce's 255-character fields."""


MAX_COUNT = 10**12
"""Largest follower, following or post count accepted (no account comes near it)."""

MAX_RAW_DEPTH = 32
"""Deepest nesting accepted in a post's ``raw`` payload (the networks' own stay under 10)."""

EARLIEST, LATEST = datetime(1990, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC)
"""Times outside [EARLIEST, LATEST) are refused: no social post was written then."""


def _id_fits(value: str) -> str:
    if any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise ValueError(
            f"{value!r} holds a control character (NUL, newline, ...): ids are record keys and"
            " are never altered, so fix the producer of this feed"
        )
    if len(value) > MAX_ID_LENGTH:
        raise ValueError(
            f"{len(value)} characters: an id has at most {MAX_ID_LENGTH} (the record keys built"
            " from it must fit Salesforce's 255-character external-id fields)"
        )
    return value


Id = Annotated[str, BeforeValidator(_to_str), Field(min_length=1), AfterValidator(_id_fits)]


class Author(BaseModel):
    """The person (or brand account) behind a post."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Id | None = None
    handle: str | None = Field(default=None, max_length=255)
    name: str | None = Field(default=None, max_length=1000)
    followers: int | None = Field(default=None, ge=0, le=MAX_COUNT)
    following: int | None = Field(default=None, ge=0, le=MAX_COUNT)
    posts: int | None = Field(default=None, ge=0, le=MAX_COUNT, description="lifetime post count")
    verified: bool = False
    profile_url: str | None = Field(default=None, max_length=2000)
    email: str | None = Field(default=None, max_length=255)
    company: str | None = Field(default=None, max_length=1000)
    position: str | None = Field(default=None, max_length=1000)

    @field_validator("handle")
    @classmethod
    def _strip_at(cls, value: str | None) -> str | None:
        if value is None:
            return None
        handle = clean_text(value).strip().lstrip("@")
        return handle or None

    @field_validator("name", "company", "position")
    @classmethod
    def _clean(cls, value: str | None) -> str | None:
        return clean_text(value).strip() or None if value is not None else None


class SocialPost(BaseModel):
    """One normalized interaction. Only ``network``, ``id`` and ``text`` are required."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    network: Network
    id: Id
    text: str
    created_at: datetime | None = None
    author: Author | None = None
    direction: Direction = Direction.INBOUND
    kind: PostKind = PostKind.POST
    conversation_id: Id | None = None
    in_reply_to_id: Id | None = None
    url: str | None = Field(default=None, max_length=2000)
    lang: str | None = Field(default=None, max_length=16)
    account: str | None = Field(
        default=None,
        max_length=255,
        description="our brand account that received the post (routing)",
    )
    raw: dict[str, Any] | None = Field(default=None, description="the payload as received")

    @field_validator("text")
    @classmethod
    def _check_text(cls, value: str) -> str:
        if len(value) > MAX_TEXT_CHARS:
            raise ValueError(
                f"text is {len(value):,} characters; at most {MAX_TEXT_CHARS:,} are accepted "
                "(no network allows posts that long: check the producer of this feed)"
            )
        text = clean_text(value)
        if not text.strip():
            raise ValueError("text is empty: a post needs some text (emoji count)")
        return text

    @field_validator("created_at")
    @classmethod
    def _utc(cls, value: datetime | None) -> datetime | None:
        """Naive times are taken as UTC; aware ones are converted to UTC; 1990 to 2099 only."""
        if value is None:
            return None
        if not EARLIEST.year <= value.year < LATEST.year:  # before converting: year 1 or 9999
            raise ValueError(  # with an offset would overflow
                f"{value.isoformat()} is not between {EARLIEST.year} and {LATEST.year - 1}: "
                "check the producer's clock or date format"
            )
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

    @field_validator("raw")
    @classmethod
    def _shallow(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        if value is not None and _depth(value) > MAX_RAW_DEPTH:
            raise ValueError(
                f"raw is nested deeper than {MAX_RAW_DEPTH} levels: no network sends that"
            )
        return value

    @field_validator("lang", "account")
    @classmethod
    def _lower(cls, value: str | None) -> str | None:
        return value.strip().lstrip("@").lower() or None if value is not None else None

    @property
    def thread_root_id(self) -> str:
        """Id of the conversation's first post (the post itself when it starts one)."""
        return self.conversation_id or self.id

    @property
    def is_reply(self) -> bool:
        """True when the post answers another post of a known conversation."""
        return self.thread_root_id != self.id or self.in_reply_to_id is not None


def _depth(value: Any) -> int:
    """How deeply lists and objects nest in ``value`` (iterative: no recursion limit)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, level)
            if level > MAX_RAW_DEPTH:
                break
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, level + 1) for child in children)
    return deepest

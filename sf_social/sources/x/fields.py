"""What the X source asks the API for, and what tweet ids tell about time.

Without explicit fields the v2 API answers only ``id`` and ``text``; without
``expansions=author_id`` no author arrives in ``includes.users``; without ``note_tweet``
posts longer than 280 characters come truncated (design §5).
"""

from __future__ import annotations

from datetime import UTC, datetime

TWEET_FIELDS = [
    "author_id",
    "created_at",
    "conversation_id",
    "in_reply_to_user_id",
    "referenced_tweets",
    "lang",
    "note_tweet",
    "withheld",
]
USER_FIELDS = ["username", "name", "public_metrics", "verified"]
EXPANSIONS = ["author_id", "referenced_tweets.id", "referenced_tweets.id.author_id"]

DM_EVENT_FIELDS = [
    "id",
    "text",
    "event_type",
    "dm_conversation_id",
    "created_at",
    "sender_id",
    "participant_ids",
    "referenced_tweets",
    "attachments",
]
DM_EXPANSIONS = ["sender_id", "participant_ids"]

MENTIONS_REACHABLE = 800
"""Only the newest 800 mentions of a user can be read; older ones are gone for the endpoint."""
SEARCH_QUERY_MAX = 512
"""Longest recent-search query on the standard access levels."""
SEARCH_DAYS = 7
"""Recent search covers the last seven days."""

_TWEPOCH_MS = 1288834974657


def id_time(post_id: str | int) -> datetime:
    """When a snowflake id was minted (every X id since 2010 encodes its millisecond)."""
    ms = (int(post_id) >> 22) + _TWEPOCH_MS
    return datetime.fromtimestamp(ms / 1000, tz=UTC)


def id_at(moment: datetime) -> int:
    """The smallest snowflake id minted at ``moment``: ``since_id`` for "after this time"."""
    ms = int(moment.timestamp() * 1000) - _TWEPOCH_MS
    return max(ms, 0) << 22


def newer(a: str | None, b: str | None) -> str | None:
    """The larger of two ids (None counts as the smallest)."""
    if a is None:
        return b
    if b is None:
        return a
    return a if int(a) >= int(b) else b

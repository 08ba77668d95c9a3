"""The source port: batches of new posts, each with the cursor to store once it is durable.

A source yields batches. Each batch carries the new posts and an opaque JSON cursor; the
engine stores that cursor in the same local transaction as the batch's planned writes and
hands the last stored one back on the next pass. The source owns the cursor's shape; the
engine never looks inside. A crash before the transaction simply means the batch is read
again (the ledger deduplicates); a crash after it means the batch is never read again.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol, runtime_checkable

from sf_social.deletions import PostDeletion
from sf_social.errors import FeedLineError
from sf_social.posts import SocialPost

Cursor = dict[str, object]
"""A source's bookmark: JSON-serializable, opaque to everyone but the source."""


class Interrupted(Exception):
    """Raised from a source's wait (a rate-limit reset, a retry's backoff) when the process
    is stopping. The pass ends there; the cursor stays where the last stored batch left it,
    so the next pass reads on from that point and nothing is lost."""


@dataclass(frozen=True)
class SourceBatch:
    """New posts, the lines rejected on the way, and the cursor that follows them; also the
    posts their authors deleted or edited since (design rule 11)."""

    posts: list[SocialPost]
    cursor: Cursor
    rejected: list[FeedLineError] = field(default_factory=list)
    deletions: list[PostDeletion] = field(default_factory=list)


class Source(Protocol):
    """Anything that yields new posts since a cursor."""

    @property
    def name(self) -> str:
        """A stable name: the key of this source's cursor in the state store."""
        ...

    def pull(self, cursor: Cursor | None) -> Iterator[SourceBatch]:
        """Batches of posts newer than ``cursor`` (None: from the beginning)."""
        ...


@runtime_checkable
class KeepsRaw(Protocol):
    """A source that keeps raw payloads locally (the Facebook webhook spool): retention
    prunes them (``sf_social.sync.retention``)."""

    def prune(self, cursor: Cursor | None, before: datetime) -> int:
        """Drop the content of what was read up to ``cursor`` and received before
        ``before``; how many items."""
        ...

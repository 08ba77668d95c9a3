"""The ledger of seen posts: which posts the store knows and what became of them.

The ledger is what makes re-reading an overlap harmless (design rule 1, §5 X facts): a
post already in it is skipped, and ``commit_batch`` never queues it twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class LedgerStatus(StrEnum):
    """What became of a seen post.

    ``planned``: its writes wait in the outbox; ``written``: every write landed;
    ``failed``: a write went to the dead letters; ``skipped``: it needed no write;
    ``erased``: its author was erased (``erase_person``): never planned again, never
    forgotten by a replay.
    """

    PLANNED = "planned"
    WRITTEN = "written"
    FAILED = "failed"
    SKIPPED = "skipped"
    ERASED = "erased"


PostRef = tuple[str, str]
"""A post's identity in the ledger: ``(network, native post id)``."""


@dataclass(frozen=True, slots=True)
class SeenPost:
    """A post a source delivered, as ``commit_batch`` records it in the ledger."""

    network: str
    post_id: str
    post_key: str
    """The post's external id, e.g. ``twitter:123`` (``sf_social.mapping.post_key``)."""
    author: str | None = None
    """The digest of its author's handle (``sf_social.privacy.author_digest``): an erasure
    finds the person's posts by it, without the store keeping the handle."""

    @property
    def ref(self) -> PostRef:
        return (self.network, self.post_id)


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    """One row of the ledger."""

    network: str
    post_id: str
    post_key: str
    source: str
    status: LedgerStatus
    keys: tuple[str, ...]
    """External ids of the records its plans write, sorted."""
    first_seen: datetime
    last_seen: datetime
    attempts: int = 0
    """Settled send attempts (completed, rescheduled or dead-lettered) for its writes."""
    sf_ids: dict[str, str] = field(default_factory=dict)
    """Salesforce Id per external id, as learned from completed writes."""
    author: str | None = None
    """The digest of its author's handle, if it had one."""

    @property
    def ref(self) -> PostRef:
        return (self.network, self.post_id)

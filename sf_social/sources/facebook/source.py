"""``FacebookWebhookSource``: the webhook spool as a sync source, cursor = last sequence."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from functools import partial
from pathlib import Path

from sf_social.boundary import admit
from sf_social.deletions import PostDeletion
from sf_social.errors import FeedLineError
from sf_social.posts import SocialPost
from sf_social.sources.base import Cursor, SourceBatch
from sf_social.sources.facebook.normalize import to_item
from sf_social.sources.facebook.spool import WebhookSpool


class FacebookWebhookSource:
    """Events the receiver stored, normalized, in batches: posts, and the removals and edits
    of posts; non-interactions are skipped."""

    def __init__(
        self,
        spool: Path | WebhookSpool,
        page_id: str | None = None,
        batch_size: int = 500,
        name: str = "facebook-webhooks",
    ) -> None:
        self.spool = spool if isinstance(spool, WebhookSpool) else WebhookSpool(spool)
        self.page_id = page_id
        self.batch_size = batch_size
        self._name = name

    @property
    def name(self) -> str:
        return self._name

    def prune(self, cursor: Cursor | None, before: datetime) -> int:
        """Blank the raw payloads already read (up to ``cursor``) received before ``before``."""
        stored = (cursor or {}).get("seq", 0)
        return self.spool.prune(stored if isinstance(stored, int) else 0, before)

    def pull(self, cursor: Cursor | None) -> Iterator[SourceBatch]:
        stored = (cursor or {}).get("seq", 0)
        after = stored if isinstance(stored, int) else 0
        while rows := self.spool.read(after, self.batch_size):
            posts: list[SocialPost] = []
            deletions: list[PostDeletion] = []
            rejected: list[FeedLineError] = []
            for seq, event_id, event in rows:
                item = admit(
                    str(self.spool.path), seq, event_id, partial(to_item, event, self.page_id)
                )
                if isinstance(item, FeedLineError):
                    rejected.append(item)
                elif isinstance(item, PostDeletion):
                    deletions.append(item)
                elif item is not None:
                    posts.append(item)
            after = rows[-1][0]
            yield SourceBatch(posts, {"seq": after}, rejected, deletions)

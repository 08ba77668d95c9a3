"""An in-memory source for tests: a list of posts, cursor = how many were handed out."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from sf_social.posts import SocialPost
from sf_social.sources.base import Cursor, SourceBatch


class MemorySource:
    """Serves ``posts`` in batches; more can be appended between passes."""

    def __init__(
        self, posts: Sequence[SocialPost] = (), batch_size: int = 100, name: str = "memory"
    ) -> None:
        self.posts = list(posts)
        self.batch_size = batch_size
        self._name = name

    @property
    def name(self) -> str:
        return self._name

    def pull(self, cursor: Cursor | None) -> Iterator[SourceBatch]:
        start = int(str((cursor or {}).get("served", 0)))
        for begin in range(start, len(self.posts), self.batch_size):
            batch = self.posts[begin : begin + self.batch_size]
            yield SourceBatch(batch, {"served": begin + len(batch)})

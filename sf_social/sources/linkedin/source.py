"""``LinkedInExportSource``: a member data export (folder or ZIP) as a sync source.

Forward-only activity (design rule 6, :mod:`sf_social.forward_only`):
``LinkedIn_Lead_Activity__c`` must never move back. The source marks each post with
``raw["advances_activity"]`` (the furthest activity of its profile across the *whole*
export) and serves every non-advancing event first, the advancing ones last, never mixed
in one batch: the engine applies plans in order per ordering key (the profile's Lead key),
so the last Lead write of a profile carries its furthest activity even with the stock
pipeline; ``ForwardOnlyPipeline`` also drops the activity from the others' Lead writes.

The cursor is ``{"export": <content fingerprint>, "served": n}``: an interrupted import of
the same export resumes after the last committed batch; another export starts over and the
ledger skips the events already known (re-importing changes nothing).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from sf_social.errors import FeedLineError
from sf_social.forward_only import ADVANCES, mark_in_place
from sf_social.posts import SocialPost
from sf_social.sources.base import Cursor, SourceBatch
from sf_social.sources.linkedin.archive import DEFAULT_LIMITS, Limits, open_export
from sf_social.sources.linkedin.events import Events, read_events


class LinkedInExportSource:
    """The relationship events of the export at ``path`` (folder or ZIP), in batches."""

    def __init__(
        self,
        path: Path,
        *,
        member_profile_url: str | None = None,
        batch_size: int = 500,
        name: str | None = None,
        limits: Limits = DEFAULT_LIMITS,
    ) -> None:
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, not {batch_size}")
        self.path = path
        self.member_profile_url = member_profile_url
        self.batch_size = batch_size
        self.limits = limits
        self._name = name or f"linkedin-export:{path.resolve()}"
        self.skipped = 0
        self.total = 0
        """Events in the export (rows served, rejected ones included), once it is read."""

    @property
    def name(self) -> str:
        return self._name

    def read(self) -> tuple[str, Events]:
        """The export's fingerprint and its events (marked), oldest first in each group."""
        export = open_export(self.path, self.limits)
        events = read_events(export, self.member_profile_url, self.limits.max_rows)
        self.skipped = events.skipped
        mark_in_place(events.posts)
        return export.fingerprint, events

    def pull(self, cursor: Cursor | None) -> Iterator[SourceBatch]:
        fingerprint, events = self.read()
        served = 0
        if cursor and cursor.get("export") == fingerprint:
            stored = cursor.get("served")
            served = stored if isinstance(stored, int) else 0
        groups = _groups(events)
        self.total = sum(len(group) for group in groups)
        position = 0
        for group in groups:
            for begin in range(0, len(group), self.batch_size):
                chunk = group[begin : begin + self.batch_size]
                position += len(chunk)
                if position <= served:
                    continue
                posts = [p for p in chunk if isinstance(p, SocialPost)]
                rejected = [e for e in chunk if isinstance(e, FeedLineError)]
                yield SourceBatch(posts, {"export": fingerprint, "served": position}, rejected)


def _groups(events: Events) -> list[list[SocialPost | FeedLineError]]:
    """Rejections, then non-advancing events, then advancing ones (each group by time)."""

    def when(post: SocialPost) -> tuple[str, str]:
        return (post.created_at.isoformat() if post.created_at else "", post.id)

    before = sorted((p for p in events.posts if not (p.raw or {}).get(ADVANCES)), key=when)
    last = sorted((p for p in events.posts if (p.raw or {}).get(ADVANCES)), key=when)
    groups: list[list[SocialPost | FeedLineError]] = [list(events.rejected), [*before], [*last]]
    return [g for g in groups if g]

"""Intake: a source's new posts → plans → one local transaction (design §3, rule 2).

For each batch a source yields: skip posts the ledger already has, classify and map the
rest, apply the local threading rules, and commit the plans, the ledger entries, the thread
decisions and the source's cursor together. Nothing here talks to Salesforce: intake keeps
working while the org is unreachable, and the outbox waits.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from sf_social import crashpoints
from sf_social.keys import profile_key, thread_key
from sf_social.pipeline import Pipeline
from sf_social.plan import RecordPlan
from sf_social.posts import PostKind, SocialPost
from sf_social.sources.base import SourceBatch
from sf_social.state import QueuedPlan, SeenPost, StateStore, ThreadState
from sf_social.sync import threads as rules

log = logging.getLogger(__name__)
_LATEST = datetime.max.replace(tzinfo=UTC)


@dataclass
class IntakeCounts:
    """What intake did in one pass of one source."""

    pulled: int = 0
    rejected: int = 0
    new: int = 0
    duplicates: int = 0
    queued: int = 0
    rejections: list[str] = field(default_factory=list)


class Intake:
    """Commits a source's batches, each in one local transaction."""

    def __init__(
        self,
        store: StateStore,
        pipeline: Pipeline,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.store = store
        self.pipeline = pipeline
        self.clock = clock
        self.reopen_days = pipeline.playbook.threading.reopen_days

    def commit(self, source: str, batch: SourceBatch, counts: IntakeCounts) -> None:
        """Plan one batch and commit it with its cursor."""
        counts.pulled += len(batch.posts) + len(batch.rejected)
        counts.rejected += len(batch.rejected)
        for error in batch.rejected:
            log.warning("rejected %s", error)
            counts.rejections.append(str(error))
        posts = self._fresh(batch.posts)
        known = self._known_threads(posts)
        answered: set[str] = set()
        plans = [self._plan(post, known, answered) for post in posts]
        result = self.store.commit_batch(
            source,
            batch.cursor,
            [
                SeenPost(p.network.value, p.id, plan.post_key)
                for p, plan in zip(posts, plans, strict=True)
            ],
            [QueuedPlan(plan, ordering_key(plan)) for plan in plans],
            threads=_threads(posts, plans, known),
            now=self.clock(),
        )
        crashpoints.reached("intake:committed")
        counts.new += result.new_posts
        counts.duplicates += result.duplicates + len(batch.posts) - len(posts)
        counts.queued += result.queued

    def _fresh(self, posts: list[SocialPost]) -> list[SocialPost]:
        """New posts, oldest first (a reply after the post it answers), each once."""
        seen = self.store.seen((p.network.value, p.id) for p in posts)
        fresh: dict[tuple[str, str], SocialPost] = {}
        for post in posts:
            ref = (post.network.value, post.id)
            if ref not in seen:
                fresh.setdefault(ref, post)
        return sorted(fresh.values(), key=lambda p: p.created_at or _LATEST)

    def _known_threads(self, posts: list[SocialPost]) -> dict[str, ThreadState]:
        """Threads of the batch's conversations, and the latest of each DM author's, by root."""
        known = self.store.threads({thread_key(p.network, p.thread_root_id) for p in posts})
        authors = {
            key
            for p in posts
            if p.kind is PostKind.DIRECT_MESSAGE and (key := profile_key(p)) is not None
        }
        if authors:
            for thread in self.store.latest_threads_by_author(authors).values():
                known.setdefault(thread.root_key, thread)
        return known

    def _plan(
        self, post: SocialPost, known: dict[str, ThreadState], answered: set[str]
    ) -> RecordPlan:
        plan = self.pipeline.plan(post)
        plan = rules.follow_generation(plan, known)
        plan = rules.once_first_response(plan, known, answered)
        author = profile_key(post)
        recent = next(
            (t for t in known.values() if author is not None and t.author_key == author), None
        )
        return rules.join_recent_case(plan, post, recent, self.reopen_days)


def _threads(
    posts: list[SocialPost], plans: list[RecordPlan], known: dict[str, ThreadState]
) -> list[ThreadState]:
    """The threads this batch opens or continues, with their latest activity."""
    states: dict[str, ThreadState] = {}
    for post, plan in zip(posts, plans, strict=True):
        for write in rules.case_writes(plan):
            root, generation = rules.split_case_key(write.key)
            base = states.get(root) or known.get(root)
            if base is None:
                base = ThreadState(root, generation, write.key, author_key=profile_key(post))
            states[root] = replace(
                base,
                author_key=base.author_key or profile_key(post),
                last_activity_at=post.created_at or base.last_activity_at,
            )
    return list(states.values())


def ordering_key(plan: RecordPlan) -> str:
    """Plans of one thread (else one person) are applied in order (design rule 6)."""
    for write in plan.writes:
        if write.sobject == "Case":
            return rules.split_case_key(write.key)[0]
    if plan.identity is not None and plan.identity.lead_key:
        return plan.identity.lead_key
    return plan.post_key

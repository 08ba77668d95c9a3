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
from sf_social.logs import event
from sf_social.pipeline import Pipeline
from sf_social.plan import RecordPlan
from sf_social.posts import Direction, PostKind, SocialPost
from sf_social.records import TaskRecord
from sf_social.sources.base import SourceBatch
from sf_social.state import QueuedPlan, SeenPost, StateStore, ThreadState
from sf_social.state.threads import latest_per_author
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
            event(log, "rejected", logging.WARNING, source=source, line=str(error))
            counts.rejections.append(str(error))
        posts = self._fresh(batch.posts)
        threads = BatchThreads(self._known_threads(posts))
        answered: set[str] = set()
        plans = []
        for post in posts:
            plan = self._plan(post, threads, answered)
            threads.record(post, plan)
            plans.append(plan)
        result = self.store.commit_batch(
            source,
            batch.cursor,
            [
                SeenPost(p.network.value, p.id, plan.post_key)
                for p, plan in zip(posts, plans, strict=True)
            ],
            [QueuedPlan(plan, ordering_key(plan)) for plan in plans],
            threads=threads.touched(),
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

    def _plan(self, post: SocialPost, threads: BatchThreads, answered: set[str]) -> RecordPlan:
        plan = self.pipeline.plan(post)
        plan = rules.follow_generation(plan, threads.by_root)
        plan = rules.once_first_response(plan, threads.by_root, answered)
        recent = threads.latest_of(profile_key(post))
        plan = rules.join_recent_case(plan, post, recent, self.reopen_days)
        case_key = self._conversation_case(post, threads, recent)
        if case_key is None or post.direction is Direction.OUTBOUND:
            return plan
        mapper = self.pipeline.mapper
        return rules.log_on_case(
            plan, case_key, lambda: mapper.case_task(post, plan.classification, case_key)
        )

    def _conversation_case(
        self, post: SocialPost, threads: BatchThreads, recent: ThreadState | None
    ) -> str | None:
        """The Case of the conversation ``post`` continues: its thread's, or the recent one
        a direct message joins."""
        if post.is_reply:
            thread = threads.by_root.get(thread_key(post.network, post.thread_root_id))
            if thread is not None:
                return thread.case_key
        if rules.joins(post, recent, self.reopen_days):
            assert recent is not None
            return recent.case_key
        return None


class BatchThreads:
    """The threads as one batch sees them: the store's, then what its earlier posts did.

    Posts are planned oldest first, so a direct message finds the Case its author's
    complaint opened a few posts earlier in the same batch, exactly as a batch later.
    """

    def __init__(self, known: dict[str, ThreadState]) -> None:
        self.by_root = known
        self._by_author = latest_per_author(known.values())
        self._touched: dict[str, None] = {}

    def latest_of(self, author_key: str | None) -> ThreadState | None:
        """The author's thread with the latest activity, if any."""
        return None if author_key is None else self._by_author.get(author_key)

    def record(self, post: SocialPost, plan: RecordPlan) -> None:
        """The threads ``plan`` opens or continues, with the post as their latest activity."""
        for write in rules.case_writes(plan):
            root, generation = rules.split_case_key(write.key)
            author = profile_key(post)
            base = self.by_root.get(root) or ThreadState(root, generation, write.key, author)
            state = replace(
                base,
                author_key=base.author_key or author,
                last_activity_at=post.created_at or base.last_activity_at,
            )
            self.by_root[root] = state
            self._touched[root] = None
            if state.author_key is not None:
                current = self._by_author.get(state.author_key)
                candidates = [state] if current is None else [current, state]
                self._by_author.update(latest_per_author(candidates))

    def touched(self) -> list[ThreadState]:
        """The threads the batch opened or continued, to store with it."""
        return [self.by_root[root] for root in self._touched]


def ordering_key(plan: RecordPlan) -> str:
    """Plans of one thread (else one person) are applied in order (design rule 6)."""
    for write in plan.writes:
        if write.sobject == "Case":
            return rules.split_case_key(write.key)[0]
    for write in plan.writes:  # a Task logged on a thread's Case goes after that Case
        record = write.record
        if isinstance(record, TaskRecord) and record.what is not None and record.what.key:
            return rules.split_case_key(record.what.key)[0]
    if plan.identity is not None and plan.identity.lead_key:
        return plan.identity.lead_key
    return plan.post_key

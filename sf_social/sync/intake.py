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
from sf_social.keys import post_key, profile_key, thread_key
from sf_social.logs import event
from sf_social.pipeline import Pipeline
from sf_social.plan import RecordPlan
from sf_social.posts import Direction, Network, PostKind, SocialPost
from sf_social.privacy import author_digest, author_digests
from sf_social.records import CaseRecord, TaskRecord
from sf_social.sources.base import SourceBatch
from sf_social.state import QueuedPlan, SeenPost, StateStore, ThreadState
from sf_social.state.threads import latest_per_author
from sf_social.sync import responses, thread_rules
from sf_social.sync.deletions import forget_deleted, plan_deletions

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
    suppressed: int = 0
    """New posts of erased people (the suppression list): marked seen, never planned."""
    deletions: int = 0
    """Posts their authors deleted or edited, as the source reported them."""
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
        self.hours = pipeline.playbook.response_targets.business_hours

    def commit(self, source: str, batch: SourceBatch, counts: IntakeCounts) -> None:
        """Plan one batch and commit it with its cursor."""
        counts.pulled += len(batch.posts) + len(batch.rejected)
        counts.rejected += len(batch.rejected)
        for error in batch.rejected:
            event(log, "rejected", logging.WARNING, source=source, line=str(error))
            counts.rejections.append(str(error))
        fresh = self._fresh(batch.posts)
        delete_leads = self.pipeline.playbook.lead_forms.deleted_responses == "delete"
        removals = plan_deletions(self.store, batch.deletions, delete_leads=delete_leads)
        refused = self._suppressed(fresh)
        posts = [p for p in fresh if (p.network, p.id) not in refused | removals.deleted]
        threads = BatchThreads(self._known_threads(posts))
        answered: set[str] = set()
        plans = []
        for post in posts:
            plan = self._plan(post, threads, answered)
            threads.record(post, plan)
            plans.append(plan)
        seen = [
            SeenPost(p.network.value, p.id, post_key(p.network, p.id), author_digest(p))
            for p in fresh
        ]
        if refused:
            counts.suppressed += len(refused)
            event(log, "suppressed", source=source, posts=len(refused))
        result = self.store.commit_batch(
            source,
            batch.cursor,
            seen + removals.posts,
            [QueuedPlan(plan, ordering_key(plan)) for plan in plans] + removals.plans,
            threads=threads.touched(),
            threads_read=threads.read,
            now=self.clock(),
        )
        crashpoints.reached("intake:committed")
        if batch.deletions:
            counts.deletions += len(batch.deletions)
            dropped = forget_deleted(self.store, removals)
            event(log, "deletions", source=source, events=len(batch.deletions), dropped=dropped)
        counts.new += result.new_posts
        counts.duplicates += result.duplicates + len(batch.posts) - len(fresh)
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

    def _suppressed(self, posts: list[SocialPost]) -> set[tuple[Network, str]]:
        """The posts whose author is on the suppression list (one read), by network and id."""
        digests = {(p.network, p.id): author_digests(p) for p in posts}
        wanted: set[str] = set().union(*digests.values()) if digests else set()
        if not wanted:
            return set()
        listed = self.store.suppressed(wanted)
        return {ref for ref, found in digests.items() if found & listed}

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
        plan = thread_rules.follow_generation(plan, threads.by_root)
        plan = thread_rules.once_first_response(plan, threads.by_root, answered)
        plan = responses.timed_first_response(plan, threads.by_root, self.hours)
        recent = threads.latest_of(profile_key(post))
        plan = thread_rules.join_recent_case(plan, post, recent, self.reopen_days)
        plan = responses.move_due_earlier(plan, threads.by_root)
        case_key = self._conversation_case(post, threads, recent)
        if case_key is None or post.direction is Direction.OUTBOUND:
            return plan
        mapper = self.pipeline.mapper
        return thread_rules.log_on_case(
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
        if thread_rules.joins(post, recent, self.reopen_days):
            assert recent is not None
            return recent.case_key
        return None


class BatchThreads:
    """The threads as one batch sees them: the store's, then what its earlier posts did.

    Posts are planned oldest first, so a direct message finds the Case its author's
    complaint opened a few posts earlier in the same batch, exactly as a batch later.
    """

    def __init__(self, known: dict[str, ThreadState]) -> None:
        self.read = dict(known)
        """The threads as the store gave them: what the batch's changes are relative to."""
        self.by_root = known
        self._by_author = latest_per_author(known.values())
        self._touched: dict[str, None] = {}

    def latest_of(self, author_key: str | None) -> ThreadState | None:
        """The author's thread with the latest activity, if any."""
        return None if author_key is None else self._by_author.get(author_key)

    def record(self, post: SocialPost, plan: RecordPlan) -> None:
        """The threads ``plan`` opens or continues, with the post as their latest activity."""
        for write in thread_rules.case_writes(plan):
            root, generation = thread_rules.split_case_key(write.key)
            author = profile_key(post)
            case = write.record
            assert isinstance(case, CaseRecord)
            known = self.by_root.get(root)
            if known is None:
                new = ThreadState(root, generation, write.key, author_key=author)
                base = responses.opened(new, case, plan.classification.team, post.created_at)
            else:
                base = responses.continued(known, case)
            opener = known is None or known.case_key != write.key  # a new Case (generation)
            state = replace(
                base,
                author_key=base.author_key or author,
                last_activity_at=post.created_at or base.last_activity_at,
                opened_by=plan.post_key if opener else base.opened_by,
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
            return thread_rules.split_case_key(write.key)[0]
    for write in plan.writes:  # a Task logged on a thread's Case goes after that Case
        record = write.record
        if isinstance(record, TaskRecord) and record.what is not None and record.what.key:
            return thread_rules.split_case_key(record.what.key)[0]
    if plan.identity is not None and plan.identity.lead_key:
        return plan.identity.lead_key
    return plan.post_key

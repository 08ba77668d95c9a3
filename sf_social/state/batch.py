"""What ``commit_batch`` receives and answers: THE transaction of design rule 2.

In one local transaction: queue the plans of new posts in the outbox, mark the posts seen
in the ledger (posts already there are skipped, with their plans), store thread decisions,
and advance the source's cursor. All or nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Container, Sequence
from dataclasses import dataclass

from sf_social.state.ledger import LedgerStatus, PostRef, SeenPost
from sf_social.state.outbox import QueuedPlan

Checkpoint = Callable[[str], None]
"""Called at named points inside a store's transactions (``commit_batch:ledger``, ...).

Tests inject faults through it (raise to abort, ``os._exit`` to crash); production
passes none.
"""

CHECKPOINTS = ("commit_batch:ledger", "commit_batch:outbox", "commit_batch:cursor")
"""The checkpoints of ``commit_batch``, in order; the last runs just before the commit."""

CLAIM_CHECKPOINT = "claim_outbox:locked"
"""Inside ``claim_outbox``'s transaction, once the rows are chosen (and locked), before commit."""


@dataclass(frozen=True, slots=True)
class CommitResult:
    """What a committed batch changed."""

    new_posts: int
    """Posts added to the ledger."""
    duplicates: int
    """Posts skipped because the ledger already had them (their plans were not queued)."""
    queued: int
    """Outbox rows added."""


@dataclass(frozen=True, slots=True)
class BatchPlan:
    """A batch checked and sorted out, before any backend writes it."""

    posts: dict[PostRef, SeenPost]
    plans: dict[PostRef, list[QueuedPlan]]
    ordered: list[tuple[PostRef, QueuedPlan]]
    """Every plan with its post, in the order given: the order the outbox keeps."""

    def to_queue(self, new: Container[PostRef]) -> list[QueuedPlan]:
        """The plans to queue, in order: those of new posts that write something."""
        return [q for ref, q in self.ordered if ref in new and q.plan.writes]

    def status_of(self, ref: PostRef) -> LedgerStatus:
        """``planned`` when some plan of the post writes something, else ``skipped``."""
        writes = any(q.plan.writes for q in self.plans.get(ref, ()))
        return LedgerStatus.PLANNED if writes else LedgerStatus.SKIPPED

    def keys_of(self, ref: PostRef) -> tuple[str, ...]:
        """The external ids the post's plans write, sorted and unique."""
        return tuple(sorted({w.key for q in self.plans.get(ref, ()) for w in q.plan.writes}))


def prepare_batch(posts: Sequence[SeenPost], plans: Sequence[QueuedPlan]) -> BatchPlan:
    """Check a batch: one entry per post (first wins), every plan belongs to a post of the batch.

    Raises ``ValueError`` for a plan whose post is not in ``posts`` (a caller bug: its post
    would never be marked seen).
    """
    by_ref: dict[PostRef, SeenPost] = {}
    for post in posts:
        by_ref.setdefault(post.ref, post)
    grouped: dict[PostRef, list[QueuedPlan]] = {}
    ordered: list[tuple[PostRef, QueuedPlan]] = []
    for queued in plans:
        ref = (str(queued.plan.network.value), queued.plan.post_id)
        if ref not in by_ref:
            raise ValueError(
                f"plan for {queued.plan.post_key} has no post in the batch: pass the post too"
            )
        grouped.setdefault(ref, []).append(queued)
        ordered.append((ref, queued))
    return BatchPlan(posts=by_ref, plans=grouped, ordered=ordered)

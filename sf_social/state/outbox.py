"""The outbox of planned writes, and the rules that decide which rows a worker may claim.

One row per ``RecordPlan``, queued by ``commit_batch`` in the same transaction that marks
its post seen and advances the cursor (design rule 2). Rows are applied in order per
*ordering key* (design rule 6): a row is claimable only when it is due, not leased, and no
earlier row (smaller id) with the same ordering key is still in the outbox or parked in
the dead letters. A row leaves the outbox when it completes or goes to the dead letters;
a dead letter keeps *holding* the rows behind it in its key until it is retried (it goes
back under its original id, ahead of them) or dropped: a thread's replies never create
its Case while its first post waits for an admin, and a retried first post never
overwrites what newer posts wrote.

A claim leases rows to a worker until ``claimed_until``; a worker that crashes simply lets
its lease expire and the rows become claimable again. Each claim increments ``attempts``,
which also fences settling: a worker whose lease was taken over can no longer settle the
row (the store answers ``False``).

The pure functions here state the claim rule once; the in-memory store runs them, the SQL
store expresses the same rule in SQL, and the contract tests hold both to it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from sf_social.plan import RecordPlan
from sf_social.redaction import redact


@dataclass(frozen=True, slots=True)
class QueuedPlan:
    """A plan to queue, with the key it must be applied in order with.

    ``ordering_key`` is typically the thread key or the author's profile key; ``None``
    means the post key (no ordering constraint beyond the post itself).
    """

    plan: RecordPlan
    ordering_key: str | None = None

    @property
    def effective_ordering_key(self) -> str:
        return self.ordering_key or self.plan.post_key


@dataclass(frozen=True, slots=True)
class OutboxRow:
    """One claimed outbox row: the plan to send and the lease that lets a worker settle it."""

    id: int
    post_key: str
    ordering_key: str
    plan: RecordPlan
    attempts: int
    """Claims so far, this one included."""
    next_attempt_at: datetime
    created_at: datetime
    claimed_by: str | None
    claimed_until: datetime | None
    last_error: str | None = None
    first_failed_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Failure:
    """Why a write failed for good: a Salesforce error code, its message and fields."""

    code: str
    message: str
    fields: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "message", redact(self.message))  # servers echo secrets


@dataclass(frozen=True, slots=True)
class Completed:
    """The row's writes landed; ``ids`` maps external id → Salesforce Id."""

    row: OutboxRow
    ids: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Rescheduled:
    """A transient failure: try the row again at ``next_attempt_at``."""

    row: OutboxRow
    error: str
    next_attempt_at: datetime

    def __post_init__(self) -> None:
        object.__setattr__(self, "error", redact(self.error))  # servers echo secrets


@dataclass(frozen=True, slots=True)
class DeadLettered:
    """A permanent failure (or too many attempts): park the row with the reason."""

    row: OutboxRow
    failure: Failure


Outcome = Completed | Rescheduled | DeadLettered
"""What a worker reports for one claimed row."""


@dataclass(frozen=True, slots=True)
class QueueSlot:
    """The fields of an outbox row that the claim rule reads."""

    id: int
    ordering_key: str
    next_attempt_at: datetime
    claimed_until: datetime | None


def is_available(slot: QueueSlot, now: datetime) -> bool:
    """Due and not under a live lease (an expired lease counts as none)."""
    leased = slot.claimed_until is not None and slot.claimed_until > now
    return slot.next_attempt_at <= now and not leased


def is_held(slot: QueueSlot, held: Mapping[str, int]) -> bool:
    """Behind a dead letter of its key (``held``: ordering key → smallest dead outbox id)."""
    dead = held.get(slot.ordering_key)
    return dead is not None and dead < slot.id


def select_claimable(
    slots: Iterable[QueueSlot],
    now: datetime,
    limit: int,
    per_key: int = 1,
    held: Mapping[str, int] | None = None,
) -> list[int]:
    """Ids a claim may take, oldest first: the per-key ordering rule.

    For each ordering key only the head of its queue (the smallest id) can be taken, and
    only if it is available and not held behind a dead letter (``held``, see
    :func:`is_held`). With ``per_key > 1`` the claim may also take the rows right behind
    an available head, in order, up to ``per_key`` rows of that key, stopping at the first
    row that is not available or held: the worker then gets a contiguous prefix of the
    key's queue and must apply it in order. At most ``limit`` ids in all; heads first.
    """
    if limit <= 0:
        return []
    held = held or {}
    chains: dict[str, list[QueueSlot]] = {}
    for slot in sorted(slots, key=lambda s: s.id):
        if not is_held(slot, held):
            chains.setdefault(slot.ordering_key, []).append(slot)
    heads = sorted(
        (chain[0] for chain in chains.values() if is_available(chain[0], now)),
        key=lambda s: s.id,
    )[:limit]
    taken = [head.id for head in heads]
    if per_key > 1:
        followers: list[int] = []
        for head in heads:
            for slot in chains[head.ordering_key][1:per_key]:
                if not is_available(slot, now):
                    break
                followers.append(slot.id)
        taken.extend(sorted(followers)[: limit - len(taken)])
    return sorted(taken)


def contiguous_prefixes(candidates: list[tuple[int, str]], granted: set[int]) -> list[int]:
    """The ``candidates`` (id, ordering key) whose earlier same-key candidates are all granted.

    A claim that locks rows with ``SKIP LOCKED`` may not get every row it wanted; a row
    whose predecessor in the same key was skipped must be dropped, or it would jump ahead.
    """
    broken: set[str] = set()
    kept: list[int] = []
    for row_id, key in sorted(candidates):
        if key in broken:
            continue
        if row_id in granted:
            kept.append(row_id)
        else:
            broken.add(key)
    return kept

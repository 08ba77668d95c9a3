"""Dead letters: planned writes that failed for good, kept with the reason until an operator acts.

An operator lists them (by code), shows one (the plan as JSON), fixes the cause (e.g.
deploys a missing picklist value) and retries them, which moves them back to the outbox
under their original outbox id (so they keep their place in their ordering key's queue),
or drops them.

A retry takes along what waited on the retried writes (:func:`with_dependents`): the
``PARENT_FAILED`` dead letters refused only because a record of theirs failed, and the
outbox rows held behind them, which are due at once.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sf_social.plan import RecordPlan
from sf_social.records import TaskRecord
from sf_social.state.codec import decode_plan

PARENT_FAILED = "PARENT_FAILED"
"""The code of a write refused because a record it refers to failed in the same batch
(the writer's ``codes.PARENT_FAILED``)."""


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """One parked write, with the failure that parked it."""

    id: int
    outbox_id: int
    post_key: str
    ordering_key: str
    plan_json: str
    code: str
    message: str
    fields: tuple[str, ...]
    attempts: int
    created_at: datetime
    """When the plan was first queued."""
    first_failed_at: datetime
    last_failed_at: datetime

    @property
    def plan(self) -> RecordPlan:
        """The plan, parsed from ``plan_json``."""
        return decode_plan(self.plan_json)


def holding(dead: Iterable[DeadLetter]) -> dict[str, int]:
    """Ordering key → the smallest outbox id of these dead letters (the rows they hold)."""
    first: dict[str, int] = {}
    for d in dead:
        first[d.ordering_key] = min(d.outbox_id, first.get(d.ordering_key, d.outbox_id))
    return first


def with_dependents(chosen: Sequence[DeadLetter], parked: Iterable[DeadLetter]) -> list[DeadLetter]:
    """``chosen`` and, transitively, the ``PARENT_FAILED`` dead letters of ``parked`` that
    wait on them: behind one of them in its ordering key, or logging a Task on a record one
    of them writes. By id."""
    taken = {d.id: d for d in chosen}
    waiting = {d.id: (d, d.plan) for d in parked if d.code == PARENT_FAILED and d.id not in taken}
    keys: set[str] = set()
    new = list(chosen)
    while new:
        keys.update(write.key for d in new for write in d.plan.writes)
        heads = holding(taken.values())
        new = [
            d
            for d, plan in waiting.values()
            if heads.get(d.ordering_key, d.outbox_id) < d.outbox_id or _refers_to(plan, keys)
        ]
        for d in new:
            taken[d.id] = waiting.pop(d.id)[0]
    return sorted(taken.values(), key=lambda d: d.id)


def _refers_to(plan: RecordPlan, keys: set[str]) -> bool:
    """Whether a Task of ``plan`` refers (Who, What) to a record by one of ``keys``."""
    return any(
        ref is not None and ref.key in keys
        for write in plan.writes
        if isinstance(write.record, TaskRecord)
        for ref in (write.record.who, write.record.what)
    )

"""The state of one ``SalesforceWriter.write`` call, and the report made of it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sf_social.plan import PlannedWrite, RecordPlan
from sf_social.salesforce.batch import Slot
from sf_social.salesforce.delivery import Done, Stop
from sf_social.salesforce.results import (
    PlanResult,
    RecordFailure,
    Status,
    WriteOutcome,
    WriteReport,
)


@dataclass
class WriteRun:
    """The state of one ``write`` call."""

    plans: Sequence[RecordPlan]
    known: dict[str, str]
    """Key → Id: what the ledger and this pass knew, then what the lookups found."""
    written_before: dict[str, str] = field(default_factory=dict)
    """Key → Id of records written before this batch (the ledger, this pass)."""
    applied: list[list[tuple[PlannedWrite, str | None]]] = field(default_factory=list)
    notes: list[list[str]] = field(default_factory=list)
    plan_failure: dict[int, RecordFailure] = field(default_factory=dict)
    sobject_failure: dict[str, RecordFailure] = field(default_factory=dict)
    queue_failure: RecordFailure | None = None
    slots: dict[tuple[str, str], Slot] = field(default_factory=dict)
    done: dict[int, Done] = field(default_factory=dict)
    slot_notes: dict[int, str] = field(default_factory=dict)
    insert_first: set[str] = field(default_factory=set)
    forward_values: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Key → the org's values of the forward-only fields we set on that record."""
    stopped: Stop | None = None


def report_of(run: WriteRun) -> WriteReport:
    """Each plan's outcome, write by write, and every key → Id learnt."""
    by_member: dict[tuple[int, int], Slot] = {}
    for slot in run.slots.values():
        for member in slot.members:
            by_member[member] = slot
    results: list[PlanResult] = []
    ids: dict[str, str] = {}
    for i, plan in enumerate(run.plans):
        outcomes: list[WriteOutcome] = []
        for j, (write, skip) in enumerate(run.applied[i]):
            outcomes.append(_outcome(run, i, write, skip, by_member.get((i, j))))
        for outcome in outcomes:
            if outcome.id is not None and outcome.write.record.key_field != "Id":
                ids[outcome.key] = outcome.id
        results.append(PlanResult(plan, tuple(outcomes), tuple(run.notes[i])))
    stopped = run.stopped.reason if run.stopped else None
    return WriteReport(results=results, ids=ids, stopped=stopped)


def _outcome(
    run: WriteRun, i: int, write: PlannedWrite, skip: str | None, slot: Slot | None
) -> WriteOutcome:
    if skip is not None:
        return WriteOutcome(write, Status.SKIPPED, note=skip)
    if i in run.plan_failure:
        return WriteOutcome(write, Status.FAILED, failure=run.plan_failure[i])
    done = run.done.get(id(slot)) if slot is not None else None
    if done is None:
        failure = (
            run.stopped.failure
            if run.stopped
            else RecordFailure("NOT_SENT", "the batch ended before this write", transient=True)
        )
        return WriteOutcome(write, Status.FAILED, failure=failure)
    note = done.note or (run.slot_notes.get(id(slot)) if slot is not None else None)
    return WriteOutcome(write, done.status, id=done.id, failure=done.failure, note=note)

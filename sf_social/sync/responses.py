"""Response times at intake, as pure functions over plans and thread state (design rule 3).

A thread remembers when its Case opened, when the first reply is due and how it is
classified. Our first reply in it tells the Case how many minutes it took
(``Social_Response_Minutes__c``: calendar minutes, or business minutes when the
playbook's ``response_targets.business_hours`` is set) and whether it came after the due time
(``Social_Response_Overdue__c``). A later post that raises the severity moves the due time
earlier, never later: the insert-only ``Social_Response_Due__c`` gets an override then.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime

from sf_social.business_hours import BusinessHours, minutes_to_respond
from sf_social.plan import PlannedWrite, RecordPlan, WriteMode
from sf_social.records import CaseRecord
from sf_social.state.threads import ThreadState
from sf_social.sync.thread_rules import first_responses, split_case_key

DUE_FIELD = "Social_Response_Due__c"


def opened(
    thread: ThreadState, case: CaseRecord, team: str | None, at: datetime | None
) -> ThreadState:
    """``thread`` as the Case ``case`` opens it at ``at``, with what reports group by."""
    return replace(
        thread,
        opened_at=at,
        response_due_at=case.response_due,
        segment=case.segment,
        team=team,
        network=case.network,
        tier=case.influence_tier,
    )


def continued(thread: ThreadState, case: CaseRecord) -> ThreadState:
    """``thread`` after another post planned its Case: the earlier due time, the latest tier."""
    due = earlier_due(thread, case)
    return replace(
        thread,
        response_due_at=due or thread.response_due_at,
        tier=case.influence_tier or thread.tier,
    )


def earlier_due(thread: ThreadState | None, case: CaseRecord) -> datetime | None:
    """The Case's new due time when ``case`` asks for an earlier reply in an unanswered
    thread; None otherwise (the due time never moves later)."""
    if thread is None or thread.first_response_at is not None or case.response_due is None:
        return None
    if thread.response_due_at is None or case.response_due >= thread.response_due_at:
        return None
    return case.response_due


def move_due_earlier(plan: RecordPlan, threads: Mapping[str, ThreadState]) -> RecordPlan:
    """Case writes that make an open thread's reply due earlier carry the new due time."""
    writes = []
    for write in plan.writes:
        record = write.record
        if (
            isinstance(record, CaseRecord)
            and write.mode is WriteMode.UPSERT
            and earlier_due(threads.get(split_case_key(record.thread_key)[0]), record)
        ):
            due = record.api_fields()[DUE_FIELD]
            write = write.model_copy(update={"overrides": {**write.overrides, DUE_FIELD: due}})
        writes.append(write)
    return plan.model_copy(update={"writes": writes})


def timed_first_response(
    plan: RecordPlan, threads: Mapping[str, ThreadState], hours: BusinessHours | None
) -> RecordPlan:
    """First-response updates with the minutes the reply took (business minutes with
    ``hours``) and whether it was late."""
    answers = {id(w) for w in first_responses(plan)}
    if not answers:
        return plan
    writes = [_timed(w, threads, hours) if id(w) in answers else w for w in plan.writes]
    return plan.model_copy(update={"writes": writes})


def _timed(
    write: PlannedWrite, threads: Mapping[str, ThreadState], hours: BusinessHours | None
) -> PlannedWrite:
    record = write.record
    assert isinstance(record, CaseRecord) and record.first_response is not None
    thread = threads.get(split_case_key(record.thread_key)[0])
    if thread is None or thread.opened_at is None:
        return write
    answered, due = record.first_response, thread.response_due_at
    timed = record.model_copy(
        update={
            "response_minutes": minutes_to_respond(thread.opened_at, answered, hours),
            "response_overdue": due is not None and answered > due,
        }
    )
    return write.model_copy(update={"record": timed})

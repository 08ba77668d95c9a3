"""Threading rules (design rule 3) as pure functions over record plans.

A conversation's Case is keyed ``<network>:thread:<root id>``, with ``#n`` from the second
generation on. Agents close Cases in Salesforce, so before sending, the engine reads the
status and close date of the batch's Cases (one query) and decides per thread:

- no such Case yet, or it is open → write as planned (an existing Case only gets its
  sync-owned fields and the new Task);
- closed after the post was written (a replay, a late import, a retry) → the same: the
  agent closed it knowing that much, it stays closed;
- closed less than ``reopen_days`` before the post → reopen it (Status override);
- closed longer ago → the conversation starts a new Case, the next generation.

At intake, with local knowledge only: plans follow the thread's current generation, a
direct message from a person with a recent Case joins it, and a thread's first response
is recorded once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sf_social.plan import PlannedWrite, RecordPlan, WriteMode
from sf_social.posts import PostKind, SocialPost
from sf_social.records import CaseRecord, Reference, TaskRecord
from sf_social.state.threads import ThreadState


@dataclass(frozen=True, slots=True)
class CaseState:
    """A Case as Salesforce has it now."""

    key: str
    id: str
    status: str | None
    is_closed: bool
    closed_at: datetime | None


class Decision(StrEnum):
    NEW = "new"
    CONTINUE = "continue"
    REOPEN = "reopen"
    NEXT_GENERATION = "next generation"


def split_case_key(case_key: str) -> tuple[str, int]:
    """(root key, generation) of ``twitter:thread:100#2`` → (``twitter:thread:100``, 2)."""
    root, _, generation = case_key.partition("#")
    return root, int(generation) if generation.isdigit() else 1


def case_key_for(root_key: str, generation: int) -> str:
    """The Case key of a thread's ``generation``."""
    return root_key if generation <= 1 else f"{root_key}#{generation}"


def decide(case: CaseState | None, post_time: datetime, reopen_days: int) -> Decision:
    """What a new post in the thread does to its Case."""
    if case is None:
        return Decision.NEW
    if not case.is_closed or (case.closed_at is not None and post_time <= case.closed_at):
        return Decision.CONTINUE
    if case.closed_at is not None and post_time - case.closed_at < timedelta(days=reopen_days):
        return Decision.REOPEN
    return Decision.NEXT_GENERATION


def case_writes(plan: RecordPlan) -> list[PlannedWrite]:
    """The plan's Case writes that may create a Case (not first-response updates)."""
    return [
        w for w in plan.writes if isinstance(w.record, CaseRecord) and w.mode is WriteMode.UPSERT
    ]


def rekey_case(plan: RecordPlan, old_key: str, new_key: str) -> RecordPlan:
    """The plan with Case ``old_key`` (and every Task pointing at it) moved to ``new_key``."""
    if old_key == new_key:
        return plan
    writes = []
    for write in plan.writes:
        record = write.record
        if isinstance(record, CaseRecord) and record.thread_key == old_key:
            write = write.model_copy(
                update={"record": record.model_copy(update={"thread_key": new_key})}
            )
        elif (
            isinstance(record, TaskRecord)
            and record.what is not None
            and record.what.key == old_key
        ):
            what = Reference(sobject="Case", key_field=CaseRecord.key_field, key=new_key)
            write = write.model_copy(update={"record": record.model_copy(update={"what": what})})
        writes.append(write)
    return plan.model_copy(update={"writes": writes})


def reopen(plan: RecordPlan, case_key: str, status: str) -> RecordPlan:
    """The plan with the Case ``case_key`` set back to ``status``."""
    writes = [
        w.model_copy(update={"overrides": {**w.overrides, "Status": status}})
        if isinstance(w.record, CaseRecord) and w.record.thread_key == case_key
        else w
        for w in plan.writes
    ]
    return plan.model_copy(update={"writes": writes})


def follow_generation(plan: RecordPlan, threads: Mapping[str, ThreadState]) -> RecordPlan:
    """Plans are mapped at generation 1; move them to their thread's current Case."""
    for write in case_writes(plan) + first_responses(plan):
        key = write.key
        root, _ = split_case_key(key)
        thread = threads.get(root)
        if thread is not None and thread.case_key != key:
            plan = rekey_case(plan, key, thread.case_key)
    return plan


def joins(post: SocialPost, thread: ThreadState | None, reopen_days: int) -> bool:
    """Whether a direct message joins the author's recent thread (within ``reopen_days``)."""
    if post.kind is not PostKind.DIRECT_MESSAGE or thread is None or post.created_at is None:
        return False
    last = thread.last_activity_at or thread.updated_at
    if last is None or post.created_at - last > timedelta(days=reopen_days):
        return False
    return thread.closed_at is None


def join_recent_case(
    plan: RecordPlan,
    post: SocialPost,
    thread: ThreadState | None,
    reopen_days: int,
) -> RecordPlan:
    """A direct message shortly after the author's public post joins that post's Case."""
    if not joins(post, thread, reopen_days):
        return plan
    assert thread is not None
    for write in case_writes(plan):
        plan = rekey_case(plan, write.key, thread.case_key)
    return plan


def log_on_case(
    plan: RecordPlan, case_key: str, new_task: Callable[[], PlannedWrite]
) -> RecordPlan:
    """A post of a thread with a Case, that plans no Case itself, as a Task on that Case.

    Its own Task (praise, a lead review) is hung on the Case; a post that planned nothing
    (no action: "ok", "thanks") gets ``new_task()``. Nothing said in a conversation is lost.
    """
    tasks = [w.record for w in plan.writes if isinstance(w.record, TaskRecord)]
    if case_writes(plan) or any(t.who is not None or t.what is not None for t in tasks):
        return plan  # it has its Case, or its Task hangs somewhere already (a Lead, a Case)
    what = Reference(sobject="Case", key_field=CaseRecord.key_field, key=case_key)
    writes = []
    hung = False
    for write in plan.writes:
        record = write.record
        if isinstance(record, TaskRecord) and record.what is None:
            write = write.model_copy(update={"record": record.model_copy(update={"what": what})})
            hung = True
        writes.append(write)
    if not hung:
        writes.append(new_task())
    note = f"in the conversation of Case {case_key}: logged on it"
    return plan.model_copy(update={"writes": writes, "notes": [*plan.notes, note]})


def once_first_response(
    plan: RecordPlan, threads: Mapping[str, ThreadState], answered: set[str]
) -> RecordPlan:
    """Drop a first-response update unless it is the first reply to the thread's Case:
    when the thread has one already, or has no Case yet, or its Case opened after the
    reply (we answered an earlier post of the conversation).

    ``answered`` holds the roots answered earlier in the same batch (plans come oldest
    first); this plan's answered roots are added to it.
    """
    drop = set()
    for write in first_responses(plan):
        root = split_case_key(write.key)[0]
        thread = threads.get(root)
        record = write.record
        assert isinstance(record, CaseRecord)
        reply = record.first_response
        opened = thread.opened_at if thread is not None else None
        if (
            thread is None
            or root in answered
            or thread.first_response_at is not None
            or (opened is not None and reply is not None and reply < opened)
        ):
            drop.add(id(write))
        else:
            answered.add(root)
    if not drop:
        return plan
    return plan.model_copy(update={"writes": [w for w in plan.writes if id(w) not in drop]})


def first_responses(plan: RecordPlan) -> list[PlannedWrite]:
    """The plan's updates recording our first reply on a thread's Case."""
    return [
        w
        for w in plan.writes
        if isinstance(w.record, CaseRecord)
        and w.mode is WriteMode.UPDATE_ONLY
        and w.record.first_response is not None
    ]

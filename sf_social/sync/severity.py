"""Severity follows the thread (design rule 3): a later post that escalates raises its Case.

A Case's priority, complaint flag and segment are insert-only: agents own them once the Case
exists. What a later post of the conversation says still matters: a reply that threatens a
lawyer, insults the brand or complains makes the conversation more severe. So the Case
carries sync-owned severity fields, written on creation and then only *raised*:

- ``Social_Severity__c``: the highest playbook priority of the thread's posts;
- ``Social_Escalated__c``: a post matched an escalation rule (legal threat, outage, ...);
- ``Social_Escalation_Reason__c``: the post and the rule that last raised it.

A raise also takes back a waived reply approval (``Social_Reply_Approval_Waived__c``): a
conversation that got worse needs an approver for its replies again.

The standard ``Priority`` is raised with the severity only while it still holds the value we
wrote (``Social_Priority_Written__c``): once an agent chose a priority, it is theirs and we
never touch it. The due time moves only earlier, at intake (``sync.responses``).

Push reads these fields in the query it makes anyway for the batch's Cases (no extra call)
and applies :class:`Escalations` plan by plan, oldest first: a reply later in the same
batch sees what an earlier one raised. The raise is an override of the Case write
(``PlannedWrite.overrides``), sent to an existing Case with its sync-owned fields.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from sf_social.classification import Priority
from sf_social.plan import RecordPlan, WriteMode
from sf_social.records import CaseRecord, truncate

PRIORITY = "Priority"
SEVERITY = "Social_Severity__c"
ESCALATED = "Social_Escalated__c"
REASON = "Social_Escalation_Reason__c"
WRITTEN = "Social_Priority_Written__c"
APPROVAL_WAIVED = "Social_Reply_Approval_Waived__c"
FIELDS = (PRIORITY, SEVERITY, ESCALATED, WRITTEN, "OwnerId")
"""What push reads of each Case for this rule (beside its status)."""

_RANK = {Priority.LOW: 0, Priority.MEDIUM: 1, Priority.HIGH: 2}


def rank(value: str | None) -> int:
    """How severe a priority value is; -1 for none or a value not ours (an org's own)."""
    try:
        return _RANK[Priority(value)] if value else -1
    except ValueError:
        return -1


@dataclass(frozen=True, slots=True)
class Severity:
    """A Case's severity fields, as Salesforce has them or as this batch left them."""

    case_id: str | None
    priority: str | None
    severity: str | None
    escalated: bool
    written: str | None
    owner_id: str | None = None

    @classmethod
    def read(cls, row: Mapping[str, Any]) -> Severity:
        """From a Case row read from Salesforce."""

        def text(name: str) -> str | None:
            value = row.get(name)
            return value if isinstance(value, str) else None

        return cls(
            text("Id"),
            text(PRIORITY),
            text(SEVERITY),
            row.get(ESCALATED) is True,
            text(WRITTEN),
            text("OwnerId"),
        )

    @classmethod
    def created(cls, case: CaseRecord) -> Severity:
        """What a Case this batch creates will hold."""
        return cls(
            None, case.priority, case.severity, case.escalated is True, case.priority_written
        )

    @property
    def level(self) -> str | None:
        """The severity, or the priority of a Case made before severity was kept."""
        return self.severity or self.priority


@dataclass(frozen=True, slots=True)
class Raised:
    """A Case whose severity a post raised: what a queue notification says."""

    case_key: str
    case_id: str | None
    owner_id: str | None
    severity: str | None
    reason: str
    priority_raised: bool


class Escalations:
    """The severity of one batch's Cases as its plans go by (oldest first)."""

    def __init__(self, read: Mapping[str, Severity]) -> None:
        self._states = dict(read)
        self.raised: list[Raised] = []
        """The raises of the batch, in order (one per escalating post)."""

    def follow(self, plan: RecordPlan, case_key: str, *, is_open: bool) -> RecordPlan:
        """``plan`` with its write of Case ``case_key`` raising the Case when the post
        escalates it. ``is_open``: the Case does not exist yet or is open (or being
        reopened); a closed Case keeps what it has."""
        for index, write in enumerate(plan.writes):
            record = write.record
            if not (
                isinstance(record, CaseRecord)
                and write.mode is WriteMode.UPSERT
                and record.thread_key == case_key
            ):
                continue
            known = self._states.get(case_key)
            if known is None:
                if is_open:
                    self._states[case_key] = Severity.created(record)
                return plan
            if not is_open:
                return plan
            overrides, after = _raise(known, record, plan.post_key)
            if not overrides:
                return plan
            self._states[case_key] = after
            self.raised.append(
                Raised(
                    case_key,
                    known.case_id,
                    known.owner_id,
                    after.severity,
                    str(overrides[REASON]),
                    PRIORITY in overrides,
                )
            )
            raised = write.model_copy(update={"overrides": {**write.overrides, **overrides}})
            writes = [*plan.writes[:index], raised, *plan.writes[index + 1 :]]
            return plan.model_copy(update={"writes": writes})
        return plan


def _raise(known: Severity, post: CaseRecord, post_key: str) -> tuple[dict[str, Any], Severity]:
    """The fields a post's classification raises on a Case in state ``known``."""
    level = post.severity if rank(post.severity) > rank(known.level) else None
    escalates = post.escalated is True and not known.escalated
    if level is None and not escalates:
        return {}, known
    severity = level or known.level
    why = post.escalation_reason if escalates else f"priority {severity}"
    overrides: dict[str, Any] = {
        REASON: truncate(f"{post_key}: {why or 'escalation'}", 255),
        APPROVAL_WAIVED: False,
    }
    if severity is not None:
        overrides[SEVERITY] = severity
    after = replace(known, severity=severity)
    if escalates:
        overrides[ESCALATED] = True
        after = replace(after, escalated=True)
    if level is not None and known.written is not None and known.priority == known.written:
        overrides[PRIORITY] = overrides[WRITTEN] = level
        after = replace(after, priority=level, written=level)
    return overrides, after

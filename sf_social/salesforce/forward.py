"""Fields that only move forward: a Lead's ``LinkedIn_Lead_Activity__c`` (design rule 6).

The source orders one export's events, but the org may already hold a further value: from
an earlier, fuller export, or set by an agent. The writer reads the current value of the
Leads a batch sets it on (in the key query it makes anyway) and leaves a value that is not
further along out of the update.
"""

from __future__ import annotations

from collections.abc import Sequence

from sf_social.plan import RecordPlan
from sf_social.records import LeadRecord, activity_rank
from sf_social.salesforce.batch import Slot

LINKEDIN_ACTIVITY = "LinkedIn_Lead_Activity__c"


def activity_keys(plans: Sequence[RecordPlan]) -> set[str]:
    """Keys of the Leads whose LinkedIn activity the batch sets."""
    return {
        w.key
        for plan in plans
        for w in plan.writes
        if isinstance(w.record, LeadRecord) and w.record.linkedin_activity
    }


def keep_forward(slot: Slot, current: str | None) -> str | None:
    """Drop the slot's activity when the org's ``current`` one is as far or further; a note."""
    record = slot.record
    if not isinstance(record, LeadRecord) or not record.linkedin_activity:
        return None
    if activity_rank(record.linkedin_activity) > activity_rank(current):
        return None
    slot.record = record.model_copy(update={"linkedin_activity": None})
    return f"LinkedIn activity kept at {current!r}: {record.linkedin_activity!r} is not further"

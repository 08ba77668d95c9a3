"""A pipeline that never moves a Lead's LinkedIn activity backwards.

The stock mapping sets ``LinkedIn_Lead_Activity__c`` on every LinkedIn relationship post.
For posts an export source marked as not reaching their profile's furthest activity
(``raw["advances_activity"] is False``), this pipeline keeps the Task and the Lead's other
fields but leaves the activity out of the Lead write, so no processing order and no later
import can regress it. Posts without the mark are planned exactly as the stock pipeline
plans them.
"""

from __future__ import annotations

from sf_social.pipeline import Pipeline
from sf_social.plan import RecordPlan
from sf_social.posts import Network, SocialPost
from sf_social.records import LeadRecord
from sf_social.sources.linkedin.source import ADVANCES


class ForwardOnlyPipeline(Pipeline):
    """:class:`~sf_social.pipeline.Pipeline` plus the forward-only rule for marked posts."""

    def plan(self, post: SocialPost) -> RecordPlan:
        plan = super().plan(post)
        return without_regression(post, plan)


def without_regression(post: SocialPost, plan: RecordPlan) -> RecordPlan:
    """``plan`` with the Lead's activity removed when ``post`` does not advance it."""
    if post.network is not Network.LINKEDIN or (post.raw or {}).get(ADVANCES) is not False:
        return plan
    writes = []
    for write in plan.writes:
        record = write.record
        if isinstance(record, LeadRecord) and record.linkedin_activity is not None:
            record = record.model_copy(update={"linkedin_activity": None})
            write = write.model_copy(update={"record": record})
        writes.append(write)
    notes = [*plan.notes, "LinkedIn activity kept: a later event of this profile goes further"]
    return plan.model_copy(update={"writes": writes, "notes": notes})

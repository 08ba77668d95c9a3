"""The forward-only rule: a Lead's ``LinkedIn_Lead_Activity__c`` never moves back (design rule 6).

Its values have an order (:class:`~sf_social.records.LinkedInActivity`, :func:`rank`):
Confirmed must not turn back into Sent when an older event is processed later. The rule
is kept at three points, all here:

1. The export source marks each post with ``raw[ADVANCES]`` (:func:`mark_in_place`): true
   only for the events that reach their profile's furthest activity across the *whole*
   export (LinkedIn exports are full history, so a later export cannot regress an earlier
   one either).
2. :class:`ForwardOnlyPipeline` leaves the activity out of the Lead write of a post marked
   as not advancing it (:func:`without_regression`); its Task is still planned. Posts
   without the mark are planned exactly as the stock pipeline plans them.
3. The org may already hold a further value (a fuller export, an agent): the Salesforce
   writer reads the current value of the :func:`forward_fields` a batch sets (in the key
   query it makes anyway) and :func:`hold_back` leaves a value that is not further along
   out of the update. The writer knows forward-only fields, not LinkedIn.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from sf_social.keys import profile_key
from sf_social.mapping import linkedin_activity
from sf_social.pipeline import Pipeline
from sf_social.plan import RecordPlan
from sf_social.posts import Network, SocialPost
from sf_social.records import LeadRecord, LinkedInActivity, SObjectRecord

LINKEDIN_ACTIVITY = "LinkedIn_Lead_Activity__c"
ADVANCES = "advances_activity"
"""Key in ``SocialPost.raw``: whether this event reaches its profile's furthest activity."""

_RANK = {activity: position for position, activity in enumerate(LinkedInActivity)}
R = TypeVar("R", bound=SObjectRecord)


def rank(value: str | None) -> int:
    """How far ``value`` of ``LinkedIn_Lead_Activity__c`` is along; -1 for none or unknown."""
    try:
        return _RANK[LinkedInActivity(value)] if value else -1
    except ValueError:
        return -1


def mark_furthest(posts: list[SocialPost]) -> list[SocialPost]:
    """``posts`` with ``raw[ADVANCES]``: true where the profile's furthest activity is reached."""
    marked = list(posts)
    mark_in_place(marked)
    return marked


def mark_in_place(posts: list[SocialPost]) -> None:
    """:func:`mark_furthest` replacing each post of ``posts``: the unmarked one is freed at
    once, so an export's posts are never held twice."""
    best: dict[str, int] = {}
    for post in posts:
        activity, key = linkedin_activity(post), profile_key(post)
        if activity is not None and key is not None:
            best[key] = max(best.get(key, -1), rank(activity))
    for index, post in enumerate(posts):
        activity, key = linkedin_activity(post), profile_key(post)
        advances = activity is not None and key is not None and rank(activity) == best[key]
        raw = {**(post.raw or {}), ADVANCES: advances}
        posts[index] = post.model_copy(update={"raw": raw})


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


def forward_fields(record: SObjectRecord) -> tuple[str, ...]:
    """The API names of the forward-only fields ``record`` sets (their org values are read)."""
    return (
        (LINKEDIN_ACTIVITY,) if isinstance(record, LeadRecord) and record.linkedin_activity else ()
    )


def hold_back(record: R, current: Mapping[str, Any]) -> tuple[R, str | None]:
    """``record`` without a forward-only value not further than the org's ``current`` one;
    a note saying so (``None`` when nothing was held back)."""
    if not isinstance(record, LeadRecord) or not record.linkedin_activity:
        return record, None
    org = current.get(LINKEDIN_ACTIVITY)
    if rank(record.linkedin_activity) > rank(org):
        return record, None
    kept = record.model_copy(update={"linkedin_activity": None})
    return kept, f"LinkedIn activity kept at {org!r}: {record.linkedin_activity!r} is not further"

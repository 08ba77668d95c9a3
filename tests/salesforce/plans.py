"""Record plans for writer tests, shaped as the mapper makes them."""

from __future__ import annotations

from datetime import UTC, datetime

from sf_social.classification import (
    Classification,
    InfluenceTier,
    Priority,
    Segment,
    Sentiment,
    UserClass,
)
from sf_social.plan import AuthorIdentity, PlannedWrite, RecordPlan, WriteMode
from sf_social.posts import Network
from sf_social.records import CaseRecord, LeadRecord, Reference, TaskRecord

QUEUE = "Social_Technical_Support"


def classification(segment: Segment | None = Segment.REQUEST) -> Classification:
    return Classification(
        segment=segment,
        complaint=False,
        sentiment=Sentiment.NEGATIVE,
        sentiment_score=-0.4,
        influence_tier=InfluenceTier.OVER_100,
        user_classes=[UserClass.ACTIVE_TWEETER],
        priority=Priority.MEDIUM,
        team="Technical Support",
    )


def identity(handle: str, user_id: str | None = None) -> AuthorIdentity:
    user = user_id or f"u-{handle}"
    return AuthorIdentity(
        network=Network.TWITTER,
        user_id=user,
        handle=handle,
        profile_url=f"https://x.com/{handle}",
        lead_key=f"twitter:user:{user}",
    )


def case_plan(
    post: str,
    thread: str | None = None,
    handle: str = "dana",
    subject: str | None = None,
    queue: str | None = QUEUE,
    **case: object,
) -> RecordPlan:
    """A Request: a Case per thread (with its queue) and the post as a Task on it."""
    thread_key = f"twitter:thread:{thread or post}"
    fields: dict[str, object] = {
        "thread_key": thread_key,
        "subject": subject or f"@{handle}: help with post {post}",
        "status": "New",
        "priority": "Medium",
        "origin": "Twitter",
        "type": "Problem",
        "network": "Twitter",
        "handle": handle,
        "post_url": f"https://x.com/{handle}/status/{post}",
        "influence_tier": "100+ Followers",
        **case,
    }
    record = CaseRecord.model_validate(fields)
    task = TaskRecord(
        post_key=f"twitter:{post}",
        subject="Tweet",
        status="Completed",
        network="Twitter",
        post_url=f"https://x.com/{handle}/status/{post}",
        what=Reference(sobject="Case", key_field="Social_Thread_Key__c", key=thread_key),
    )
    return RecordPlan(
        post_key=f"twitter:{post}",
        network=Network.TWITTER,
        post_id=post,
        classification=classification(),
        identity=identity(handle),
        writes=[PlannedWrite(record=record, owner_queue=queue), PlannedWrite(record=task)],
    )


def lead_plan(post: str, handle: str = "lee", followers: int = 500) -> RecordPlan:
    """A qualified Lead per profile and the post as a Task on the Lead."""
    ident = identity(handle)
    assert ident.lead_key is not None
    lead = LeadRecord(
        profile_key=ident.lead_key,
        last_name=handle.title(),
        lead_source="Twitter",
        network="Twitter",
        handle=handle,
        followers=followers,
        influence_tier="100+ Followers",
    )
    task = TaskRecord(
        post_key=f"twitter:{post}",
        subject="Tweet",
        status="Completed",
        network="Twitter",
        who=Reference(sobject="Lead", key_field="Social_Profile_Key__c", key=ident.lead_key),
    )
    return RecordPlan(
        post_key=f"twitter:{post}",
        network=Network.TWITTER,
        post_id=post,
        classification=classification(Segment.LEAD),
        identity=ident,
        writes=[
            PlannedWrite(record=lead, owner_queue="Social_Sales"),
            PlannedWrite(record=task),
        ],
    )


def praise_plan(post: str, handle: str = "pat") -> RecordPlan:
    """Praise: a Task alone, for identity lookup to hang on a known Contact or Lead."""
    task = TaskRecord(
        post_key=f"twitter:{post}", subject="Tweet", status="Completed", network="Twitter"
    )
    return RecordPlan(
        post_key=f"twitter:{post}",
        network=Network.TWITTER,
        post_id=post,
        classification=classification(Segment.PRAISE),
        identity=identity(handle),
        writes=[PlannedWrite(record=task)],
    )


def reply_plan(post: str, thread: str) -> RecordPlan:
    """Our own reply: a Task on the thread's Case and its first response (update-only)."""
    thread_key = f"twitter:thread:{thread}"
    first = CaseRecord(thread_key=thread_key, first_response=datetime(2026, 11, 20, 10, tzinfo=UTC))
    task = TaskRecord(
        post_key=f"twitter:{post}",
        subject="Tweeted",
        status="Completed",
        direction="Outbound",
        what=Reference(sobject="Case", key_field="Social_Thread_Key__c", key=thread_key),
    )
    return RecordPlan(
        post_key=f"twitter:{post}",
        network=Network.TWITTER,
        post_id=post,
        classification=classification(None),
        identity=AuthorIdentity(network=Network.TWITTER, handle="NorthwindHelp"),
        writes=[PlannedWrite(record=first, mode=WriteMode.UPDATE_ONLY), PlannedWrite(record=task)],
    )

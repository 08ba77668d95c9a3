"""Small record plans and posts for the state store tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sf_social.classification import Classification, Priority, Segment, Sentiment
from sf_social.plan import PlannedWrite, RecordPlan
from sf_social.posts import Network
from sf_social.records import CaseRecord, Reference, TaskRecord
from sf_social.state import QueuedPlan, SeenPost

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
LEASE = timedelta(minutes=5)

_CLASSIFICATION = Classification(
    segment=Segment.REQUEST,
    complaint=True,
    sentiment=Sentiment.NEGATIVE,
    sentiment_score=-0.6,
    influence_tier=None,
    priority=Priority.MEDIUM,
)


def post(post_id: str) -> SeenPost:
    return SeenPost("twitter", post_id, f"twitter:{post_id}")


def plan(post_id: str, *, thread: str | None = None, writes: bool = True) -> RecordPlan:
    """A plan with a Case on ``thread`` (default the post's own) and a Task on that Case."""
    case_key = f"twitter:thread:{thread or post_id}"
    records: list[PlannedWrite] = []
    if writes:
        records = [
            PlannedWrite(
                record=CaseRecord(thread_key=case_key, subject=f"post {post_id}"),
                owner_queue="Technical_Support",
            ),
            PlannedWrite(
                record=TaskRecord(
                    post_key=f"twitter:{post_id}",
                    subject="Tweet",
                    what=Reference(sobject="Case", key_field="Social_Thread_Key__c", key=case_key),
                )
            ),
        ]
    return RecordPlan(
        post_key=f"twitter:{post_id}",
        network=Network.TWITTER,
        post_id=post_id,
        classification=_CLASSIFICATION,
        writes=records,
    )


def queued(post_id: str, key: str | None = None, *, writes: bool = True) -> QueuedPlan:
    return QueuedPlan(plan(post_id, writes=writes), ordering_key=key)

"""What a post is: the seven-segment playbook's answer, with the evidence behind it."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class Segment(StrEnum):
    """The seven segments of the social playbook (``Social_Segment__c``)."""

    REQUEST = "Request"
    QUESTION = "Question"
    ABUSE = "Abuse"
    PRAISE = "Praise"
    LEAD = "Lead"
    SUGGESTION = "Suggestion"
    FRAUD = "Fraud"


class Sentiment(StrEnum):
    POSITIVE = "Positive"
    NEUTRAL = "Neutral"
    NEGATIVE = "Negative"


class InfluenceTier(StrEnum):
    """Follower tiers (``Social_Influence_Tier__c``)."""

    UNDER_100 = "Under 100 Followers"
    OVER_100 = "100+ Followers"
    OVER_1K = "1,000+ Followers"
    OVER_10K = "10,000+ Followers"
    OVER_100K = "100,000+ Followers"

    @classmethod
    def for_followers(cls, followers: int) -> InfluenceTier:
        for floor, tier in _TIER_FLOORS:
            if followers >= floor:
                return tier
        return cls.UNDER_100

    @property
    def floor(self) -> int:
        return next(f for f, t in _TIER_FLOORS if t is self) if self is not self.UNDER_100 else 0


_TIER_FLOORS = (
    (100_000, InfluenceTier.OVER_100K),
    (10_000, InfluenceTier.OVER_10K),
    (1_000, InfluenceTier.OVER_1K),
    (100, InfluenceTier.OVER_100),
)


class UserClass(StrEnum):
    """``Social_User_Classes__c`` values."""

    ACTIVE_TWEETER = "Active Tweeter"
    LARGE_FOLLOWING = "Large Following Base"
    VERIFIED = "Verified"


class SourceTag(StrEnum):
    """``Social_Source_Tags__c`` values."""

    TIER1_CUSTOMER = "Tier 1 Customer"
    INFLUENCER = "Influencer"
    EMPLOYEE = "Employee"
    COMPETITOR = "Competitor"
    PARTNER = "Partner"


class ListeningTopic(StrEnum):
    """``Social_Listening_Topic__c`` values."""

    BRAND = "Brand"
    INDUSTRY = "Industry"
    COMPETITOR = "Competitor"


class Priority(StrEnum):
    """Case Priority, using the standard values."""

    HIGH = "High"
    MEDIUM = "Medium"
    LOW = "Low"


@dataclass(frozen=True, slots=True)
class Evidence:
    """Why one value of a classification is what it is.

    ``field`` is the classification field it explains (e.g. "segment"), ``rule`` the
    playbook rule, model or lexicon that produced ``value``, ``detail`` what matched.
    """

    field: str
    value: str
    rule: str
    detail: str = ""

    def __str__(self) -> str:
        detail = f" ({self.detail})" if self.detail else ""
        return f"{self.field}={self.value} ← {self.rule}{detail}"


class Classification(BaseModel):
    """Everything the playbook says about one post. ``segment`` None means no action."""

    model_config = ConfigDict(frozen=True)

    segment: Segment | None
    complaint: bool
    sentiment: Sentiment
    sentiment_score: float = Field(ge=-1, le=1)
    influence_tier: InfluenceTier | None
    user_classes: list[UserClass] = Field(default_factory=list)
    source_tags: list[SourceTag] = Field(default_factory=list)
    topic: ListeningTopic | None = None
    priority: Priority
    escalate: bool = False
    team: str | None = None
    language: str | None = None
    review_reason: str | None = Field(
        default=None, description="why a person must look at this post (e.g. uncovered language)"
    )
    evidence: list[Evidence] = Field(default_factory=list)
    model: str | None = Field(default=None, description="the trained model that decided, if any")
    confidence: dict[str, float] = Field(
        default_factory=dict, description="the model's probability for each value it decided"
    )

    @property
    def needs_case(self) -> bool:
        """True when the playbook wants a Case: a case segment, a complaint or an escalation."""
        return self.complaint or self.escalate or self.segment in CASE_SEGMENTS

    def explain(self) -> str:
        """The evidence, one line per value."""
        return "\n".join([str(e) for e in self.evidence])


CASE_SEGMENTS = frozenset(
    {Segment.REQUEST, Segment.QUESTION, Segment.ABUSE, Segment.SUGGESTION, Segment.FRAUD}
)

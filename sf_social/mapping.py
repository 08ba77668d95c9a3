"""Map a classified post to its record plan, as the playbook says.

- A Case per conversation for Request, Question, Abuse, Suggestion and Fraud, and for any
  complaint; the post itself becomes a Task on that Case.
- A Lead per social profile for a qualified buying signal (a review Task otherwise), with
  the post as a Task on the Lead.
- Praise becomes a Task; identity lookup later hangs it on the known Contact or Lead.
- Our own replies become completed Tasks on the thread's Case and set its first response.
- A post in a language the playbook does not cover becomes a Case in the review queue.
- LinkedIn relationship activity (connection requests, connections, messages) updates the
  prospect's Lead (``LinkedIn_Lead_Activity__c``) and logs a Task on it. For these posts
  the author is the prospect and ``direction`` says who acted: outbound = our member.

Every record is keyed by an external id derived from the social data (``sf_social.keys``).
"""

from __future__ import annotations

import re
from typing import Any

from sf_social.classification import Classification, Segment
from sf_social.keys import post_key, profile_key, thread_key
from sf_social.plan import AuthorIdentity, PlannedWrite, RecordPlan, WriteMode, trusted
from sf_social.playbook import Playbook
from sf_social.posts import Direction, Network, PostKind, SocialPost
from sf_social.records import (
    CaseRecord,
    LeadRecord,
    LinkedInActivity,
    Reference,
    TaskRecord,
)
from sf_social.routing import queue_for, response_due

_ORIGINS = {Network.TWITTER, Network.FACEBOOK, Network.LINKEDIN, Network.INSTAGRAM, Network.YOUTUBE}
_LEAD_SOURCES = {Network.TWITTER, Network.LINKEDIN, Network.FACEBOOK}
SOCIAL_MEDIA = "Social Media"
TASK_TYPES = {"tweet": "Tweet", "message": "Social Message", "linkedin": "LinkedIn Message"}
_NAME_JUNK = re.compile(r"[^\w\s'.-]")
_TRAILER = ("— ", "http://", "https://", "posted ")
"""How the lines ``_describe`` adds after a post's text start."""
_REVIEW = "lead not qualified"
"""How the reason of a lead review Task starts (``Mapper.qualify_lead``)."""
EVIDENCE = "\n\nEvidence:\n"
"""What separates a lead review Task's description from the evidence after it."""

# The plan, its writes, references and identity hold only values built here (validated
# records, enums, keys, playbook names): they are built as trusted, without validation,
# which cost ~5 us per post. The records themselves are validated (they truncate, strip).
_PLAN_SET = frozenset(RecordPlan.model_fields)
_IDENTITY_SET = frozenset(AuthorIdentity.model_fields)
_KEY_REFERENCE_SET = frozenset({"sobject", "key_field", "key"})
_WRITE_SETS = {
    (False, False): frozenset({"record"}),
    (True, False): frozenset({"record", "owner_queue"}),
    (False, True): frozenset({"record", "mode"}),
}


def _write(
    record: CaseRecord | LeadRecord | TaskRecord,
    owner_queue: str | None = None,
    mode: WriteMode | None = None,
    *,
    queued: bool = False,
) -> PlannedWrite:
    """``PlannedWrite(record=record[, owner_queue=...][, mode=...])``: ``queued`` says
    whether ``owner_queue`` was given (it may be None), ``mode`` None means not given."""
    return trusted(
        PlannedWrite,
        _WRITE_SETS[queued, mode is not None],
        {
            "record": record,
            "mode": WriteMode.UPSERT if mode is None else mode,
            "owner_queue": owner_queue,
            "overrides": {},
        },
    )


def _key_reference(sobject: str, key_field: str, key: str) -> Reference:
    """``Reference(sobject=..., key_field=..., key=...)`` for a key this module built."""
    return trusted(
        Reference,
        _KEY_REFERENCE_SET,
        {"sobject": sobject, "id": None, "key_field": key_field, "key": key},
    )


def origin_for(network: Network) -> str:
    """Case Origin value for a network (the social values metadata/ adds)."""
    return network.label if network in _ORIGINS else SOCIAL_MEDIA


def lead_source_for(network: Network) -> str:
    """Lead Source value for a network."""
    return network.label if network in _LEAD_SOURCES else SOCIAL_MEDIA


class Mapper:
    """Turns (post, classification) into a ``RecordPlan`` under one playbook."""

    def __init__(self, playbook: Playbook) -> None:
        self.playbook = playbook
        self._described: tuple[SocialPost, str] | None = None
        self._predicted: tuple[Classification, dict[str, Any]] | None = None

    def _describe(self, post: SocialPost) -> str:
        """``_describe(post)``, once per post: its Case and its Task share it."""
        last = self._described
        if last is not None and last[0] is post:
            return last[1]
        description = _describe(post)
        self._described = (post, description)
        return description

    def _prediction(self, c: Classification) -> dict[str, Any]:
        """``prediction(c)``, once per post: its Case and its Task share it."""
        last = self._predicted
        if last is not None and last[0] is c:
            return last[1]
        values = prediction(c)
        self._predicted = (c, values)
        return values

    def plan(self, post: SocialPost, classification: Classification) -> RecordPlan:
        """The record plan for one classified post."""
        identity = _identity(post)
        writes, notes = self._writes(post, classification, identity)
        return trusted(
            RecordPlan,
            _PLAN_SET,
            {
                "post_key": post_key(post.network, post.id),
                "network": post.network,
                "post_id": post.id,
                "posted_at": post.created_at,
                "classification": classification,
                "identity": identity,
                "writes": writes,
                "notes": notes,
            },
        )

    def _writes(
        self, post: SocialPost, classification: Classification, identity: AuthorIdentity
    ) -> tuple[list[PlannedWrite], list[str]]:
        activity = linkedin_activity(post)
        if activity is not None:
            return self._linkedin_activity(post, classification, identity, activity)
        if self._is_ours(post):
            return self._outbound(post, classification)
        writes: list[PlannedWrite] = []
        notes: list[str] = []
        case = None
        if classification.review_reason or classification.needs_case:
            case = self._case(post, classification)
            writes.append(case)
        if classification.segment is Segment.LEAD:
            qualified, reason = self.qualify_lead(post, classification)
            notes.append(reason)
            if qualified and identity.lead_key:
                writes.append(self._lead(post, classification, identity.lead_key))
                if case is None:
                    who = _key_reference("Lead", LeadRecord.key_field, identity.lead_key)
                    writes.append(self._task(post, classification, who=who))
                    return writes, notes
            elif case is None:
                writes.append(self._review_task(post, classification, reason))
                return writes, notes
        if case is not None:
            what = _key_reference("Case", CaseRecord.key_field, case.key)
            writes.append(self._task(post, classification, what=what))
        elif classification.segment is Segment.PRAISE:
            writes.append(self._task(post, classification))
            notes.append("praise: identity lookup hangs the Task on the known Contact or Lead")
        elif not writes:
            notes.append("no action: no segment, no complaint")
        return writes, notes

    def case_task(self, post: SocialPost, c: Classification, case_key: str) -> PlannedWrite:
        """The post as a Task on the Case ``case_key`` (a reply in a thread with a Case)."""
        what = Reference(sobject="Case", key_field=CaseRecord.key_field, key=case_key)
        return self._task(post, c, what=what)

    def _is_ours(self, post: SocialPost) -> bool:
        author = post.author.handle if post.author else None
        return post.direction is Direction.OUTBOUND or self.playbook.is_our_account(author)

    def qualify_lead(self, post: SocialPost, classification: Classification) -> tuple[bool, str]:
        """Whether a buying signal deserves a Lead, and why (the playbook's rules)."""
        rules = self.playbook.lead_qualification
        excluded = sorted(set(classification.source_tags) & set(rules.exclude_tags))
        if excluded:
            return False, f"lead not qualified: author tagged {', '.join(excluded)}"
        followers = post.author.followers if post.author else None
        if followers is None or followers < rules.min_followers:
            shown = "unknown" if followers is None else f"{followers:,}"
            return False, f"lead not qualified: {shown} followers < {rules.min_followers:,}"
        intent = _segment_score(classification)
        if intent is not None and intent < rules.min_intent_score:
            return (
                False,
                f"lead not qualified: intent score {intent:g} < {rules.min_intent_score:g}",
            )
        if profile_key(post) is None:
            return False, "lead not qualified: the author has no user id or profile URL to key on"
        return True, "lead qualified"

    def _linkedin_activity(
        self,
        post: SocialPost,
        c: Classification,
        identity: AuthorIdentity,
        activity: LinkedInActivity,
    ) -> tuple[list[PlannedWrite], list[str]]:
        key = identity.lead_key
        if key is None:
            return [], ["LinkedIn activity without a profile URL or member id: nothing to key on"]
        lead = self._lead(post, c, key).record
        assert isinstance(lead, LeadRecord)
        lead = lead.model_copy(update={"linkedin_activity": activity.value, "segment": None})
        who = _key_reference("Lead", LeadRecord.key_field, key)
        task = self._task(post, c, who=who)
        record = task.record.model_copy(update={"subject": f"LinkedIn: {activity.value}"})
        assert isinstance(record, TaskRecord)
        writes = [
            _write(lead, self.playbook.routing.teams.get("Sales"), queued=True),
            _write(record),
        ]
        return writes, [f"LinkedIn {activity.value}"]

    def _outbound(
        self, post: SocialPost, c: Classification
    ) -> tuple[list[PlannedWrite], list[str]]:
        if not post.is_reply:
            return [], ["our own post, answering nobody: nothing to log"]
        key = thread_key(post.network, post.thread_root_id)
        what = _key_reference("Case", CaseRecord.key_field, key)
        task = self._task(post, c, what=what)
        first_response = CaseRecord(thread_key=key, first_response=post.created_at)
        writes = [task]
        if post.created_at is not None:
            writes.insert(0, _write(first_response, mode=WriteMode.UPDATE_ONLY))
        return writes, ["our reply: logged on the thread's Case (if the thread has one)"]

    def _case(self, post: SocialPost, c: Classification) -> PlannedWrite:
        handle = _handle(post)
        segment = c.segment
        type_key = segment._value_ if segment else "complaint"
        prefix = "[Review] " if c.review_reason else ""
        template = self.playbook.replies.get(segment) if segment else None
        reply = template.format(handle=handle, brand=self.playbook.brand.name) if template else None
        priority = c.priority._value_
        record = CaseRecord(
            thread_key=thread_key(post.network, post.thread_root_id),
            subject=f"{prefix}@{handle}: {' '.join(post.text.split())}",
            description=self._describe(post),
            origin=origin_for(post.network),
            type=self.playbook.case_types.get(type_key),
            priority=priority,
            segment=segment._value_ if segment else None,
            complaint=c.complaint,
            sentiment=c.sentiment._value_,
            listening_topic=c.topic._value_ if c.topic else None,
            response_due=response_due(self.playbook, post.created_at, segment, c.priority),
            suggested_reply=reply,
            evidence=c.explain(),
            severity=priority,
            escalated=c.escalate,
            escalation_reason=escalation_reason(c),
            priority_written=priority,
            reply_approval_waived=self.playbook.reply_approval.waived(
                segment, c.complaint, c.priority, c.escalate
            ),
            **self._prediction(c),
            network=post.network.label,
            handle=post.author.handle if post.author else None,
            post_url=post.url,
            influence_tier=c.influence_tier._value_ if c.influence_tier else None,
            source_tags=[t._value_ for t in c.source_tags],
        )
        queue = queue_for(self.playbook, None if c.review_reason else c.team)
        return _write(record, queue, queued=True)

    def _lead(self, post: SocialPost, c: Classification, key: str) -> PlannedWrite:
        author = post.author
        assert author is not None
        first, last = split_name(author.name, author.handle)
        record = LeadRecord(
            profile_key=key,
            first_name=first,
            last_name=last,
            company=author.company or "[not provided]",
            title=author.position,
            email=author.email,
            lead_source=lead_source_for(post.network),
            description=self._describe(post),
            segment=Segment.LEAD.value,
            network=post.network.label,
            handle=author.handle,
            profile_url=author.profile_url or _profile_url(post),
            followers=author.followers,
            influence_tier=c.influence_tier.value if c.influence_tier else None,
            user_classes=[u.value for u in c.user_classes],
            source_tags=[t.value for t in c.source_tags],
        )
        return _write(record, queue_for(self.playbook, c.team), queued=True)

    def _task(
        self,
        post: SocialPost,
        c: Classification,
        who: Reference | None = None,
        what: Reference | None = None,
    ) -> PlannedWrite:
        outbound = self._is_ours(post)
        record = TaskRecord(
            post_key=post_key(post.network, post.id),
            subject=_task_subject(post, outbound),
            description=self._describe(post),
            type=_task_type(post),
            status="Completed",
            activity_date=post.created_at.date() if post.created_at else None,
            segment=c.segment._value_ if c.segment else None,
            direction="Outbound" if outbound else "Inbound",
            **self._prediction(c),
            network=post.network.label,
            post_url=post.url,
            who=who,
            what=what,
        )
        return _write(record)

    def _review_task(self, post: SocialPost, c: Classification, reason: str) -> PlannedWrite:
        record = TaskRecord(
            post_key=post_key(post.network, post.id),
            subject=f"Review possible lead: @{_handle(post)}",
            description=f"{reason}\n\n{self._describe(post)}{EVIDENCE}{c.explain()}",
            type=_task_type(post),
            status="Not Started",
            owner_id=self.playbook.lead_qualification.review_owner_id,
            activity_date=post.created_at.date() if post.created_at else None,
            segment=Segment.LEAD.value,
            direction="Inbound",
            **prediction(c),
            network=post.network.label,
            post_url=post.url,
        )
        return _write(record)


def linkedin_activity(post: SocialPost) -> LinkedInActivity | None:
    """The ``LinkedIn_Lead_Activity__c`` value a LinkedIn relationship post records."""
    if post.network is not Network.LINKEDIN:
        return None
    outbound = post.direction is Direction.OUTBOUND
    if post.kind is PostKind.CONNECTION_REQUEST:
        return (
            LinkedInActivity.CONNECTION_REQUEST_SENT
            if outbound
            else LinkedInActivity.CONNECTION_REQUEST_RECEIVED
        )
    if post.kind is PostKind.CONNECTION:
        return LinkedInActivity.CONNECTION_REQUEST_CONFIRMED
    if post.kind in (PostKind.MESSAGE, PostKind.DIRECT_MESSAGE):
        return LinkedInActivity.MESSAGE_SENT if outbound else LinkedInActivity.MESSAGE_RECEIVED
    return None


RULES = "rules"
"""``Social_Model__c`` of a prediction the playbook's rules made alone."""


def prediction(c: Classification) -> dict[str, Any]:
    """The ``Social_Predicted_*__c`` values (and the model, its confidence) of a Case or
    Task: what the sync predicted, apart from the values agents may correct (design rule 9)."""
    return {
        "predicted_segment": c.segment._value_ if c.segment else None,
        "predicted_complaint": c.complaint,
        "predicted_sentiment": c.sentiment._value_,
        "predicted_by": c.model or RULES,
        "confidence": c.confidence.get("segment"),
    }


def escalation_reason(c: Classification) -> str | None:
    """Why a post escalates: the first escalation rule it matched, with what matched."""
    for item in c.evidence:
        if item.field == "escalate":
            return f"{item.rule} ({item.detail})" if item.detail else item.rule
    return None


def split_name(name: str | None, handle: str | None) -> tuple[str | None, str]:
    """(FirstName, LastName) from a display name; the handle when there is no usable name."""
    words = _NAME_JUNK.sub(" ", name or "").split()
    if len(words) >= 2:
        return " ".join(words[:-1]), words[-1]
    if words:
        return None, words[0]
    return None, handle or "[not provided]"


def _segment_score(c: Classification) -> float | None:
    for item in c.evidence:
        if item.field == "segment" and "; score " in item.detail:
            return float(item.detail.rsplit("; score ", 1)[1])
    return None


def _identity(post: SocialPost) -> AuthorIdentity:
    author = post.author
    return trusted(
        AuthorIdentity,
        _IDENTITY_SET,
        {
            "network": post.network,
            "user_id": author.id if author else None,
            "handle": author.handle if author else None,
            "profile_url": (author.profile_url if author else None) or _profile_url(post),
            "email": author.email if author else None,
            "lead_key": profile_key(post),
        },
    )


def _handle(post: SocialPost) -> str:
    return post.author.handle if post.author and post.author.handle else "unknown"


def _profile_url(post: SocialPost) -> str | None:
    if post.network is Network.TWITTER and post.author and post.author.handle:
        return f"https://x.com/{post.author.handle}"
    return None


def _task_subject(post: SocialPost, outbound: bool) -> str:
    if post.network is Network.TWITTER:
        return "Tweeted" if outbound else "Tweet"
    kind = post.kind._value_.replace("_", " ")
    return f"{post.network.label} {'reply' if outbound else kind}"


def _task_type(post: SocialPost) -> str:
    if post.network is Network.LINKEDIN and post.kind in (
        PostKind.MESSAGE,
        PostKind.DIRECT_MESSAGE,
    ):
        return TASK_TYPES["linkedin"]
    if post.network is Network.TWITTER and post.kind is not PostKind.DIRECT_MESSAGE:
        return TASK_TYPES["tweet"]
    return TASK_TYPES["message"]


def post_text(description: str) -> str:
    """The post's text back from a Description the mapping wrote (``_describe``): the lines
    after the last blank line are ours when they look so (author, URL, time), one line each.
    A lead review Task's reason and evidence around them are left out too. A post without
    author, URL or time whose own last paragraph looks like them (``— x``) loses that
    paragraph: rare, and only in training labels."""
    if EVIDENCE in description and description.startswith(_REVIEW):  # a lead review Task
        description = description.partition(EVIDENCE)[0].partition("\n\n")[2]
    text, blank, tail = description.rpartition("\n\n")
    if blank and all(line.startswith(_TRAILER) for line in tail.split("\n")):
        return text
    return description


def _describe(post: SocialPost) -> str:
    author = post.author
    lines = [post.text, ""]
    if author is not None:
        handle = f"(@{author.handle})" if author.handle else ""
        who = f"{author.name} {handle}" if author.name and handle else author.name or handle
        followers = f", {author.followers:,} followers" if author.followers is not None else ""
        lines.append(f"— {who or 'unknown author'} on {post.network.label}{followers}")
    if post.url:
        lines.append(post.url)
    if post.created_at:
        lines.append(f"posted {post.created_at.isoformat()}")
    return "\n".join(lines)

"""Mapping posts to record plans: each record kind, keys, truncation, ownership."""

from __future__ import annotations

from typing import Any

import pytest

from sf_social.classification import Priority, Segment
from sf_social.keys import profile_key, thread_key
from sf_social.mapping import lead_source_for, origin_for, split_name
from sf_social.pipeline import Pipeline
from sf_social.plan import RecordPlan, WriteMode
from sf_social.playbook import ReplyApproval, load_playbook
from sf_social.posts import Network, SocialPost
from sf_social.records import SYNC, CaseRecord, LeadRecord, TaskRecord


@pytest.fixture(scope="module")
def pipeline() -> Pipeline:
    return Pipeline(load_playbook())


def plan(pipeline: Pipeline, text: str, **fields: Any) -> RecordPlan:
    base: dict[str, Any] = {
        "network": "twitter",
        "id": "123",
        "text": text,
        "created_at": "2026-11-20T10:00:00Z",
        "author": {"id": "115712", "handle": "someone", "name": "Some One", "followers": 120},
        "url": "https://x.com/someone/status/123",
    }
    return pipeline.plan(SocialPost.model_validate({**base, **fields}))


def records(p: RecordPlan) -> dict[str, Any]:
    return {w.sobject: w.record for w in p.writes}


def test_request_becomes_a_case_per_thread_and_a_task_on_it(pipeline: Pipeline) -> None:
    p = plan(
        pipeline, "@NorthwindHelp app keeps crashing, still broken #fail", conversation_id="100"
    )
    case, task = p.writes
    assert isinstance(case.record, CaseRecord) and isinstance(task.record, TaskRecord)
    assert case.record.thread_key == "twitter:thread:100"
    assert case.owner_queue == "Social_Technical_Support"
    fields = case.record.api_fields()
    assert fields["Origin"] == "Twitter"
    assert fields["Type"] == "Problem"
    assert fields["Social_Segment__c"] == "Request"
    assert fields["Social_Complaint__c"] is True
    assert fields["Social_Post_URL__c"] == "https://x.com/someone/status/123"
    assert fields["Social_Response_Due__c"] == "2026-11-20T11:00:00Z"  # Request target: 60 min
    assert "@someone" in fields["Social_Suggested_Reply__c"]
    assert "segment=Request" in fields["Social_Evidence__c"]
    assert task.record.key == "twitter:123"
    assert task.record.api_fields()["What"] == {
        "attributes": {"type": "Case"},
        "Social_Thread_Key__c": "twitter:thread:100",
    }
    assert task.record.api_fields()["Subject"] == "Tweet"


def test_the_prediction_is_kept_beside_the_values_agents_own(pipeline: Pipeline) -> None:
    p = plan(
        pipeline,
        "@NorthwindHelp charged twice, third time I ask, my lawyer will hear of this",
        conversation_id="100",
    )
    case, task = (w.record for w in p.writes)
    fields = case.api_fields()
    assert fields["Social_Predicted_Segment__c"] == fields["Social_Segment__c"]
    assert fields["Social_Predicted_Complaint__c"] is fields["Social_Complaint__c"] is True
    assert fields["Social_Predicted_Sentiment__c"] == fields["Social_Sentiment__c"]
    assert fields["Social_Model__c"] == "rules"
    assert "Social_Confidence__c" not in fields  # the rules decided: no probability
    assert fields["Social_Severity__c"] == fields["Priority"] == "High"
    assert fields["Social_Priority_Written__c"] == "High"
    assert fields["Social_Escalated__c"] is True
    assert fields["Social_Escalation_Reason__c"].startswith("escalation.legal threat")
    assert task.api_fields()["Social_Predicted_Segment__c"] == fields["Social_Segment__c"]
    prediction = {n for n in fields if n.startswith("Social_Predicted_") or n == "Social_Model__c"}
    assert not prediction & set(case.api_fields(only=SYNC))  # never refreshed, never lost


def test_the_playbook_decides_whether_a_reply_on_the_case_needs_an_approver(
    pipeline: Pipeline,
) -> None:
    def waived(text: str) -> object:
        return records(plan(pipeline, text))["Case"].api_fields()["Social_Reply_Approval_Waived__c"]

    assert waived("please add dark mode to the northwind app") is True  # a Suggestion
    assert waived("how do I change my card PIN @NorthwindHelp?") is True  # a Question
    assert waived("@NorthwindHelp app keeps crashing, still broken #fail") is False  # complaint
    assert waived("@NorthwindHelp someone stole my card and took money from my account") is False


def test_reply_approval_rules() -> None:
    rules = ReplyApproval(waived_segments=[Segment.QUESTION], keep_from_priority=Priority.MEDIUM)
    assert rules.waived(Segment.QUESTION, complaint=False, priority=Priority.LOW, escalated=False)
    assert not rules.waived(Segment.REQUEST, False, Priority.LOW, False)  # not a waived segment
    assert not rules.waived(None, False, Priority.LOW, False)
    assert not rules.waived(Segment.QUESTION, True, Priority.LOW, False)  # a complaint
    assert not rules.waived(Segment.QUESTION, False, Priority.MEDIUM, False)  # priority
    assert not rules.waived(Segment.QUESTION, False, Priority.HIGH, False)
    assert not rules.waived(Segment.QUESTION, False, Priority.LOW, True)  # escalated
    lenient = ReplyApproval(
        waived_segments=[Segment.QUESTION], keep_for_complaints=False, keep_from_priority=None
    )
    assert lenient.waived(Segment.QUESTION, True, Priority.HIGH, False)
    assert not ReplyApproval().waived(Segment.QUESTION, False, Priority.LOW, False)  # default


def test_suggestion_case_has_type_feature_request(pipeline: Pipeline) -> None:
    case = records(plan(pipeline, "please add dark mode to the northwind app"))["Case"]
    assert case.api_fields()["Type"] == "Feature Request"


def test_complaint_forces_a_case_whatever_the_segment(pipeline: Pipeline) -> None:
    p = plan(pipeline, "been waiting 3 weeks for my replacement card, nobody answers")
    assert p.classification.segment is None and p.classification.complaint
    case = records(p)["Case"]
    assert case.api_fields()["Type"] == "Problem"
    assert p.writes[0].owner_queue == "Social_Customer_Support"


def test_qualified_lead_gets_a_lead_per_profile_and_a_task_on_it(pipeline: Pipeline) -> None:
    p = plan(
        pipeline,
        "thinking of switching from contoso, how do i open a business account?",
        author={"id": "42", "handle": "priya", "name": "Priya van Raman", "followers": 2400},
    )
    lead, task = (w.record for w in p.writes)
    assert isinstance(lead, LeadRecord) and isinstance(task, TaskRecord)
    assert lead.key == "twitter:user:42"
    fields = lead.api_fields()
    assert (fields["FirstName"], fields["LastName"]) == ("Priya van", "Raman")
    assert fields["Company"] == "[not provided]"
    assert fields["LeadSource"] == "Twitter"
    assert fields["Social_Influence_Tier__c"] == "1,000+ Followers"
    assert task.api_fields()["Who"] == {
        "attributes": {"type": "Lead"},
        "Social_Profile_Key__c": "twitter:user:42",
    }
    assert "What" not in task.api_fields()


def test_unqualified_lead_becomes_a_review_task(pipeline: Pipeline) -> None:
    p = plan(
        pipeline,
        "interested in opening an account",
        author={"id": "7", "handle": "newbie", "followers": 3},
    )
    assert p.classification.segment is Segment.LEAD
    (task,) = (w.record for w in p.writes)
    assert isinstance(task, TaskRecord)
    assert task.subject == "Review possible lead: @newbie"
    assert task.status == "Not Started"
    assert any("3 followers < 20" in note for note in p.notes)


def test_competitor_handle_never_becomes_a_lead(pipeline: Pipeline) -> None:
    p = plan(
        pipeline,
        "thinking of switching banks, how do i open an account?",
        author={"id": "9", "handle": "ContosoBank", "followers": 90_000},
    )
    assert "Lead" not in records(p)
    assert any("Competitor" in note for note in p.notes)


def test_praise_is_a_task_for_identity_lookup(pipeline: Pipeline) -> None:
    p = plan(pipeline, "love the new app, thank you @NorthwindBank!")
    (task,) = (w.record for w in p.writes)
    assert isinstance(task, TaskRecord)
    assert task.who is None and task.what is None
    assert p.identity is not None and p.identity.lead_key == "twitter:user:115712"


def test_our_reply_is_a_completed_tweeted_task_and_first_response(pipeline: Pipeline) -> None:
    p = plan(
        pipeline,
        "We're sorry! Please DM us.",
        id="124",
        conversation_id="100",
        in_reply_to_id="123",
        direction="outbound",
        author={"id": "b1", "handle": "NorthwindHelp", "followers": 50_000},
    )
    first_response, task = p.writes
    assert first_response.mode is WriteMode.UPDATE_ONLY
    assert first_response.record.api_fields() == {
        "Social_Thread_Key__c": "twitter:thread:100",
        "Social_First_Response__c": "2026-11-20T10:00:00Z",
    }
    fields = task.record.api_fields()
    assert (fields["Subject"], fields["Type"], fields["Status"]) == (
        "Tweeted",
        "Tweet",
        "Completed",
    )
    assert fields["Social_Direction__c"] == "Outbound"


def test_our_broadcast_answering_nobody_writes_nothing(pipeline: Pipeline) -> None:
    p = plan(pipeline, "New savings rates today!", author={"id": "b", "handle": "NorthwindBank"})
    assert p.writes == []


def test_uncovered_language_becomes_a_review_case(pipeline: Pipeline) -> None:
    p = plan(pipeline, "Votre application ne fonctionne pas depuis hier", lang="fr")
    case = p.writes[0]
    assert case.owner_queue == "Social_Review"
    assert isinstance(case.record, CaseRecord) and case.record.subject
    assert case.record.subject.startswith("[Review] ")


def test_noise_plans_nothing(pipeline: Pipeline) -> None:
    p = plan(pipeline, "sad the season is over")
    assert p.writes == [] and p.notes


def test_long_text_is_truncated_never_rejected(pipeline: Pipeline) -> None:
    text = "@NorthwindHelp app crashes " + "again and again " * 4000
    case = records(plan(pipeline, text))["Case"]
    assert len(case.subject) == 255 and case.subject.endswith("…")
    assert len(case.description) == 32_000 and case.description.endswith("…")


def test_replays_of_a_thread_touch_only_sync_owned_fields(pipeline: Pipeline) -> None:
    case = records(plan(pipeline, "app keeps crashing #fail"))["Case"]
    sync_fields = case.api_fields(only=SYNC)
    assert {"Subject", "Status", "Priority", "OwnerId", "Type", "Origin"}.isdisjoint(sync_fields)
    assert {"Social_Thread_Key__c", "Social_Post_URL__c"} <= set(sync_fields)


def test_keys() -> None:
    assert thread_key(Network.TWITTER, "100") == "twitter:thread:100"
    assert thread_key(Network.TWITTER, "100", 3) == "twitter:thread:100#3"
    with pytest.raises(ValueError, match="generation"):
        thread_key(Network.TWITTER, "100", 0)
    linkedin = SocialPost(
        network="linkedin",
        id="c1",
        text="hi",
        author={"profile_url": "https://www.linkedin.com/in/Jane-Doe-1/?trk=x"},
    )
    assert profile_key(linkedin) == "linkedin:profile:jane-doe-1"
    assert profile_key(SocialPost(network="twitter", id="1", text="hi")) is None


def test_networks_without_their_own_value_use_social_media() -> None:
    assert origin_for(Network.FACEBOOK) == "Facebook"
    assert origin_for(Network.MASTODON) == "Social Media"
    assert lead_source_for(Network.INSTAGRAM) == "Social Media"


@pytest.mark.parametrize(
    ("name", "handle", "expected"),
    [
        ("Jamie Marsh", "jm", ("Jamie", "Marsh")),
        ("Cher", "cher", (None, "Cher")),
        ("🌸✨", "flower_girl", (None, "flower_girl")),
        (None, None, (None, "[not provided]")),
        ("Ana María de la Cruz 🇲🇽", "ana", ("Ana María de la", "Cruz")),
    ],
)
def test_split_name(name: str | None, handle: str | None, expected: tuple[str | None, str]) -> None:
    assert split_name(name, handle) == expected


def test_plan_json_lists_insert_only_fields(pipeline: Pipeline) -> None:
    data = plan(pipeline, "app keeps crashing #fail").to_json()
    case = data["writes"][0]
    assert case["sobject"] == "Case" and case["key_field"] == "Social_Thread_Key__c"
    assert "Subject" in case["insert_only"] and "Social_Post_URL__c" not in case["insert_only"]


@pytest.mark.parametrize(
    ("kind", "direction", "activity", "task_type"),
    [
        ("connection_request", "outbound", "Connection Request Sent", "Social Message"),
        ("connection_request", "inbound", "Connection Request Received", "Social Message"),
        ("connection", "inbound", "Connection Request Confirmed", "Social Message"),
        ("message", "outbound", "Message Sent", "LinkedIn Message"),
        ("message", "inbound", "Message Received", "LinkedIn Message"),
    ],
)
def test_linkedin_activity_updates_the_prospects_lead(
    pipeline: Pipeline, kind: str, direction: str, activity: str, task_type: str
) -> None:
    p = pipeline.plan(
        SocialPost(
            network="linkedin",
            id=f"{kind}-{direction}",
            text="Great to connect, Morgan",
            kind=kind,
            direction=direction,
            author={
                "name": "Morgan Ellis",
                "profile_url": "https://www.linkedin.com/in/morgan-ellis-88",
                "company": "Ellis Design",
                "position": "COO",
            },
        )
    )
    lead, task = (w.record for w in p.writes)
    assert isinstance(lead, LeadRecord) and isinstance(task, TaskRecord)
    fields = lead.api_fields()
    assert lead.key == "linkedin:profile:morgan-ellis-88"
    assert fields["LinkedIn_Lead_Activity__c"] == activity
    assert (fields["Company"], fields["Title"], fields["LeadSource"]) == (
        "Ellis Design",
        "COO",
        "LinkedIn",
    )
    assert task.api_fields()["Type"] == task_type
    assert task.api_fields()["Who"]["Social_Profile_Key__c"] == lead.key
    assert task.direction == ("Outbound" if direction == "outbound" else "Inbound")


def test_linkedin_activity_without_a_profile_plans_nothing(pipeline: Pipeline) -> None:
    p = pipeline.plan(
        SocialPost(network="linkedin", id="1", text="hi", kind="connection", author={"name": "X"})
    )
    assert p.writes == [] and "nothing to key on" in p.notes[0]


def _revalidated(model: Any) -> Any:
    """``model`` built again through validation, from its own field values."""
    values = {name: getattr(model, name) for name in model.model_fields_set}
    return type(model)(**values)


@pytest.mark.parametrize(
    "fields",
    [
        {},
        {
            "text": "I want to buy 50 seats, who do I talk to?",
            "author": {"id": "9", "followers": 9_000},
        },
        {"text": "thank you so much, love the new app"},
        {"direction": "outbound", "conversation_id": "100", "in_reply_to_id": "100"},
        {"lang": "fr", "text": "mon application plante"},
        {
            "network": "linkedin",
            "kind": "connection_request",
            "author": {"id": "7", "profile_url": "https://www.linkedin.com/in/jane-doe/"},
        },
        {"text": "app keeps crashing #fail", "author": None, "created_at": None},
    ],
)
def test_plans_are_what_validation_would_build(pipeline: Pipeline, fields: dict[str, Any]) -> None:
    """The mapper builds plans, writes, references and identities without validation
    (``sf_social.plan.trusted``): they equal validated ones, field by field, with the same
    fields set and the same JSON."""
    built = plan(pipeline, fields.pop("text", "app keeps crashing #fail"), **fields)
    again = _revalidated(built)
    assert again == built
    assert again.model_dump_json() == built.model_dump_json()
    assert RecordPlan.model_validate_json(built.model_dump_json()) == built
    parts = [built, *built.writes] + ([built.identity] if built.identity else [])
    parts += [
        r
        for w in built.writes
        for r in (getattr(w.record, "who", None), getattr(w.record, "what", None))
        if r
    ]
    for part in parts:
        assert _revalidated(part) == part
        assert part.model_fields_set == _revalidated(part).model_fields_set
        assert list(part.__dict__) == list(type(part).model_fields)

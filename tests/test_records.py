"""Typed Salesforce records: API names, field limits, ownership (design rule 7), merge, refs."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from sf_social.records import (
    ELLIPSIS,
    INSERT,
    SYNC,
    CaseRecord,
    ContactRecord,
    LeadRecord,
    LinkedInActivity,
    Ownership,
    Reference,
    SObjectRecord,
    TaskRecord,
    truncate,
)

LEAD_KEY = "twitter:user:115712"
THREAD_KEY = "twitter:thread:100"
POST_KEY = "twitter:123"


def full_lead(**overrides: Any) -> LeadRecord:
    fields: dict[str, Any] = {
        "profile_key": LEAD_KEY,
        "last_name": "One",
        "first_name": "Some",
        "company": "Acme",
        "title": "CTO",
        "email": "some@example.com",
        "lead_source": "Twitter",
        "description": "wants to switch",
        "owner_id": "00G000000000001",
        "segment": "Lead",
        "network": "Twitter",
        "handle": "someone",
        "profile_url": "https://x.com/someone",
        "followers": 120,
        "influence_tier": "100+ Followers",
        "user_classes": ["Active Tweeter", "Verified"],
        "source_tags": ["Influencer"],
        "linkedin_activity": "Message Sent",
    }
    fields.update(overrides)
    return LeadRecord(**fields)


def full_case(**overrides: Any) -> CaseRecord:
    fields: dict[str, Any] = {
        "thread_key": THREAD_KEY,
        "subject": "app crashes",
        "description": "it crashes every time",
        "origin": "Twitter",
        "type": "Problem",
        "priority": "High",
        "status": "New",
        "owner_id": "00G000000000002",
        "contact_id": "003000000000001",
        "segment": "Request",
        "complaint": True,
        "sentiment": "Negative",
        "listening_topic": "Brand",
        "response_due": datetime(2024, 1, 1, 10, 0, tzinfo=UTC),
        "suggested_reply": "We're sorry",
        "evidence": "'crash*'",
        "network": "Twitter",
        "handle": "someone",
        "post_url": "https://x.com/someone/status/123",
        "influence_tier": "Under 100 Followers",
        "source_tags": ["Tier 1 Customer", "Influencer"],
        "first_response": datetime(2024, 1, 1, 9, 30, tzinfo=UTC),
    }
    fields.update(overrides)
    return CaseRecord(**fields)


def full_task(**overrides: Any) -> TaskRecord:
    fields: dict[str, Any] = {
        "post_key": POST_KEY,
        "subject": "Tweet",
        "description": "hello",
        "type": "Tweet",
        "status": "Completed",
        "priority": "Normal",
        "activity_date": date(2024, 1, 2),
        "owner_id": "005000000000001",
        "segment": "Praise",
        "direction": "Inbound",
        "network": "Twitter",
        "post_url": "https://x.com/someone/status/123",
        "what": Reference(sobject="Case", key_field="Social_Thread_Key__c", key=THREAD_KEY),
    }
    fields.update(overrides)
    return TaskRecord(**fields)


def full_contact(**overrides: Any) -> ContactRecord:
    fields: dict[str, Any] = {
        "id": "003000000000001",
        "handle": "someone",
        "followers": 50_000,
        "influence_tier": "10,000+ Followers",
        "user_classes": ["Large Following Base"],
    }
    fields.update(overrides)
    return ContactRecord(**fields)


ALL_FULL = [full_lead(), full_case(), full_task(), full_contact()]


class TestApiNames:
    def test_lead_serializes_to_api_names(self) -> None:
        assert full_lead().api_fields() == {
            "Social_Profile_Key__c": LEAD_KEY,
            "LastName": "One",
            "FirstName": "Some",
            "Company": "Acme",
            "Title": "CTO",
            "Email": "some@example.com",
            "LeadSource": "Twitter",
            "Description": "wants to switch",
            "OwnerId": "00G000000000001",
            "Social_Segment__c": "Lead",
            "Social_Network__c": "Twitter",
            "Social_Handle__c": "someone",
            "Social_Profile_URL__c": "https://x.com/someone",
            "Social_Followers__c": 120,
            "Social_Influence_Tier__c": "100+ Followers",
            "Social_User_Classes__c": "Active Tweeter;Verified",
            "Social_Source_Tags__c": "Influencer",
            "LinkedIn_Lead_Activity__c": "Message Sent",
        }

    def test_case_serializes_to_api_names_with_json_datetimes(self) -> None:
        fields = full_case().api_fields()
        assert fields["Social_Thread_Key__c"] == THREAD_KEY
        assert fields["Origin"] == "Twitter"
        assert fields["Type"] == "Problem"
        assert fields["Social_Complaint__c"] is True
        assert fields["Social_Listening_Topic__c"] == "Brand"
        assert fields["Social_Response_Due__c"] == "2024-01-01T10:00:00Z"
        assert fields["Social_First_Response__c"] == "2024-01-01T09:30:00Z"
        assert fields["Social_Source_Tags__c"] == "Tier 1 Customer;Influencer"
        assert fields["ContactId"] == "003000000000001"
        assert not any(name in fields for name in ("thread_key", "owner_id", "sobject"))

    def test_task_serializes_dates_and_references(self) -> None:
        fields = full_task().api_fields()
        assert fields["ActivityDate"] == "2024-01-02"
        assert fields["Social_Post_Key__c"] == POST_KEY
        assert fields["Social_Direction__c"] == "Inbound"
        assert fields["What"] == {
            "attributes": {"type": "Case"},
            "Social_Thread_Key__c": THREAD_KEY,
        }
        assert "who" not in fields and "what" not in fields

    def test_false_checkbox_is_sent_but_none_is_not(self) -> None:
        assert CaseRecord(thread_key="k", complaint=False).api_fields() == {
            "Social_Thread_Key__c": "k",
            "Social_Complaint__c": False,
        }

    def test_records_accept_api_names_as_input(self) -> None:
        lead = LeadRecord.model_validate({"Social_Profile_Key__c": "k", "LastName": "Doe"})
        assert lead.last_name == "Doe"
        assert lead.key == "k"

    def test_unknown_attribute_is_rejected(self) -> None:
        with pytest.raises(ValidationError):
            CaseRecord(thread_key="k", subjekt="x")  # type: ignore[call-arg]

    @pytest.mark.parametrize(
        ("record", "sobject", "key_field", "key"),
        [
            (full_lead(), "Lead", "Social_Profile_Key__c", LEAD_KEY),
            (full_case(), "Case", "Social_Thread_Key__c", THREAD_KEY),
            (full_task(), "Task", "Social_Post_Key__c", POST_KEY),
            (full_contact(), "Contact", "Id", "003000000000001"),
        ],
    )
    def test_external_id_keys(
        self, record: SObjectRecord, sobject: str, key_field: str, key: str
    ) -> None:
        assert record.sobject == sobject
        assert record.key_field == key_field
        assert record.key == key
        assert record.api_fields()[key_field] == key

    @pytest.mark.parametrize(
        "record",
        [
            full_lead(),
            full_case(),
            full_task(),
            full_contact(),
            CaseRecord(thread_key="k", complaint=False),
            LeadRecord(profile_key="k", last_name="L", user_classes=["Verified"]),
            LeadRecord(
                profile_key="k",
                last_name="L",
                phone="+1 555",
                opted_out_of_email=True,
                form_fields={"Budget__c": "10k"},
            ),
        ],
        ids=lambda r: type(r).__name__,
    )
    def test_fast_api_fields_equal_pydantics_dump(self, record: SObjectRecord) -> None:
        """``api_fields`` builds the dict without ``model_dump`` for the usual types; it
        gives the same fields, values and order as the dump (and falls back to it)."""
        dumped = record.model_dump(
            mode="json", by_alias=True, exclude_none=True, exclude=type(record)._links()
        )
        for api_name in type(record)._multi_selects():
            if dumped.get(api_name) == []:
                del dumped[api_name]
            elif api_name in dumped:
                dumped[api_name] = ";".join(dumped[api_name])
        for api_name in type(record)._by_api_name():
            dumped.update(dumped.pop(api_name, None) or {})
        fast = record._api_values()
        assert fast is not None
        assert list(fast.items()) == list(dumped.items())


class TestTruncation:
    @pytest.mark.parametrize(
        ("model", "attribute", "limit"),
        [
            (CaseRecord, "subject", 255),
            (CaseRecord, "description", 32_000),
            (CaseRecord, "evidence", 32_000),
            (CaseRecord, "suggested_reply", 32_000),
            (TaskRecord, "subject", 255),
            (TaskRecord, "description", 32_000),
            (LeadRecord, "last_name", 80),
            (LeadRecord, "first_name", 40),
            (LeadRecord, "company", 255),
            (LeadRecord, "title", 255),
        ],
    )
    def test_limit_is_exact(self, model: type[SObjectRecord], attribute: str, limit: int) -> None:
        key = {CaseRecord: "thread_key", TaskRecord: "post_key", LeadRecord: "profile_key"}[model]
        base: dict[str, Any] = {key: "k"}
        if model is LeadRecord:
            base["last_name"] = "Doe"

        at_limit = model(**{**base, attribute: "x" * limit})
        assert getattr(at_limit, attribute) == "x" * limit

        over = model(**{**base, attribute: "x" * (limit + 1)})
        value = getattr(over, attribute)
        assert len(value) == limit
        assert value == "x" * (limit - 1) + ELLIPSIS

    def test_truncation_does_not_leave_a_space_before_the_ellipsis(self) -> None:
        assert truncate("abc def", 5) == "abc" + ELLIPSIS

    def test_short_text_is_untouched(self) -> None:
        assert truncate("abc", 3) == "abc"
        assert truncate("", 3) == ""

    def test_truncation_also_applies_on_assignment(self) -> None:
        case = CaseRecord(thread_key="k")
        case.subject = "y" * 300
        assert case.subject == "y" * 254 + ELLIPSIS


class TestRequiredLeadFields:
    def test_last_name_is_required(self) -> None:
        with pytest.raises(ValidationError) as exc:
            LeadRecord(profile_key="k")  # type: ignore[call-arg]
        assert [e["loc"] for e in exc.value.errors()] == [("LastName",)]

    def test_empty_last_name_is_rejected(self) -> None:
        with pytest.raises(ValidationError):
            LeadRecord(profile_key="k", last_name="")

    def test_company_defaults_to_not_provided(self) -> None:
        lead = LeadRecord(profile_key="k", last_name="Doe")
        assert lead.company == "[not provided]"
        assert lead.api_fields()["Company"] == "[not provided]"

    def test_empty_company_is_rejected(self) -> None:
        with pytest.raises(ValidationError):
            LeadRecord(profile_key="k", last_name="Doe", company="")

    def test_key_over_255_is_rejected_not_truncated(self) -> None:
        with pytest.raises(ValidationError):
            LeadRecord(profile_key="k" * 256, last_name="Doe")


class TestMultiSelect:
    def test_values_are_joined_with_semicolons(self) -> None:
        contact = full_contact(user_classes=["Active Tweeter", "Large Following Base", "Verified"])
        assert (
            contact.api_fields()["Social_User_Classes__c"]
            == "Active Tweeter;Large Following Base;Verified"
        )

    def test_empty_multi_select_is_left_out_not_sent_as_null(self) -> None:
        lead = LeadRecord(profile_key="k", last_name="Doe")
        assert "Social_User_Classes__c" not in lead.api_fields()
        assert "Social_Source_Tags__c" not in lead.api_fields(only=SYNC)
        assert None not in lead.api_fields().values()


# Design brief rule 7: owner, status, priority, subject, type are insert-only; social facts
# (followers, influence tier, last post URL) are sync-owned.
RULE7_INSERT_ONLY = {"OwnerId", "Status", "Priority", "Subject", "Type"}
RULE7_SYNC_OWNED = {"Social_Followers__c", "Social_Influence_Tier__c", "Social_Post_URL__c"}

EXPECTED_OWNERSHIP: dict[type[SObjectRecord], tuple[set[str], set[str]]] = {
    LeadRecord: (
        {
            "LastName",
            "FirstName",
            "Company",
            "Title",
            "Email",
            "LeadSource",
            "Description",
            "OwnerId",
            "Social_Segment__c",
            "Phone",
            "Country",
            "form_fields",
        },
        {
            "Social_Profile_Key__c",
            "Social_Network__c",
            "Social_Handle__c",
            "Social_Profile_URL__c",
            "Social_Followers__c",
            "Social_Influence_Tier__c",
            "Social_User_Classes__c",
            "Social_Source_Tags__c",
            "LinkedIn_Lead_Activity__c",
            "HasOptedOutOfEmail",
        },
    ),
    CaseRecord: (
        {
            "Subject",
            "Description",
            "Origin",
            "Type",
            "Priority",
            "Status",
            "OwnerId",
            "ContactId",
            "Social_Segment__c",
            "Social_Complaint__c",
            "Social_Sentiment__c",
            "Social_Listening_Topic__c",
            "Social_Response_Due__c",
            "Social_Suggested_Reply__c",
            "Social_Evidence__c",
            "Social_Predicted_Segment__c",
            "Social_Predicted_Complaint__c",
            "Social_Predicted_Sentiment__c",
            "Social_Model__c",
            "Social_Confidence__c",
            "Social_Severity__c",
            "Social_Escalated__c",
            "Social_Escalation_Reason__c",
            "Social_Priority_Written__c",
            "Social_Reply_Approval_Waived__c",
        },
        {
            "Social_Thread_Key__c",
            "Social_Network__c",
            "Social_Handle__c",
            "Social_Post_URL__c",
            "Social_Influence_Tier__c",
            "Social_Source_Tags__c",
            "Social_First_Response__c",
            "Social_Response_Minutes__c",
            "Social_Response_Overdue__c",
        },
    ),
    TaskRecord: (
        {
            "Subject",
            "Description",
            "Type",
            "Status",
            "Priority",
            "ActivityDate",
            "OwnerId",
            "Social_Segment__c",
            "Social_Direction__c",
            "Social_Predicted_Segment__c",
            "Social_Predicted_Complaint__c",
            "Social_Predicted_Sentiment__c",
            "Social_Model__c",
            "Social_Confidence__c",
            "who",
            "what",
        },
        {"Social_Post_Key__c", "Social_Network__c", "Social_Post_URL__c"},
    ),
    ContactRecord: (
        set(),
        {
            "Id",
            "Social_Handle__c",
            "Social_Followers__c",
            "Social_Influence_Tier__c",
            "Social_User_Classes__c",
            "HasOptedOutOfEmail",
        },
    ),
}


def owned(model: type[SObjectRecord], owner: Ownership) -> set[str]:
    return {
        info.alias or name
        for name, info in model.model_fields.items()
        if model.ownership(name) is owner
    }


class TestOwnership:
    @pytest.mark.parametrize("model", list(EXPECTED_OWNERSHIP))
    def test_each_field_has_the_expected_owner(self, model: type[SObjectRecord]) -> None:
        insert_only, sync_owned = EXPECTED_OWNERSHIP[model]
        assert owned(model, INSERT) == insert_only
        assert owned(model, SYNC) == sync_owned

    @pytest.mark.parametrize("model", list(EXPECTED_OWNERSHIP))
    def test_ownership_follows_design_rule_7(self, model: type[SObjectRecord]) -> None:
        names = {info.alias or name for name, info in model.model_fields.items()}
        assert names & RULE7_INSERT_ONLY <= owned(model, INSERT)
        assert names & RULE7_SYNC_OWNED <= owned(model, SYNC)

    def test_the_external_id_key_is_sync_owned(self) -> None:
        for model in EXPECTED_OWNERSHIP:
            assert model.key_field in owned(model, SYNC)

    @pytest.mark.parametrize("record", ALL_FULL, ids=lambda r: type(r).__name__)
    def test_sync_update_never_touches_agent_fields(self, record: SObjectRecord) -> None:
        update = record.api_fields(only=SYNC)
        assert not update.keys() & RULE7_INSERT_ONLY
        assert not update.keys() & {"WhoId", "WhatId", "Who", "What"}
        assert record.key_field in update
        assert update == {
            k: v for k, v in record.api_fields().items() if k in owned(type(record), SYNC)
        }

    def test_insert_only_view_of_a_case(self) -> None:
        fields = full_case().api_fields(only=INSERT)
        assert fields.keys() >= RULE7_INSERT_ONLY
        assert "Social_Thread_Key__c" not in fields
        assert "Social_Post_URL__c" not in fields

    def test_insert_only_view_of_a_task_carries_its_references(self) -> None:
        fields = full_task().api_fields(only=INSERT)
        assert "What" in fields
        assert "Social_Post_URL__c" not in fields

    def test_a_field_without_ownership_is_a_type_error(self) -> None:
        class Broken(SObjectRecord):
            sobject = "Case"
            key_field = "Social_Thread_Key__c"
            thread_key: str

        with pytest.raises(TypeError, match=r"Broken\.thread_key declares no Ownership"):
            Broken.ownership("thread_key")


class TestMerge:
    def test_insert_only_keeps_the_first_value(self) -> None:
        first = full_case(subject="first post", status="New", priority="High")
        newer = full_case(subject="second post", status="Closed", priority="Low")
        merged = first.merge(newer)
        assert isinstance(merged, CaseRecord)
        assert (merged.subject, merged.status, merged.priority) == ("first post", "New", "High")

    def test_sync_owned_takes_the_newer_value(self) -> None:
        first = full_lead(followers=10, influence_tier="Under 100 Followers")
        newer = full_lead(followers=150, influence_tier="100+ Followers", source_tags=["Partner"])
        merged = first.merge(newer)
        assert isinstance(merged, LeadRecord)
        assert merged.followers == 150
        assert merged.influence_tier == "100+ Followers"
        assert merged.source_tags == ["Partner"]

    def test_empty_newer_values_do_not_erase(self) -> None:
        first = full_lead(followers=10, user_classes=["Verified"])
        newer = LeadRecord(profile_key=LEAD_KEY, last_name="Other")
        merged = first.merge(newer)
        assert isinstance(merged, LeadRecord)
        assert merged.followers == 10
        assert merged.user_classes == ["Verified"]
        assert merged.last_name == "One"

    def test_an_empty_insert_only_value_stays_empty(self) -> None:
        """As when the newer plan comes in a later batch: it may refresh, not fill in."""
        first = full_case(listening_topic=None)
        newer = full_case(listening_topic="Brand", subject="second post")
        merged = first.merge(newer)
        assert isinstance(merged, CaseRecord)
        assert merged.listening_topic is None
        assert merged.subject == first.subject

    def test_insert_only_comes_from_the_newer_plan_when_it_creates(self) -> None:
        first = CaseRecord(thread_key=THREAD_KEY, first_response=datetime(2024, 1, 1, tzinfo=UTC))
        newer = CaseRecord(thread_key=THREAD_KEY, owner_id="00G1", subject="hi")
        merged = first.merge(newer, newer_creates=True)
        assert isinstance(merged, CaseRecord)
        assert (merged.owner_id, merged.subject) == ("00G1", "hi")
        assert merged.first_response == datetime(2024, 1, 1, tzinfo=UTC), "sync-owned kept"

    def test_merge_leaves_both_inputs_unchanged(self) -> None:
        first = full_lead(followers=10)
        newer = full_lead(followers=20)
        first.merge(newer)
        assert first.followers == 10
        assert newer.followers == 20

    def test_different_key_is_refused(self) -> None:
        with pytest.raises(ValueError, match="cannot merge"):
            full_case().merge(full_case(thread_key="twitter:thread:100#2"))

    def test_different_record_type_is_refused(self) -> None:
        contact = full_contact(id=THREAD_KEY)
        with pytest.raises(ValueError, match="cannot merge ContactRecord"):
            full_case().merge(contact)


class TestReference:
    def test_by_id(self) -> None:
        ref = Reference(sobject="Lead", id="00Q000000000001")
        assert ref.api_value("WhoId", "Who") == {"WhoId": "00Q000000000001"}

    def test_by_external_key(self) -> None:
        ref = Reference(sobject="Lead", key_field="Social_Profile_Key__c", key=LEAD_KEY)
        assert ref.api_value("WhoId", "Who") == {
            "Who": {"attributes": {"type": "Lead"}, "Social_Profile_Key__c": LEAD_KEY}
        }

    @pytest.mark.parametrize(
        "fields",
        [
            {},
            {"id": "00Q1", "key_field": "Social_Profile_Key__c", "key": LEAD_KEY},
            {"key": LEAD_KEY},
            {"key_field": "Social_Profile_Key__c"},
            {"id": "00Q1", "key": LEAD_KEY},
            {"id": "00Q1", "key_field": "Social_Profile_Key__c"},
        ],
    )
    def test_exactly_one_way_is_required(self, fields: dict[str, str]) -> None:
        with pytest.raises(ValidationError, match="either an id, or a key_field and a key"):
            Reference(sobject="Lead", **fields)

    def test_task_who_by_id_and_what_by_key(self) -> None:
        task = full_task(
            who=Reference(sobject="Contact", id="003000000000001"),
            what=Reference(sobject="Case", key_field="Social_Thread_Key__c", key=THREAD_KEY),
        )
        fields = task.api_fields()
        assert fields["WhoId"] == "003000000000001"
        assert fields["What"] == {
            "attributes": {"type": "Case"},
            "Social_Thread_Key__c": THREAD_KEY,
        }
        assert "Who" not in fields and "WhatId" not in fields

    def test_task_on_a_lead_by_key(self) -> None:
        task = full_task(
            what=None,
            who=Reference(sobject="Lead", key_field="Social_Profile_Key__c", key=LEAD_KEY),
        )
        fields = task.api_fields()
        assert fields["Who"] == {
            "attributes": {"type": "Lead"},
            "Social_Profile_Key__c": LEAD_KEY,
        }
        assert "What" not in fields and "WhatId" not in fields

    def test_task_whose_who_is_a_lead_cannot_have_a_what(self) -> None:
        with pytest.raises(ValidationError, match="WhoId is a Lead cannot have a WhatId"):
            full_task(who=Reference(sobject="Lead", id="00Q000000000001"))

    def test_task_whose_who_is_a_contact_may_have_a_what(self) -> None:
        task = full_task(who=Reference(sobject="Contact", id="003000000000001"))
        assert task.what is not None

    def test_a_case_cannot_be_a_who(self) -> None:
        with pytest.raises(ValidationError, match="WhoId must be a Lead or a Contact"):
            full_task(what=None, who=Reference(sobject="Case", id="500000000000001"))


def test_form_fields_are_sent_by_their_api_names_on_creation_only() -> None:
    lead = LeadRecord(profile_key="k", last_name="L", form_fields={"Budget__c": "10k"})
    assert lead.api_fields()["Budget__c"] == "10k"
    assert "form_fields" not in lead.api_fields()
    assert "Budget__c" not in lead.api_fields(only=SYNC)  # agents own them afterwards
    slow = lead.model_copy(update={"user_classes": ("Verified",)})  # a tuple: pydantic's way
    assert slow.api_fields()["Budget__c"] == "10k"


class TestLinkedInActivity:
    def test_values_in_the_order_a_relationship_moves_forward(self) -> None:
        assert [a.value for a in LinkedInActivity] == [
            "Connection Request Sent",
            "Connection Request Received",
            "Connection Request Confirmed",
            "Message Sent",
            "Message Received",
            "InMail Sent",
            "Post Engagement",
            "Lead Form Submitted",
        ]

    def test_confirmed_comes_after_sent(self) -> None:
        order = list(LinkedInActivity)
        assert order.index(LinkedInActivity.CONNECTION_REQUEST_CONFIRMED) > order.index(
            LinkedInActivity.CONNECTION_REQUEST_SENT
        )

    def test_lead_serializes_the_picklist_value(self) -> None:
        lead = full_lead(linkedin_activity=LinkedInActivity.CONNECTION_REQUEST_CONFIRMED)
        assert lead.api_fields()["LinkedIn_Lead_Activity__c"] == "Connection Request Confirmed"


def test_records_round_trip_through_json_and_join_multi_selects_only_for_the_api() -> None:
    lead = LeadRecord(
        profile_key="twitter:user:1",
        last_name="Doe",
        user_classes=["Verified", "Active Tweeter"],
    )
    assert LeadRecord.model_validate_json(lead.model_dump_json()) == lead
    assert lead.api_fields()["Social_User_Classes__c"] == "Verified;Active Tweeter"
    task = TaskRecord(
        post_key="twitter:2",
        what=Reference(sobject="Case", key_field="Social_Thread_Key__c", key="twitter:thread:1"),
    )
    assert TaskRecord.model_validate_json(task.model_dump_json()) == task
    assert "what" not in task.api_fields() and "What" in task.api_fields()

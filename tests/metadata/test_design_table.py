"""metadata/ matches the table of docs/design.md §4a exactly: names, types, lengths, values.

The expected table is typed in here from that table, not derived from the XML.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from sf_social.metadata.components import CustomFieldDef, MetadataPackage

NETWORKS = (
    "Twitter",
    "LinkedIn",
    "Facebook",
    "Instagram",
    "YouTube",
    "Mastodon",
    "Bluesky",
    "Other",
)
TIERS = (
    "Under 100 Followers",
    "100+ Followers",
    "1,000+ Followers",
    "10,000+ Followers",
    "100,000+ Followers",
)
SEGMENTS = ("Request", "Question", "Abuse", "Praise", "Lead", "Suggestion", "Fraud")
LINKEDIN = (
    "Connection Request Sent",
    "Connection Request Received",
    "Connection Request Confirmed",
    "Message Sent",
    "Message Received",
    "InMail Sent",
    "Post Engagement",
    "Lead Form Submitted",
)
USER_CLASSES = ("Active Tweeter", "Large Following Base", "Verified")
SOURCE_TAGS = ("Tier 1 Customer", "Influencer", "Employee", "Competitor", "Partner")


@dataclass(frozen=True)
class Spec:
    type: str
    values: tuple[str, ...] = ()
    length: int | None = None
    external_id: bool = False
    unique: bool = False
    digits: tuple[int, int] = (18, 0)
    """A number's precision and scale."""


def picklist(*values: str) -> Spec:
    return Spec("Picklist", values)


def multi(*values: str) -> Spec:
    return Spec("MultiselectPicklist", values)


TEXT = Spec("Text", length=255)
KEY = Spec("Text", length=255, external_id=True, unique=True)
LOOKUP = Spec("Text", length=255, external_id=True)
URL = Spec("Url")
NUMBER = Spec("Number")
PROBABILITY = Spec("Number", digits=(5, 4))
DATETIME = Spec("DateTime")
LONG = Spec("LongTextArea", length=32768)
REPLY_STATUSES = ("Draft", "Approved", "Sending", "Sent", "Failed", "Needs review")

TABLE: dict[tuple[str, str], Spec] = {
    ("Lead", "LinkedIn_Lead_Activity__c"): picklist(*LINKEDIN),
    ("Lead", "Social_Profile_Key__c"): KEY,
    **{(o, "Social_Network__c"): picklist(*NETWORKS) for o in ("Lead", "Case", "Activity")},
    **{(o, "Social_Handle__c"): TEXT for o in ("Lead", "Case", "Contact")},
    ("Lead", "Social_Profile_URL__c"): URL,
    **{(o, "Social_Followers__c"): NUMBER for o in ("Lead", "Contact")},
    **{(o, "Social_Influence_Tier__c"): picklist(*TIERS) for o in ("Lead", "Case", "Contact")},
    **{(o, "Social_User_Classes__c"): multi(*USER_CLASSES) for o in ("Lead", "Contact")},
    **{(o, "Social_Source_Tags__c"): multi(*SOURCE_TAGS) for o in ("Lead", "Case")},
    **{(o, "Social_Segment__c"): picklist(*SEGMENTS) for o in ("Lead", "Case", "Activity")},
    ("Case", "Social_Thread_Key__c"): KEY,
    **{(o, "Social_Post_URL__c"): URL for o in ("Case", "Activity")},
    ("Case", "Social_Complaint__c"): Spec("Checkbox"),
    ("Case", "Social_Sentiment__c"): picklist("Positive", "Neutral", "Negative"),
    ("Case", "Social_Listening_Topic__c"): picklist("Brand", "Industry", "Competitor"),
    ("Case", "Social_Response_Due__c"): DATETIME,
    ("Case", "Social_First_Response__c"): DATETIME,
    ("Case", "Social_Response_Minutes__c"): NUMBER,
    ("Case", "Social_Response_Overdue__c"): Spec("Checkbox"),
    **{(o, "Social_Predicted_Segment__c"): picklist(*SEGMENTS) for o in ("Case", "Activity")},
    **{(o, "Social_Predicted_Complaint__c"): Spec("Checkbox") for o in ("Case", "Activity")},
    **{
        (o, "Social_Predicted_Sentiment__c"): picklist("Positive", "Neutral", "Negative")
        for o in ("Case", "Activity")
    },
    **{(o, "Social_Model__c"): TEXT for o in ("Case", "Activity")},
    **{(o, "Social_Confidence__c"): PROBABILITY for o in ("Case", "Activity")},
    ("Case", "Social_Severity__c"): picklist("High", "Medium", "Low"),
    ("Case", "Social_Escalated__c"): Spec("Checkbox"),
    ("Case", "Social_Reply_Approval_Waived__c"): Spec("Checkbox"),
    ("Case", "Social_Escalation_Reason__c"): TEXT,
    ("Case", "Social_Priority_Written__c"): Spec("Text", length=40),
    ("Case", "Social_Suggested_Reply__c"): LONG,
    ("Case", "Social_Evidence__c"): LONG,
    ("Activity", "Social_Post_Key__c"): KEY,
    ("Activity", "Social_Direction__c"): picklist("Inbound", "Outbound"),
    ("Contact", "Twitter_Handle__c"): LOOKUP,
    ("Contact", "LinkedIn_Profile_Key__c"): LOOKUP,
    ("Social_Reply__c", "Case__c"): Spec("Lookup"),
    ("Social_Reply__c", "Reply_To_Key__c"): TEXT,
    ("Social_Reply__c", "Body__c"): LONG,
    ("Social_Reply__c", "Status__c"): picklist(*REPLY_STATUSES),
    ("Social_Reply__c", "Posted_Id__c"): KEY,
    ("Social_Reply__c", "Posted_URL__c"): URL,
    ("Social_Reply__c", "Error__c"): LONG,
}

STANDARD_VALUE_SETS = {
    "CaseOrigin": ("Twitter", "Facebook", "LinkedIn", "Instagram", "YouTube", "Social Media"),
    "LeadSource": (
        "Twitter",
        "LinkedIn",
        "Facebook",
        "LinkedIn Lead Gen Form",
        "Facebook Lead Ad",
        "Instagram Lead Ad",
        "Social Media",
    ),
    "TaskType": ("Tweet", "Social Message", "LinkedIn Message"),
    "TaskSubject": ("Tweet", "Tweeted"),
    "CaseType": ("Question", "Problem", "Feature Request"),
}


def field(package: MetadataPackage, key: tuple[str, str]) -> CustomFieldDef:
    found = next((f for f in package.fields if (f.object, f.api_name) == key), None)
    assert found is not None, f"{key[0]}.{key[1]} is missing"
    return found


def test_exactly_the_fields_of_the_table(package: MetadataPackage) -> None:
    assert sorted((f.object, f.api_name) for f in package.fields) == sorted(TABLE)


@pytest.mark.parametrize("key", sorted(TABLE), ids=lambda k: f"{k[0]}.{k[1]}")
def test_field_matches_the_table(package: MetadataPackage, key: tuple[str, str]) -> None:
    spec, actual = TABLE[key], field(package, key)

    assert actual.type == spec.type
    assert [v.api_name for v in actual.values] == list(spec.values)
    assert [v.label for v in actual.values] == list(spec.values)
    assert not any(v.default for v in actual.values)
    assert actual.length == spec.length
    assert (actual.external_id, actual.unique) == (spec.external_id, spec.unique)
    assert actual.label
    assert actual.help_text
    assert actual.description
    assert len(actual.label) <= 40
    assert len(actual.help_text) <= 510


@pytest.mark.parametrize("key", sorted(TABLE), ids=lambda k: f"{k[0]}.{k[1]}")
def test_type_details(package: MetadataPackage, key: tuple[str, str]) -> None:
    actual = field(package, key)

    if actual.type == "Picklist":
        assert actual.restricted
    elif actual.type == "MultiselectPicklist":
        assert actual.restricted
        assert actual.visible_lines == len(actual.values)
    elif actual.type == "Number":
        assert (actual.precision, actual.scale) == TABLE[key].digits
    elif actual.type == "Checkbox":
        assert actual.default_value == "false"
    elif actual.type == "LongTextArea":
        assert actual.visible_lines is not None
        assert actual.visible_lines >= 3
    if actual.unique:
        assert actual.case_sensitive  # keys like YouTube ids differ only by case


@pytest.mark.parametrize("name", sorted(STANDARD_VALUE_SETS))
def test_standard_value_sets_hold_only_our_values(package: MetadataPackage, name: str) -> None:
    value_set = package.value_set(name)
    assert value_set is not None

    assert [v.api_name for v in value_set.values] == list(STANDARD_VALUE_SETS[name])
    assert [v.label for v in value_set.values] == list(STANDARD_VALUE_SETS[name])
    assert value_set.source.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<!--')
    assert b"ONLY sf_social's values" in value_set.source


def test_exactly_these_standard_value_sets(package: MetadataPackage) -> None:
    assert sorted(s.name for s in package.value_sets) == sorted(STANDARD_VALUE_SETS)

"""What the mapping can write: the custom fields and picklist values ``metadata/`` must have.

``sf-social metadata validate`` checks these against the package, so a mapping change that
needs a new field or value cannot ship without its metadata.
"""

from __future__ import annotations

from sf_social.classification import (
    InfluenceTier,
    ListeningTopic,
    Priority,
    Segment,
    Sentiment,
    SourceTag,
    UserClass,
)
from sf_social.mapping import SOCIAL_MEDIA, TASK_TYPES, lead_source_for, origin_for
from sf_social.playbook import Playbook
from sf_social.posts import Network
from sf_social.records import CaseRecord, ContactRecord, LeadRecord, LinkedInActivity, TaskRecord

RECORDS = (LeadRecord, CaseRecord, TaskRecord, ContactRecord)


def writable_fields() -> dict[str, set[str]]:
    """sObject → the custom fields (API names) our records can write."""
    return {
        record.sobject: {
            info.alias
            for info in record.model_fields.values()
            if info.alias and info.alias.endswith("__c")
        }
        for record in RECORDS
    }


def writable_picklist_values(playbook: Playbook) -> dict[tuple[str, str], set[str]]:
    """(sObject, field) → every picklist value the mapping can write under ``playbook``.

    Task.Subject is a combobox: only its suggested values (Tweet, Tweeted) are listed.
    """
    networks = {n.label for n in Network}
    segments = {s.value for s in Segment}
    tiers = {t.value for t in InfluenceTier}
    tags = {t.value for t in SourceTag}
    return {
        ("Case", "Origin"): {origin_for(n) for n in Network} | {SOCIAL_MEDIA},
        ("Case", "Type"): set(playbook.case_types.values()),
        ("Case", "Priority"): {p.value for p in Priority},
        ("Lead", "LeadSource"): {lead_source_for(n) for n in Network} | {SOCIAL_MEDIA},
        ("Task", "Type"): set(TASK_TYPES.values()),
        ("Task", "Subject"): {"Tweet", "Tweeted"},
        ("Lead", "Social_Network__c"): networks,
        ("Case", "Social_Network__c"): networks,
        ("Task", "Social_Network__c"): networks,
        ("Lead", "Social_Segment__c"): segments,
        ("Case", "Social_Segment__c"): segments,
        ("Task", "Social_Segment__c"): segments,
        ("Lead", "Social_Influence_Tier__c"): tiers,
        ("Case", "Social_Influence_Tier__c"): tiers,
        ("Contact", "Social_Influence_Tier__c"): tiers,
        ("Lead", "Social_User_Classes__c"): {u.value for u in UserClass},
        ("Contact", "Social_User_Classes__c"): {u.value for u in UserClass},
        ("Lead", "Social_Source_Tags__c"): tags,
        ("Case", "Social_Source_Tags__c"): tags,
        ("Case", "Social_Sentiment__c"): {s.value for s in Sentiment},
        ("Case", "Social_Listening_Topic__c"): {t.value for t in ListeningTopic},
        ("Task", "Social_Direction__c"): {"Inbound", "Outbound"},
        ("Lead", "LinkedIn_Lead_Activity__c"): {a.value for a in LinkedInActivity},
    }

"""Typed Salesforce records: Pythonic attributes that serialize to API field names.

Each field is marked with who owns it after the record exists (design rule 7):

- ``INSERT_ONLY`` fields (owner, status, priority, subject, type, ...) are written when the
  record is created and never again: agents change them in Salesforce.
- ``SYNC_OWNED`` fields are social facts (followers, influence tier, last post URL) that
  every sync may refresh.

Beside the insert-only values agents correct, Cases and Tasks carry what the sync
*predicted* (``Social_Predicted_*__c``, the model and its confidence): written with them on
creation and never changed, so a difference between the two is an agent's correction
(``sf-social labels export``). A Case's severity fields are written on creation too, and
then only raised by the engine's explicit overrides (``sf_social.sync.severity``).

Text is truncated to the documented field limits with an ellipsis, never rejected.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from enum import StrEnum
from functools import cache
from types import MappingProxyType
from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    TypeAdapter,
    model_validator,
)

ELLIPSIS = "…"


class LinkedInActivity(StrEnum):
    """``LinkedIn_Lead_Activity__c`` values, in the order a relationship moves forward."""

    CONNECTION_REQUEST_SENT = "Connection Request Sent"
    CONNECTION_REQUEST_RECEIVED = "Connection Request Received"
    CONNECTION_REQUEST_CONFIRMED = "Connection Request Confirmed"
    MESSAGE_SENT = "Message Sent"
    MESSAGE_RECEIVED = "Message Received"
    INMAIL_SENT = "InMail Sent"
    POST_ENGAGEMENT = "Post Engagement"
    LEAD_FORM_SUBMITTED = "Lead Form Submitted"


class Ownership(StrEnum):
    """Who may change a field once the record exists."""

    INSERT_ONLY = "insert_only"
    SYNC_OWNED = "sync_owned"


INSERT = Ownership.INSERT_ONLY
SYNC = Ownership.SYNC_OWNED


def truncate(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, ending with an ellipsis when cut."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + ELLIPSIS


def _limit(limit: int) -> BeforeValidator:
    return BeforeValidator(lambda v: truncate(str(v), limit) if v is not None else None)


class _MultiSelect:
    """Marks a multi-select picklist: a list here, ``a;b`` in the API."""


MULTI_SELECT = _MultiSelect()


class _ByApiName:
    """Marks a dict of fields by API name, sent as they are (an admin's custom fields)."""


BY_API_NAME = _ByApiName()


# pydantic's own JSON form of dates and times ("...Z" for UTC), for api_fields' fast path.
_JSON_FORMS: dict[type, Any] = {
    datetime: TypeAdapter(datetime).serializer.to_python,
    date: TypeAdapter(date).serializer.to_python,
}

Text255 = Annotated[str | None, _limit(255)]
LongText = Annotated[str | None, _limit(32_000)]
MultiSelect = Annotated[list[str], MULTI_SELECT]


class Reference(BaseModel):
    """A lookup to another record: by Salesforce Id, or by its external-id key."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    sobject: Literal["Lead", "Case", "Contact"]
    id: str | None = None
    key_field: str | None = None
    key: str | None = None

    @model_validator(mode="after")
    def _one_way(self) -> Reference:
        by_key = self.key is not None or self.key_field is not None
        complete_key = self.key is not None and self.key_field is not None
        if (self.id is not None) == by_key or by_key != complete_key:
            raise ValueError("a Reference needs either an id, or a key_field and a key")
        return self

    def api_value(self, id_field: str, relationship: str) -> dict[str, Any]:
        """The fields that set this reference, e.g. ``{"WhoId": ...}`` or ``{"Who": {...}}``."""
        if self.id is not None:
            return {id_field: self.id}
        assert self.key_field is not None
        return {relationship: {"attributes": {"type": self.sobject}, self.key_field: self.key}}


class SObjectRecord(BaseModel):
    """Base of the records we write; ``key`` is the external id we upsert on."""

    model_config = ConfigDict(
        extra="forbid", populate_by_name=True, str_strip_whitespace=True, validate_assignment=True
    )

    sobject: ClassVar[str]
    key_field: ClassVar[str]
    links: ClassVar[tuple[str, ...]] = ()
    """Attributes holding references to other records (sent as ``WhoId``/``Who``...)."""

    @property
    def key(self) -> str:
        return str(getattr(self, self._attribute_of(self.key_field)))

    @classmethod
    @cache
    def _attribute_of(cls, api_name: str) -> str:
        return next(n for n, f in cls.model_fields.items() if f.alias == api_name)

    @classmethod
    def ownership(cls, attribute: str) -> Ownership:
        """Who owns ``attribute`` (the external-id key counts as sync-owned)."""
        owner = next(
            (m for m in cls.model_fields[attribute].metadata if isinstance(m, Ownership)), None
        )
        if owner is None:
            raise TypeError(f"{cls.__name__}.{attribute} declares no Ownership")
        return owner

    @classmethod
    @cache
    def api_names(cls, ownership: Ownership) -> frozenset[str]:
        """The API names of the fields with this ``ownership``."""
        return frozenset(
            info.alias or name
            for name, info in cls.model_fields.items()
            if cls.ownership(name) is ownership
        )

    def api_fields(self, only: Ownership | None = None) -> dict[str, Any]:
        """Non-empty fields by API name; ``only=SYNC`` gives what an update may send.

        Multi-select values are joined with ``;`` and references become ``WhoId``/``Who``
        (only here: ``model_dump`` stays lossless, so a plan round-trips through JSON).
        """
        data = self._api_values()
        if data is None:  # a value of another type than the mapper sets: pydantic's way
            data = self.model_dump(
                mode="json", by_alias=True, exclude_none=True, exclude=self._links()
            )
            for api_name in type(self)._by_api_name():
                data.update(data.pop(api_name, None) or {})
            for api_name in type(self)._multi_selects():
                values = data.get(api_name)
                if values == []:
                    del data[api_name]
                elif values is not None:
                    data[api_name] = ";".join(values)
        if only is not None:
            wanted = self.api_names(only)
            data = {name: value for name, value in data.items() if name in wanted}
        if only is not SYNC:
            data.update(self._references())
        return data

    def _api_values(self) -> dict[str, Any] | None:
        """``api_fields``' values without ``model_dump`` (~2 us less per record): what the
        dump gives for exact ``str``, ``int``, ``bool``, dates and times and lists of
        ``str``, in declaration order. None when a value is of any other type."""
        values = self.__dict__
        data: dict[str, Any] = {}
        for attribute, api_name, multi_select in type(self)._sent():
            value = values[attribute]
            kind = type(value)
            if value is None:
                continue
            if kind is str or kind is int or kind is bool or kind is float:
                data[api_name] = value
            elif multi_select and kind is list and all(type(v) is str for v in value):
                if value:
                    data[api_name] = ";".join(value)
            elif kind is dict and api_name in type(self)._by_api_name():
                data.update(value)
            elif kind in _JSON_FORMS:
                data[api_name] = _JSON_FORMS[kind](value, mode="json")
            else:
                return None
        return data

    @classmethod
    @cache
    def _sent(cls) -> tuple[tuple[str, str, bool], ...]:
        """(attribute, API name, multi-select) of each field but the links, in order."""
        links = cls._links()
        return tuple(
            (name, info.alias or name, MULTI_SELECT in info.metadata)
            for name, info in cls.model_fields.items()
            if name not in links
        )

    @classmethod
    @cache
    def _links(cls) -> set[str]:
        return set(cls.links)

    @classmethod
    @cache
    def _by_api_name(cls) -> frozenset[str]:
        """The names of the fields holding more fields by API name (``BY_API_NAME``)."""
        return frozenset(
            info.alias or name
            for name, info in cls.model_fields.items()
            if BY_API_NAME in info.metadata
        )

    @classmethod
    @cache
    def _multi_selects(cls) -> tuple[str, ...]:
        """The API names of the multi-select fields, once per class."""
        return tuple(
            info.alias or name
            for name, info in cls.model_fields.items()
            if MULTI_SELECT in info.metadata
        )

    def _references(self) -> dict[str, Any]:
        return {}

    def merge(self, newer: SObjectRecord, *, newer_creates: bool = False) -> SObjectRecord:
        """This record updated by a newer plan for the same key.

        Insert-only fields are those of the write that creates the record: this one's, as
        they are (an empty value stays empty, exactly as when the newer plan arrives in a
        later batch and may only refresh), or the newer one's when ``newer_creates`` (this
        one could only update). Sync-owned fields take the newer non-empty value.
        """
        if type(newer) is not type(self) or newer.key != self.key:
            raise ValueError(f"cannot merge {type(newer).__name__} {newer.key} into {self.key}")
        update: dict[str, Any] = {}
        for attribute in type(self).model_fields:
            theirs = getattr(newer, attribute)
            if self.ownership(attribute) is SYNC:
                if theirs not in (None, []):
                    update[attribute] = theirs
            elif newer_creates:
                update[attribute] = theirs
        return self.model_copy(update=update)


class LeadRecord(SObjectRecord):
    """A Lead: one per social profile (``Social_Profile_Key__c``)."""

    sobject: ClassVar[str] = "Lead"
    key_field: ClassVar[str] = "Social_Profile_Key__c"

    profile_key: Annotated[str, Field(alias="Social_Profile_Key__c", max_length=255), SYNC]
    last_name: Annotated[str, _limit(80), Field(alias="LastName", min_length=1), INSERT]
    first_name: Annotated[str | None, _limit(40), Field(alias="FirstName"), INSERT] = None
    company: Annotated[str, _limit(255), Field(alias="Company", min_length=1), INSERT] = (
        "[not provided]"
    )
    title: Annotated[Text255, Field(alias="Title"), INSERT] = None
    email: Annotated[str | None, Field(alias="Email"), INSERT] = None
    lead_source: Annotated[str | None, Field(alias="LeadSource"), INSERT] = None
    description: Annotated[LongText, Field(alias="Description"), INSERT] = None
    owner_id: Annotated[str | None, Field(alias="OwnerId"), INSERT] = None
    segment: Annotated[str | None, Field(alias="Social_Segment__c"), INSERT] = None
    network: Annotated[str | None, Field(alias="Social_Network__c"), SYNC] = None
    handle: Annotated[Text255, Field(alias="Social_Handle__c"), SYNC] = None
    profile_url: Annotated[str | None, Field(alias="Social_Profile_URL__c"), SYNC] = None
    followers: Annotated[int | None, Field(alias="Social_Followers__c"), SYNC] = None
    influence_tier: Annotated[str | None, Field(alias="Social_Influence_Tier__c"), SYNC] = None
    user_classes: Annotated[MultiSelect, Field(alias="Social_User_Classes__c"), SYNC] = Field(
        default_factory=list
    )
    source_tags: Annotated[MultiSelect, Field(alias="Social_Source_Tags__c"), SYNC] = Field(
        default_factory=list
    )
    linkedin_activity: Annotated[str | None, Field(alias="LinkedIn_Lead_Activity__c"), SYNC] = None
    phone: Annotated[str | None, _limit(40), Field(alias="Phone"), INSERT] = None
    country: Annotated[str | None, _limit(80), Field(alias="Country"), INSERT] = None
    opted_out_of_email: Annotated[bool | None, Field(alias="HasOptedOutOfEmail"), SYNC] = None
    """True when the person declined email (a lead form's consent); never sent as False: an
    opt-out is only ever added, whoever set it."""
    form_fields: Annotated[dict[str, str], BY_API_NAME, INSERT] = Field(default_factory=dict)
    """More fields by API name (the playbook maps lead form questions to them)."""


class PredictedRecord(SObjectRecord):
    """A record the sync classified: what it predicted, apart from the fields agents edit
    (written on creation only, so ``labels export`` finds exactly what agents changed)."""

    predicted_segment: Annotated[str | None, Field(alias="Social_Predicted_Segment__c"), INSERT] = (
        None
    )
    predicted_complaint: Annotated[
        bool | None, Field(alias="Social_Predicted_Complaint__c"), INSERT
    ] = None
    predicted_sentiment: Annotated[
        str | None, Field(alias="Social_Predicted_Sentiment__c"), INSERT
    ] = None
    predicted_by: Annotated[Text255, Field(alias="Social_Model__c"), INSERT] = None
    confidence: Annotated[float | None, Field(alias="Social_Confidence__c"), INSERT] = None


class CaseRecord(PredictedRecord):
    """A Case: one per conversation thread (``Social_Thread_Key__c``)."""

    sobject: ClassVar[str] = "Case"
    key_field: ClassVar[str] = "Social_Thread_Key__c"

    thread_key: Annotated[str, Field(alias="Social_Thread_Key__c", max_length=255), SYNC]
    subject: Annotated[Text255, Field(alias="Subject"), INSERT] = None
    description: Annotated[LongText, Field(alias="Description"), INSERT] = None
    origin: Annotated[str | None, Field(alias="Origin"), INSERT] = None
    type: Annotated[str | None, Field(alias="Type"), INSERT] = None
    priority: Annotated[str | None, Field(alias="Priority"), INSERT] = None
    status: Annotated[str | None, Field(alias="Status"), INSERT] = None
    owner_id: Annotated[str | None, Field(alias="OwnerId"), INSERT] = None
    contact_id: Annotated[str | None, Field(alias="ContactId"), INSERT] = None
    segment: Annotated[str | None, Field(alias="Social_Segment__c"), INSERT] = None
    complaint: Annotated[bool | None, Field(alias="Social_Complaint__c"), INSERT] = None
    sentiment: Annotated[str | None, Field(alias="Social_Sentiment__c"), INSERT] = None
    listening_topic: Annotated[str | None, Field(alias="Social_Listening_Topic__c"), INSERT] = None
    response_due: Annotated[datetime | None, Field(alias="Social_Response_Due__c"), INSERT] = None
    suggested_reply: Annotated[LongText, Field(alias="Social_Suggested_Reply__c"), INSERT] = None
    evidence: Annotated[LongText, Field(alias="Social_Evidence__c"), INSERT] = None
    severity: Annotated[str | None, Field(alias="Social_Severity__c"), INSERT] = None
    escalated: Annotated[bool | None, Field(alias="Social_Escalated__c"), INSERT] = None
    escalation_reason: Annotated[Text255, Field(alias="Social_Escalation_Reason__c"), INSERT] = None
    priority_written: Annotated[str | None, Field(alias="Social_Priority_Written__c"), INSERT] = (
        None
    )
    reply_approval_waived: Annotated[
        bool | None, Field(alias="Social_Reply_Approval_Waived__c"), INSERT
    ] = None
    network: Annotated[str | None, Field(alias="Social_Network__c"), SYNC] = None
    handle: Annotated[Text255, Field(alias="Social_Handle__c"), SYNC] = None
    post_url: Annotated[str | None, Field(alias="Social_Post_URL__c"), SYNC] = None
    influence_tier: Annotated[str | None, Field(alias="Social_Influence_Tier__c"), SYNC] = None
    source_tags: Annotated[MultiSelect, Field(alias="Social_Source_Tags__c"), SYNC] = Field(
        default_factory=list
    )
    first_response: Annotated[datetime | None, Field(alias="Social_First_Response__c"), SYNC] = None
    response_minutes: Annotated[int | None, Field(alias="Social_Response_Minutes__c"), SYNC] = None
    response_overdue: Annotated[bool | None, Field(alias="Social_Response_Overdue__c"), SYNC] = None


class TaskRecord(PredictedRecord):
    """A Task: one per post (``Social_Post_Key__c``), hung on its Case, Lead or Contact."""

    sobject: ClassVar[str] = "Task"
    key_field: ClassVar[str] = "Social_Post_Key__c"
    links: ClassVar[tuple[str, ...]] = ("who", "what")

    post_key: Annotated[str, Field(alias="Social_Post_Key__c", max_length=255), SYNC]
    subject: Annotated[Text255, Field(alias="Subject"), INSERT] = None
    description: Annotated[LongText, Field(alias="Description"), INSERT] = None
    type: Annotated[str | None, Field(alias="Type"), INSERT] = None
    status: Annotated[str | None, Field(alias="Status"), INSERT] = None
    priority: Annotated[str | None, Field(alias="Priority"), INSERT] = None
    activity_date: Annotated[date | None, Field(alias="ActivityDate"), INSERT] = None
    owner_id: Annotated[str | None, Field(alias="OwnerId"), INSERT] = None
    segment: Annotated[str | None, Field(alias="Social_Segment__c"), INSERT] = None
    direction: Annotated[str | None, Field(alias="Social_Direction__c"), INSERT] = None
    network: Annotated[str | None, Field(alias="Social_Network__c"), SYNC] = None
    post_url: Annotated[str | None, Field(alias="Social_Post_URL__c"), SYNC] = None
    who: Annotated[Reference | None, INSERT] = None
    what: Annotated[Reference | None, INSERT] = None

    @model_validator(mode="after")
    def _activity_on_lead_hangs_on_lead(self) -> TaskRecord:
        if self.who is not None and self.who.sobject == "Lead" and self.what is not None:
            raise ValueError("a Task whose WhoId is a Lead cannot have a WhatId")
        if self.who is not None and self.who.sobject == "Case":
            raise ValueError("WhoId must be a Lead or a Contact, not a Case")
        return self

    def _references(self) -> dict[str, Any]:
        fields: dict[str, Any] = {}
        if self.who is not None:
            fields.update(self.who.api_value("WhoId", "Who"))
        if self.what is not None:
            fields.update(self.what.api_value("WhatId", "What"))
        return fields


class ContactRecord(SObjectRecord):
    """Social facts refreshed on a known Contact, found by identity lookup (by Id)."""

    sobject: ClassVar[str] = "Contact"
    key_field: ClassVar[str] = "Id"

    id: Annotated[str, Field(alias="Id"), SYNC]
    handle: Annotated[Text255, Field(alias="Social_Handle__c"), SYNC] = None
    followers: Annotated[int | None, Field(alias="Social_Followers__c"), SYNC] = None
    influence_tier: Annotated[str | None, Field(alias="Social_Influence_Tier__c"), SYNC] = None
    user_classes: Annotated[MultiSelect, Field(alias="Social_User_Classes__c"), SYNC] = Field(
        default_factory=list
    )
    opted_out_of_email: Annotated[bool | None, Field(alias="HasOptedOutOfEmail"), SYNC] = None
    """True when the person declined email on a lead form; never sent as False."""


class KnownLeadRecord(SObjectRecord):
    """A Lead of the org we did not make, found by a lead form's email, updated by Id: its
    email opt-out here, the fields the form fills (empty ones only) as the write's overrides
    (:mod:`sf_social.salesforce.lead_match`)."""

    sobject: ClassVar[str] = "Lead"
    key_field: ClassVar[str] = "Id"

    id: Annotated[str, Field(alias="Id"), SYNC]
    opted_out_of_email: Annotated[bool | None, Field(alias="HasOptedOutOfEmail"), SYNC] = None
    """True when the person declined email on a lead form; never sent as False."""


class ConsentRecord(SObjectRecord):
    """A lead form's email consent as a ``ContactPointTypeConsent`` of the person's
    ``Individual`` (where the org has them): keyed by its ``Name``,
    ``<network>:lead:<response id>:<question>``, looked up before it is created, so a
    replay creates nothing twice. Its person is the one the plan's Task hangs on, and its
    ``PartyId`` their Individual (:mod:`sf_social.salesforce.consent`)."""

    sobject: ClassVar[str] = "ContactPointTypeConsent"
    key_field: ClassVar[str] = "Name"

    name: Annotated[str, Field(alias="Name", max_length=255), SYNC]
    status: Annotated[Literal["OptIn", "OptOut"], Field(alias="PrivacyConsentStatus"), INSERT]
    contact_point_type: Annotated[str, Field(alias="ContactPointType"), INSERT] = "Email"
    captured_by: Annotated[str, Field(alias="CaptureContactPointType"), INSERT] = "Web"
    captured_at: Annotated[datetime, Field(alias="CaptureDate"), INSERT]
    capture_source: Annotated[str, _limit(255), Field(alias="CaptureSource"), INSERT]
    effective_from: Annotated[datetime, Field(alias="EffectiveFrom"), INSERT]


AnyRecord = LeadRecord | CaseRecord | TaskRecord | ContactRecord | KnownLeadRecord | ConsentRecord

KEY_FIELDS: Mapping[str, str] = MappingProxyType(
    {record.sobject: record.key_field for record in (LeadRecord, CaseRecord, TaskRecord)}
)
"""sObject → the external-id field its records are upserted by (Contacts are updated by Id)."""

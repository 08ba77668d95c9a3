"""Lead form responses: what a person submitted on a LinkedIn Lead Gen Form or a Meta Lead Ad.

:class:`LeadFormResponse` is the typed response every lead source produces (answers by
question, consents, whether the network flags it a test); :class:`LeadFormRules` is the
playbook's ``lead_forms`` section (which question fills which Lead field, which consent
means an email opt-out, which forms and emails are tests).

A response travels through the sync engine as a :class:`~sf_social.posts.SocialPost` of
kind ``lead_form`` (:func:`to_post`, :func:`from_post`): the engine's one road (intake,
ledger, outbox, push) then serves it like any post, with its key ``<network>:lead:<id>``
(the key of the response's Task), so a repeated or replayed response changes nothing; its
author is the email, so a person erased by email (``sf-social erase --email``) is never
written again.
:mod:`sf_social.lead_form_plan` plans its writes.
"""

from __future__ import annotations

import fnmatch
import re
from datetime import datetime
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from sf_social.posts import Author, Id, Network, PostKind, SocialPost, clean_text
from sf_social.privacy import email_digest

MAX_ANSWERS = 200
"""Most answers accepted in one response (LinkedIn allows 12 custom questions and Meta 15,
beside the predefined ones)."""
MAX_ANSWER_CHARS = 4_000
"""Longest answer accepted (both networks cap a free-text answer far below)."""
LEAD_PREFIX = "lead:"
"""A response's post id is ``lead:<response id>``: its key is ``<network>:lead:<id>``."""
FORM_LEAD_PREFIX = "leadform:"
"""Leads made from lead forms are keyed ``leadform:email:<digest>`` (one per person across
forms and networks), or ``leadform:<network>:<response id>`` when the form asked no email."""
RAW_KEY = "lead_form"
"""Key of the response in ``SocialPost.raw``."""

_QUESTION_JUNK = re.compile(r"[^a-z0-9]+")


def question_key(name: str) -> str:
    """A question's name as the playbook spells it: ``FIRST_NAME``, ``First name`` and
    ``first-name`` are all ``first_name``."""
    return _QUESTION_JUNK.sub("_", name.casefold()).strip("_")


class LeadAnswer(BaseModel):
    """One answered question: its key (``question_key``), its label, the answer."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    question: str = Field(min_length=1, max_length=200)
    label: str | None = Field(default=None, max_length=1_000)
    value: str = Field(max_length=MAX_ANSWER_CHARS)

    @field_validator("question")
    @classmethod
    def _key(cls, value: str) -> str:
        key = question_key(value)
        if not key:
            raise ValueError(f"question {value!r} has no letter or digit")
        return key

    @field_validator("value", "label")
    @classmethod
    def _clean(cls, value: str | None) -> str | None:
        return clean_text(value).strip() if value is not None else None


class ConsentAnswer(BaseModel):
    """A consent checkbox: its key, label and whether the person ticked it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    consent: str = Field(min_length=1, max_length=200)
    label: str | None = Field(default=None, max_length=2_000)
    accepted: bool

    @field_validator("consent")
    @classmethod
    def _key(cls, value: str) -> str:
        return question_key(value) or value


class LeadFormResponse(BaseModel):
    """One submitted lead form, as the network answered it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    network: Network
    id: Id
    form_id: Id
    form_name: str | None = Field(default=None, max_length=500)
    submitted_at: datetime | None = None
    answers: list[LeadAnswer] = Field(default_factory=list, max_length=MAX_ANSWERS)
    consents: list[ConsentAnswer] = Field(default_factory=list, max_length=MAX_ANSWERS)
    test: bool = Field(default=False, description="the network flags it a test (LinkedIn)")
    owner: str | None = Field(default=None, max_length=500, description="page, org or account")
    campaign: str | None = Field(default=None, max_length=500)
    shown_on: Network | None = Field(
        default=None,
        description="where the form was shown when not on ``network`` itself (a Meta lead ad"
        " on Instagram): its LeadSource; the keys keep ``network``",
    )

    def answer(self, question: str) -> str | None:
        """The non-empty answer to ``question`` (any spelling), if any."""
        key = question_key(question)
        return next((a.value for a in self.answers if a.question == key and a.value), None)

    @property
    def email(self) -> str | None:
        """The address the person gave (``email``, else ``work_email``)."""
        return self.answer("email") or self.answer("work_email")


def form_lead_key(response: LeadFormResponse) -> str:
    """The Lead key of the person: by email digest, else by the response (no email)."""
    email = response.email
    if email:
        return f"{FORM_LEAD_PREFIX}email:{email_digest(email)}"
    return f"{FORM_LEAD_PREFIX}{response.network.value}:{response.id}"


def is_form_lead_key(key: str | None) -> bool:
    """Whether ``key`` is the key of a Lead made from a lead form."""
    return key is not None and key.startswith(FORM_LEAD_PREFIX)


def to_post(response: LeadFormResponse) -> SocialPost:
    """``response`` as the engine carries it: a ``lead_form`` post keyed ``lead:<id>``."""
    lines = [f"{a.label or a.question}: {a.value}" for a in response.answers if a.value]
    form = response.form_name or response.form_id
    return SocialPost(
        network=response.network,
        id=f"{LEAD_PREFIX}{response.id}",
        text="\n".join([f"Lead form {form}", *lines]),
        created_at=response.submitted_at,
        author=Author(email=response.email) if response.email else None,
        kind=PostKind.LEAD_FORM,
        raw={RAW_KEY: response.model_dump(mode="json")},
    )


def from_post(post: SocialPost) -> LeadFormResponse:
    """The response a ``lead_form`` post carries (``ValueError`` for any other post)."""
    data = (post.raw or {}).get(RAW_KEY)
    if post.kind is not PostKind.LEAD_FORM or not isinstance(data, dict):
        raise ValueError(f"post {post.network.value}:{post.id} carries no lead form response")
    response = LeadFormResponse.model_validate(data)
    if (response.network, f"{LEAD_PREFIX}{response.id}") != (post.network, post.id):
        raise ValueError(
            f"post {post.network.value}:{post.id} carries the response of another post"
            f" ({response.network.value}:{LEAD_PREFIX}{response.id})"
        )
    return response


class LeadTarget(StrEnum):
    """The standard Lead fields a question can fill (besides custom ``__c`` fields)."""

    NAME = "Name"
    FIRST_NAME = "FirstName"
    LAST_NAME = "LastName"
    EMAIL = "Email"
    PHONE = "Phone"
    COMPANY = "Company"
    TITLE = "Title"
    COUNTRY = "Country"
    TASK = "Task"
    """Only on the response's Task (every answer is listed there anyway)."""


DEFAULT_FIELDS: dict[str, str] = {
    "full_name": LeadTarget.NAME,
    "first_name": LeadTarget.FIRST_NAME,
    "last_name": LeadTarget.LAST_NAME,
    "email": LeadTarget.EMAIL,
    "work_email": LeadTarget.EMAIL,
    "phone_number": LeadTarget.PHONE,
    "work_phone_number": LeadTarget.PHONE,
    "company_name": LeadTarget.COMPANY,
    "job_title": LeadTarget.TITLE,
    "country": LeadTarget.COUNTRY,
}
"""Meta's standard question names; LinkedIn's predefined fields read the same
(``FIRST_NAME`` → ``first_name``, ``PHONE_NUMBER`` → ``phone_number``...)."""

DEFAULT_LEAD_SOURCES: dict[Network, str] = {
    Network.LINKEDIN: "LinkedIn Lead Gen Form",
    Network.FACEBOOK: "Facebook Lead Ad",
    Network.INSTAGRAM: "Instagram Lead Ad",
}

_CUSTOM_FIELD = re.compile(r"[A-Za-z][A-Za-z0-9_]*__c")
_OURS = re.compile(r"(Social_|LinkedIn_Lead_Activity__c)")


class LeadFormRules(BaseModel):
    """The playbook's ``lead_forms`` section."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    fields: dict[str, str] = Field(
        default_factory=lambda: dict(DEFAULT_FIELDS),
        description="question → Lead field: Name, FirstName, LastName, Email, Phone, Company,"
        " Title, Country, a custom field (X__c) or Task; unlisted questions go to the Task",
    )
    email_consents: list[str] = Field(
        default=[],
        description="consent questions about email: a box left unticked sets"
        " HasOptedOutOfEmail; each answer is also a ContactPointTypeConsent (OptIn/OptOut)"
        " where the org has Individual and ContactPointTypeConsent",
    )
    test_forms: list[str] = Field(default=[], description="form ids whose responses are tests")
    test_emails: list[str] = Field(
        default=[], description="addresses (or patterns: *@example.com) of test submissions"
    )
    lead_sources: dict[Network, str] = Field(default_factory=lambda: dict(DEFAULT_LEAD_SOURCES))
    deleted_responses: Literal["blank", "delete"] = Field(
        default="blank",
        description="when the person deletes a response (LinkedIn DELETED): blank the personal"
        " fields of the Lead we made of their forms, or delete it (blanked instead while"
        " activity we did not write hangs on it); a Contact or a Lead of the org is never"
        " deleted, its Task is always blanked",
    )

    @field_validator("fields")
    @classmethod
    def _targets(cls, value: dict[str, str]) -> dict[str, str]:
        checked: dict[str, str] = {}
        for question, target in value.items():
            known = target in LeadTarget.__members__.values()
            if not known and not _CUSTOM_FIELD.fullmatch(target):
                raise ValueError(
                    f"lead_forms.fields.{question}: {target!r} is no Lead field a form can fill:"
                    f" use one of {', '.join(LeadTarget)} or a custom field (Name__c)"
                )
            if _OURS.match(target):
                raise ValueError(
                    f"lead_forms.fields.{question}: {target} is written by the sync itself"
                )
            checked[question_key(question)] = target
        return checked

    @field_validator("email_consents", "test_forms")
    @classmethod
    def _keys(cls, value: list[str]) -> list[str]:
        return [question_key(v) or v for v in value]

    def test_reason(self, response: LeadFormResponse) -> str | None:
        """Why ``response`` is a test submission, or None when it is real."""
        if response.test:
            return f"{response.network.label} flags it a test lead"
        if (question_key(response.form_id) or response.form_id) in self.test_forms:
            return f"form {response.form_id} is a test form (lead_forms.test_forms)"
        email = (response.email or "").casefold()
        for pattern in self.test_emails:
            if email and fnmatch.fnmatchcase(email, pattern.casefold()):
                return f"{pattern!r} is a test address (lead_forms.test_emails)"
        return None

    def target(self, question: str) -> str:
        """The Lead field ``question`` fills (``Task``: none)."""
        return self.fields.get(question_key(question), LeadTarget.TASK)

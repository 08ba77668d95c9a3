"""Plan a lead form response: one Lead per person, one Task per response (design rule 1).

- The **Lead** is keyed by the person (:func:`~sf_social.lead_forms.form_lead_key`: the
  digest of their email, so the same person's forms on LinkedIn and Facebook make one
  Lead), filled as the playbook's ``lead_forms.fields`` says; identity lookup later turns
  it into a link when the email belongs to a Contact or to a Lead the org already has.
- The **Task** ``<network>:lead:<response id>`` holds every answer and consent and hangs on
  that Lead (or Contact): a repeated notification, a replay or the reconciliation's pull of
  the same response writes nothing new.
- A consent the playbook lists in ``email_consents`` left unticked sets
  ``HasOptedOutOfEmail``; a ticked one never clears it. Each such answer is also a
  ``ContactPointTypeConsent`` (Email, OptIn or OptOut, captured by the form) of the person's
  ``Individual``, where the org has those objects (:mod:`sf_social.salesforce.consent`).
- A test submission (the network's flag, ``test_forms``, ``test_emails``) is planned with
  no writes and a note saying why: the engine marks it seen and counts it.
- A response the person deleted (LinkedIn's ``DELETED``) blanks the personal fields of
  their Lead, or deletes it, as ``lead_forms.deleted_responses`` says
  (:func:`blank_form_leads`), beside its Task's answers (``sf_social.deletions``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sf_social.classification import Classification, Evidence, Priority, Segment, Sentiment
from sf_social.keys import post_key
from sf_social.lead_forms import (
    LEAD_PREFIX,
    LeadFormResponse,
    LeadTarget,
    form_lead_key,
    from_post,
    is_form_lead_key,
)
from sf_social.mapping import split_name
from sf_social.plan import AuthorIdentity, PlannedWrite, RecordPlan, WriteMode
from sf_social.playbook import Playbook
from sf_social.posts import Network, SocialPost
from sf_social.records import ConsentRecord, LeadRecord, LinkedInActivity, Reference, TaskRecord
from sf_social.routing import queue_for

NOT_PROVIDED = "[not provided]"
TEST_NOTE = "test lead skipped"
"""How a test submission's plan note starts (counted by the lead sources' reports)."""

_ATTRIBUTES = {
    LeadTarget.FIRST_NAME: "first_name",
    LeadTarget.LAST_NAME: "last_name",
    LeadTarget.EMAIL: "email",
    LeadTarget.PHONE: "phone",
    LeadTarget.COMPANY: "company",
    LeadTarget.TITLE: "title",
    LeadTarget.COUNTRY: "country",
}


def classification_of(playbook: Playbook) -> Classification:
    """A lead form's classification: the Lead segment, routed as the playbook routes Leads."""
    team = playbook.routing.segments[Segment.LEAD]
    return Classification(
        segment=Segment.LEAD,
        complaint=False,
        sentiment=Sentiment.NEUTRAL,
        sentiment_score=0.0,
        influence_tier=None,
        priority=Priority.MEDIUM,
        team=team,
        evidence=[
            Evidence("segment", Segment.LEAD.value, "lead_forms", "the person submitted a form"),
            Evidence("team", team, f"routing.segments.{Segment.LEAD.value}"),
        ],
    )


def response_key(response: LeadFormResponse) -> str:
    """The key of a response's Task: ``linkedin:lead:<id>``."""
    return post_key(response.network, f"{LEAD_PREFIX}{response.id}")


def plan_post(post: SocialPost, playbook: Playbook) -> RecordPlan:
    """The plan of a ``lead_form`` post; no writes, and why, when the post carries no valid
    response (a hand-made feed line): it is marked seen, never stops its source."""
    try:
        response = from_post(post)
    except ValueError as exc:  # pydantic's ValidationError too
        reason = str(exc).splitlines()[0]
        return RecordPlan(
            post_key=post_key(post.network, post.id),
            network=post.network,
            post_id=post.id,
            posted_at=post.created_at,
            classification=classification_of(playbook),
            notes=[f"not planned: {reason}"],
        )
    return plan_response(response, playbook)


def plan_response(response: LeadFormResponse, playbook: Playbook) -> RecordPlan:
    """The record plan of one lead form response under ``playbook``."""
    rules = playbook.lead_forms
    c = classification_of(playbook)
    key = response_key(response)
    base: dict[str, Any] = {
        "post_key": key,
        "network": response.network,
        "post_id": f"{LEAD_PREFIX}{response.id}",
        "posted_at": response.submitted_at,
        "classification": c,
    }
    test = rules.test_reason(response)
    if test is not None:
        return RecordPlan(**base, notes=[f"{TEST_NOTE}: {test}"])
    lead_key = form_lead_key(response)
    lead = _lead(response, playbook, lead_key)
    task = TaskRecord(
        post_key=key,
        subject=f"Lead form submitted: {response.form_name or response.form_id}",
        description=describe(response),
        status="Completed",
        activity_date=response.submitted_at.date() if response.submitted_at else None,
        segment=Segment.LEAD.value,
        direction="Inbound",
        network=response.network.label,
        who=Reference(sobject="Lead", key_field=LeadRecord.key_field, key=lead_key),
    )
    identity = AuthorIdentity(network=response.network, email=lead.email, lead_key=lead_key)
    writes = [
        PlannedWrite(record=lead, owner_queue=queue_for(playbook, c.team)),
        PlannedWrite(record=task),
        *(PlannedWrite(record=consent) for consent in consents(response, playbook)),
    ]
    notes = ["declined email: HasOptedOutOfEmail"] if lead.opted_out_of_email else []
    return RecordPlan(**base, identity=identity, writes=writes, notes=notes)


def _lead(response: LeadFormResponse, playbook: Playbook, key: str) -> LeadRecord:
    rules = playbook.lead_forms
    values: dict[str, Any] = {}
    custom: dict[str, str] = {}
    full_name = None
    for answer in response.answers:
        target = rules.target(answer.question)
        if not answer.value or target == LeadTarget.TASK:
            continue
        if target == LeadTarget.NAME:
            full_name = full_name or answer.value
        elif target in _ATTRIBUTES:
            values.setdefault(_ATTRIBUTES[LeadTarget(target)], answer.value)
        else:
            custom.setdefault(target, answer.value)
    if "last_name" not in values:
        first, last = split_name(full_name, None)
        values["last_name"] = last
        if first and "first_name" not in values:
            values["first_name"] = first
    declined = any(
        consent.consent in rules.email_consents and not consent.accepted
        for consent in response.consents
    )
    linkedin = response.network is Network.LINKEDIN
    shown_on = response.shown_on or response.network
    return LeadRecord(
        profile_key=key,
        company=values.pop("company", NOT_PROVIDED),
        **values,
        lead_source=rules.lead_sources.get(shown_on, shown_on.label),
        segment=Segment.LEAD.value,
        network=response.network.label,
        linkedin_activity=LinkedInActivity.LEAD_FORM_SUBMITTED.value if linkedin else None,
        opted_out_of_email=True if declined else None,
        form_fields=custom,
    )


def consents(response: LeadFormResponse, playbook: Playbook) -> list[ConsentRecord]:
    """The response's email consents (``lead_forms.email_consents``) as consent records;
    none without a submission time (the capture date is required)."""
    rules = playbook.lead_forms
    at = response.submitted_at
    if at is None:
        return []
    form = response.form_name or response.form_id
    source = f"{response.network.label} lead form {form} ({response.form_id})"
    return [
        ConsentRecord(
            name=f"{response_key(response)}:{consent.consent}",
            status="OptIn" if consent.accepted else "OptOut",
            captured_at=at,
            capture_source=source,
            effective_from=at,
        )
        for consent in response.consents
        if consent.consent in rules.email_consents
    ]


BLANKED = "[deleted]"


def blank_form_leads(plan: RecordPlan, keys: Iterable[str], *, delete: bool = False) -> RecordPlan:
    """``plan`` (a deleted response's update-only writes) with the person's form Leads among
    ``keys`` blanked too: name, email, phone, title, country and company removed, a note in
    the Description; with ``delete``, deleted instead unless activity we did not plan hangs
    on them (``WriteMode.DELETE``, :mod:`sf_social.salesforce.removal`). A Lead that does
    not exist (the person was a Contact) is skipped."""
    leads = sorted(k for k in keys if is_form_lead_key(k))
    if not leads:
        return plan
    blank: dict[str, Any] = {
        "FirstName": None,
        "LastName": BLANKED,
        "Email": None,
        "Phone": None,
        "Title": None,
        "Country": None,
        "Company": BLANKED,
        "Description": f"A lead form response was deleted by the person on"
        f" {plan.network.label}: their personal fields were blanked here.",
    }
    writes = [
        PlannedWrite(
            record=LeadRecord(profile_key=key, last_name=BLANKED),
            mode=WriteMode.DELETE if delete else WriteMode.UPDATE_ONLY,
            overrides=blank,
        )
        for key in leads
    ]
    done = "deleted (blanked if other activity hangs on it)" if delete else "blanked"
    notes = [*plan.notes, f"{len(leads)} lead form Lead(s) {done}"]
    return plan.model_copy(update={"writes": [*plan.writes, *writes], "notes": notes})


def describe(response: LeadFormResponse) -> str:
    """The Task's description: the form, then every answer and consent, one a line."""
    lines = [f"Form: {response.form_name or response.form_id} ({response.form_id})"]
    if response.campaign:
        lines.append(f"Campaign: {response.campaign}")
    if response.submitted_at:
        lines.append(f"Submitted: {response.submitted_at.isoformat()}")
    lines.append("")
    lines += [f"{a.label or a.question}: {a.value}" for a in response.answers]
    lines += [
        f"{c.label or c.consent}: {'accepted' if c.accepted else 'declined'}"
        for c in response.consents
    ]
    return "\n".join(lines)

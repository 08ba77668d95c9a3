"""Who wrote the post, as the org knows them: an existing Contact, an existing Lead, or nobody.

Design rule 4. Contacts are looked up in one query per batch (not per post) over the
fields admins fill for known customers, best evidence first:

1. the network's own key: ``Twitter_Handle__c`` (X handles), ``LinkedIn_Profile_Key__c``
   (``linkedin:profile:<slug>``);
2. ``Email``, across networks.

A handle is unique only on its own network, so it is only ever compared with the field of
its network: ``Social_Handle__c`` (the last handle we saw, of any network, with no network
beside it on a Contact) is never evidence, and an author of a network without a key field
(Instagram, Facebook...) is matched by email only. Our key (``LinkedIn_Profile_Key__c``)
is compared case-sensitively, as our external ids are; handles and emails are not.

When several Contacts match at the best level, the lowest Id wins and a note says so (a
known customer gets no Lead either way). The author's Lead is the one an earlier post
made: known to the ledger (the writer's ``known_ids``) or created by an earlier plan of the
same batch. Answers, including "nobody", are cached for the pass
(:meth:`IdentityCache.clear` starts a new one).

:func:`apply_identity` then rewrites a plan's writes: a known Contact means no Lead, the
Case linked to the Contact (``ContactId``), the Tasks hung on the Contact (``WhoId``) and the
Contact's social facts refreshed (rule 8), with a lead form's email opt-out; a known Lead
gets the Task (praise), not a twin.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from sf_social.lead_forms import is_form_lead_key
from sf_social.plan import AuthorIdentity, PlannedWrite, RecordPlan, WriteMode
from sf_social.posts import Network
from sf_social.records import CaseRecord, ContactRecord, LeadRecord, Reference, TaskRecord
from sf_social.salesforce.api import Lookup

CONTACT: Literal["Contact"] = "Contact"
TWITTER_HANDLE = "Twitter_Handle__c"
LINKEDIN_KEY = "LinkedIn_Profile_Key__c"
SOCIAL_HANDLE = "Social_Handle__c"
EMAIL = "Email"
CONTACT_FIELDS = ("Id", EMAIL, TWITTER_HANDLE, LINKEDIN_KEY)
OPTED_OUT = "HasOptedOutOfEmail"
CONTACT_FILLABLE = ("FirstName", "Title", "Phone")
"""Contact fields a lead form fills when they are empty (read only for lead form batches)."""
EXACT_FIELDS = frozenset({LINKEDIN_KEY})
"""Compared case-sensitively: our keys. Handles and emails are compared without case."""


def fold(field: str, value: str) -> str:
    """``value`` as ``field`` compares it."""
    return value if field in EXACT_FIELDS else value.casefold()


@dataclass(frozen=True)
class KnownPerson:
    """An existing Contact or Lead the author is."""

    sobject: Literal["Contact", "Lead"]
    id: str
    matched_on: str
    candidates: int = 1
    values: dict[str, Any] = dataclasses.field(default_factory=dict, compare=False)
    """The record's fields as the lookup read them, updated as this pass fills them
    (:func:`fill_empty`): a field absent here is unknown, never filled."""


def fill_empty(current: dict[str, Any], wanted: Mapping[str, Any]) -> dict[str, Any]:
    """The values of ``wanted`` whose field ``current`` read empty: never one an agent (or
    an earlier response of the pass) filled. They are remembered in ``current`` as filled,
    so a second response of the same pass does not overwrite the first."""
    fill = {
        name: value
        for name, value in wanted.items()
        if value not in (None, "") and name in current and current[name] in (None, "")
    }
    current.update(fill)
    return fill


def probes(identity: AuthorIdentity) -> list[tuple[int, str, str]]:
    """(rank, field, value) to look the author up by; lower rank is better evidence."""
    found: list[tuple[int, str, str]] = []
    handle = identity.handle.lstrip("@") if identity.handle else None
    if identity.network is Network.TWITTER and handle:
        found.append((0, TWITTER_HANDLE, handle))
    if (
        identity.network is Network.LINKEDIN
        and identity.lead_key
        and not is_form_lead_key(identity.lead_key)  # a person's email digest, no profile
    ):
        found.append((0, LINKEDIN_KEY, identity.lead_key))
    if identity.email:
        found.append((1, EMAIL, identity.email))
    return found


def needs_identity(plan: RecordPlan) -> bool:
    """True when who the author is changes the plan: a Lead, a new Case, an unlinked Task."""
    if plan.identity is None:
        return False
    for write in plan.writes:
        record = write.record
        if isinstance(record, LeadRecord):
            return True
        if isinstance(record, CaseRecord) and write.mode is WriteMode.UPSERT:
            return True
        if isinstance(record, TaskRecord) and record.who is None and record.what is None:
            return True
    return False


class IdentityCache:
    """Contacts found by (field, value), for one pass; an empty list means "nobody"."""

    def __init__(self) -> None:
        self._found: dict[tuple[str, str], list[str]] = {}
        self._rows: dict[str, dict[str, Any]] = {}

    def clear(self) -> None:
        self._found.clear()
        self._rows.clear()

    def missing(self, identities: Iterable[AuthorIdentity]) -> dict[str, list[str]]:
        """Values not looked up yet, by field."""
        wanted: dict[str, dict[str, str]] = {}
        for identity in identities:
            for _, field, value in probes(identity):
                if (field, fold(field, value)) not in self._found:
                    wanted.setdefault(field, {}).setdefault(fold(field, value), value)
        return {field: list(values.values()) for field, values in wanted.items()}

    @staticmethod
    def lookup(missing: Mapping[str, Sequence[str]], *, lead_forms: bool = False) -> Lookup:
        """The one Contact query for the missing values; with the fields a lead form may
        fill or opt out when ``lead_forms`` (a batch with lead form responses)."""
        fields = (*CONTACT_FIELDS, *CONTACT_FILLABLE, OPTED_OUT) if lead_forms else CONTACT_FIELDS
        return Lookup(
            sobject=CONTACT,
            fields=fields,
            any_in={field: tuple(values) for field, values in missing.items()},
            exact=EXACT_FIELDS,
        )

    def absorb(
        self, missing: Mapping[str, Sequence[str]], rows: Iterable[Mapping[str, Any]]
    ) -> None:
        """Remember what the query answered for each missing value (nothing → nobody)."""
        index: dict[tuple[str, str], list[str]] = {}
        for row in rows:
            if isinstance(row.get("Id"), str):
                self._rows.setdefault(str(row["Id"]), {}).update(row)
            for name in missing:
                value = row.get(name)
                if isinstance(value, str) and isinstance(row.get("Id"), str):
                    index.setdefault((name, fold(name, value)), []).append(str(row["Id"]))
        for name, values in missing.items():
            for value in values:
                key = (name, fold(name, value))
                self._found[key] = sorted(set(index.get(key, [])))

    def contact_for(self, identity: AuthorIdentity) -> KnownPerson | None:
        """The best Contact match of ``identity`` (lowest Id at the best rank)."""
        best: tuple[int, str, str, list[str]] | None = None
        for rank, name, value in probes(identity):
            ids = self._found.get((name, fold(name, value)), [])
            if ids and (best is None or rank < best[0]):
                best = (rank, name, value, ids)
        if best is None:
            return None
        _, name, value, ids = best
        values = self._rows.setdefault(ids[0], {})
        return KnownPerson(CONTACT, ids[0], f"{name} = {value!r}", len(ids), values)


@dataclass(frozen=True)
class Applied:
    """A plan's writes after identity: each with a skip note (or None), plus notes."""

    writes: tuple[tuple[PlannedWrite, str | None], ...]
    notes: tuple[str, ...] = ()


def lead_reference(
    key: str | None, written_before: Mapping[str, str], planned: set[str]
) -> Reference | None:
    """The author's Lead, if an earlier post made it: by Id when it was written before this
    batch (the ledger's ``known_ids``), by key when an earlier plan of the batch creates it.

    A Lead that is in the org but unknown to the ledger is not used: it may come from a
    *later* post whose write was sent but never settled (a crash), and linking to it would
    make the org depend on where the crash fell. Our Leads carry our key, so outside that
    case the ledger knows them.
    """
    if key is None:
        return None
    if key in written_before:
        return Reference(sobject="Lead", id=written_before[key])
    if key in planned:
        return Reference(sobject="Lead", key_field=LeadRecord.key_field, key=key)
    return None


def apply_identity(
    plan: RecordPlan, contact: KnownPerson | None, lead: Reference | None
) -> Applied:
    """``plan``'s writes rewritten for who the author is (see the module docstring).

    ``lead`` is the author's Lead: by Id when it exists, by key when an earlier plan of the
    same batch creates it (the Task then hangs on it, as it would a batch later).
    """
    if contact is not None:
        return _for_contact(plan, contact)
    if lead is not None:
        return _for_lead(plan, lead)
    return Applied(tuple((w, None) for w in plan.writes))


def _for_contact(plan: RecordPlan, contact: KnownPerson) -> Applied:
    who = Reference(sobject="Contact", id=contact.id)
    notes = [f"known Contact {contact.id} ({contact.matched_on})"]
    if contact.candidates > 1:
        notes.append(f"{contact.candidates} Contacts match {contact.matched_on}: linked the first")
    writes: list[tuple[PlannedWrite, str | None]] = []
    lead: LeadRecord | None = None
    for write in plan.writes:
        record = write.record
        if isinstance(record, LeadRecord):
            lead = record
            writes.append((write, f"known Contact {contact.id}: no Lead"))
            continue
        if isinstance(record, CaseRecord) and record.contact_id is None:
            record = record.model_copy(update={"contact_id": contact.id})
        elif isinstance(record, TaskRecord) and (
            record.who is None or record.who.sobject == "Lead"
        ):
            record = record.model_copy(update={"who": who})
        writes.append((write.model_copy(update={"record": record}), None))
    refresh = _contact_refresh(plan, contact, lead)
    if refresh is not None:
        record, fill = refresh
        if fill:
            notes.append(f"filled the Contact's empty {', '.join(sorted(fill))} from the form")
        writes.append(
            (PlannedWrite(record=record, mode=WriteMode.UPDATE_ONLY, overrides=fill), None)
        )
    return Applied(tuple(writes), tuple(notes))


def _for_lead(plan: RecordPlan, lead: Reference) -> Applied:
    writes: list[tuple[PlannedWrite, str | None]] = []
    linked = False
    for write in plan.writes:
        record = write.record
        if isinstance(record, TaskRecord) and record.who is None and record.what is None:
            record = record.model_copy(update={"who": lead})
            write = write.model_copy(update={"record": record})
            linked = True
        writes.append((write, None))
    notes = (f"known Lead {lead.id or lead.key}: the Task hangs on it",) if linked else ()
    return Applied(tuple(writes), notes)


def _contact_refresh(
    plan: RecordPlan, contact: KnownPerson, lead: LeadRecord | None
) -> tuple[ContactRecord, dict[str, Any]] | None:
    """The Contact's refreshed social facts and, for a lead form, the empty fields it fills
    (``Contact.Email`` matched already; ``Company`` and ``Country`` have no Contact twin)."""
    c = plan.classification
    fill: dict[str, Any] = {}
    opted_out = lead.opted_out_of_email if lead else None
    if lead is not None and is_form_lead_key(lead.profile_key):
        form = {"FirstName": lead.first_name, "Title": lead.title, "Phone": lead.phone}
        fill = fill_empty(contact.values, form)
        if contact.values.get(OPTED_OUT) is True:
            opted_out = None  # already out: nothing to send
    handle = plan.identity.handle if plan.identity else None
    values: dict[str, Any] = {
        "handle": (lead.handle if lead else None) or handle,
        "followers": lead.followers if lead else None,
        "influence_tier": (lead.influence_tier if lead else None)
        or (c.influence_tier.value if c.influence_tier else None),
        "user_classes": (lead.user_classes if lead else None) or [u.value for u in c.user_classes],
        "opted_out_of_email": opted_out,
    }
    if not fill and not any(v not in (None, []) for v in values.values()):
        return None
    return ContactRecord(id=contact.id, **values), fill

"""Existing Leads by email, for the people of lead forms (design rule 4).

A lead form's Lead is keyed by the person's email digest (``leadform:email:<digest>``), so
the same person's forms make one Lead. The org may already hold a Lead with that email that
we did not make (a rep typed it in, another integration or a web form made it): the person
then gets the response's Task on *that* Lead, and no twin. The Leads are looked up by
email in the same Composite call as the Contacts (one query per batch, cached for the
pass); a converted Lead is no match (its person is a Contact now, found by email there).
A Lead carrying our own key is ours: the upsert updates it.

The response then *updates* that Lead, by Id (:class:`~sf_social.records.KnownLeadRecord`):
the fields the form answers (FirstName, Title, Phone, Country and the playbook's custom
fields) are written only where the org's Lead has them empty — a value an agent typed is
never overwritten — and a declined email consent sets ``HasOptedOutOfEmail`` (never back to
false). The query reads those fields with the email, so this costs no call; a second
response of the pass sees what the first filled. Nothing to fill: no update is sent.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sf_social.lead_forms import is_form_lead_key
from sf_social.plan import AuthorIdentity, PlannedWrite, RecordPlan, WriteMode
from sf_social.records import KnownLeadRecord, LeadRecord, Reference, TaskRecord
from sf_social.salesforce.api import Lookup
from sf_social.salesforce.identity import OPTED_OUT, Applied, KnownPerson, fill_empty

EMAIL = "Email"
KEY = LeadRecord.key_field
FILLABLE = ("FirstName", "Title", "Phone", "Country")
"""Standard Lead fields a form fills when the org's Lead has them empty (LastName and
Company are required, so never empty)."""
FIELDS = ("Id", EMAIL, KEY, "IsConverted", OPTED_OUT, *FILLABLE)


def wants(identity: AuthorIdentity | None) -> str | None:
    """The email a plan's identity is matched on among Leads (lead forms only)."""
    if identity is None or not identity.email or not is_form_lead_key(identity.lead_key):
        return None
    return identity.email


class LeadsByEmail:
    """Leads found by email, for one pass: ``(Id, our key or None)`` each, lowest Id first."""

    def __init__(self) -> None:
        self._found: dict[str, list[tuple[str, str | None]]] = {}
        self._rows: dict[str, dict[str, Any]] = {}

    def clear(self) -> None:
        self._found.clear()
        self._rows.clear()

    def missing(self, identities: Iterable[AuthorIdentity | None]) -> list[str]:
        """Emails not looked up yet."""
        wanted: dict[str, str] = {}
        for identity in identities:
            email = wants(identity)
            if email and email.casefold() not in self._found:
                wanted.setdefault(email.casefold(), email)
        return list(wanted.values())

    @staticmethod
    def lookup(emails: Sequence[str], custom: Iterable[str] = ()) -> Lookup:
        """The one Lead query for ``emails``, reading the ``custom`` fields the batch's
        forms fill too."""
        fields = (*FIELDS, *sorted(set(custom) - set(FIELDS)))
        return Lookup(sobject="Lead", fields=fields, any_in={EMAIL: tuple(emails)})

    def absorb(self, emails: Sequence[str], rows: Iterable[Mapping[str, Any]]) -> None:
        """Remember what the query answered (nothing: no Lead has that email)."""
        index: dict[str, list[tuple[str, str | None]]] = {}
        for row in rows:
            email, record_id, key = row.get(EMAIL), row.get("Id"), row.get(KEY)
            if isinstance(email, str) and isinstance(record_id, str) and not row.get("IsConverted"):
                self._rows[record_id] = dict(row)
                index.setdefault(email.casefold(), []).append(
                    (record_id, key if isinstance(key, str) else None)
                )
        for email in emails:
            self._found[email.casefold()] = sorted(index.get(email.casefold(), []))

    def lead_for(self, identity: AuthorIdentity | None) -> KnownPerson | None:
        """A Lead of the org with the identity's email that is not ours, if any."""
        email = wants(identity)
        if email is None or identity is None:
            return None
        found = self._found.get(email.casefold(), [])
        if any(key == identity.lead_key for _, key in found):
            return None  # ours: the upsert by key updates it
        if not found:
            return None
        first = found[0][0]
        values = self._rows.setdefault(first, {})
        return KnownPerson("Lead", first, f"{EMAIL} = {email!r}", len(found), values)


def link_existing_lead(plan: RecordPlan, lead: KnownPerson) -> Applied:
    """``plan``'s writes for a person the org knows as ``lead``: no new Lead, the Task on
    it, and the Lead updated by Id with what the form adds (see the module docstring)."""
    who = Reference(sobject="Lead", id=lead.id)
    notes = [f"known Lead {lead.id} ({lead.matched_on}): the Task hangs on it"]
    if lead.candidates > 1:
        notes.append(f"{lead.candidates} Leads match {lead.matched_on}: linked the first")
    writes: list[tuple[PlannedWrite, str | None]] = []
    for write in plan.writes:
        record = write.record
        if isinstance(record, LeadRecord):
            update = _update(record, lead)
            if update is None:
                writes.append((write, f"known Lead {lead.id}: nothing to add"))
            else:
                writes.append((update, None))
                if update.overrides:
                    names = ", ".join(sorted(update.overrides))
                    notes.append(f"filled the Lead's empty {names} from the form")
            continue
        if isinstance(record, TaskRecord) and (record.who is None or record.who.sobject == "Lead"):
            write = write.model_copy(update={"record": record.model_copy(update={"who": who})})
        writes.append((write, None))
    return Applied(tuple(writes), tuple(notes))


def _update(form: LeadRecord, lead: KnownPerson) -> PlannedWrite | None:
    """The update of the known Lead: empty fields filled, an opt-out added; None if nothing."""
    wanted = {
        "FirstName": form.first_name,
        "Title": form.title,
        "Phone": form.phone,
        "Country": form.country,
        **form.form_fields,
    }
    fill = fill_empty(lead.values, wanted)
    opted_out = form.opted_out_of_email if lead.values.get(OPTED_OUT) is not True else None
    if not fill and not opted_out:
        return None
    if opted_out:
        lead.values[OPTED_OUT] = True
    record = KnownLeadRecord(id=lead.id, opted_out_of_email=opted_out)
    return PlannedWrite(record=record, mode=WriteMode.UPDATE_ONLY, overrides=fill)

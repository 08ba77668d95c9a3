"""Step 1 of a write: one Composite call asks what a batch needs to know.

Which keys already exist (one query per sObject and key field, skipping keys the ledger or
an earlier ``prefetch`` answered), the current values of forward-only fields, who the
authors are (Contacts by handle, profile key or email; for lead forms, Leads by email) and
the owner queues not resolved yet. A failed Contact query fails only the plans whose
authors fail it (halving); above ``bulk_threshold`` unknown keys of a unique external id,
the bulk insert is chosen instead of asking (see :mod:`sf_social.salesforce.writer`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sf_social.errors import SalesforceApiError
from sf_social.forward_only import forward_fields
from sf_social.plan import WriteMode
from sf_social.records import ConsentRecord, LeadRecord
from sf_social.salesforce.api import Found, Lookup, OrgApi
from sf_social.salesforce.batch import references
from sf_social.salesforce.delivery import failure_from
from sf_social.salesforce.identity import IdentityCache, needs_identity
from sf_social.salesforce.lead_match import LeadsByEmail, wants
from sf_social.salesforce.queues import QueueCache
from sf_social.salesforce.results import RecordFailure
from sf_social.salesforce.run import WriteRun


@dataclass
class BatchLookups:
    """The lookups of a writer's batches, with the caches they fill."""

    api: OrgApi
    identity_lookup: bool
    bulk_threshold: int
    identity: IdentityCache = field(default_factory=IdentityCache)
    queues: QueueCache = field(default_factory=QueueCache)
    form_leads: LeadsByEmail = field(default_factory=LeadsByEmail)
    """Leads by email, for the people of lead forms (:mod:`~sf_social.salesforce.lead_match`)."""
    absent: set[str] = field(default_factory=set)
    """Keys a ``prefetch`` found, or found missing: the next ``write`` does not ask."""

    def look_up(self, run: WriteRun, extra: Sequence[Lookup] = ()) -> list[Found]:
        """The batch's lookups in as few calls as possible, ``extra`` first (its answers).

        Keys an ``extra`` lookup asks for by their exact key field are not asked again.
        """
        keys: dict[tuple[str, str], dict[str, None]] = {}
        covered = {
            (lookup.sobject, name, value)
            for lookup in extra
            for name, values in lookup.any_in.items()
            if name in lookup.exact
            for value in values
        }
        written = self._choose_insert_first(run)
        forward: dict[str, set[str]] = {}  # sObject → forward-only fields the batch sets
        forward_keys: set[str] = set()  # their current values are read, known or not
        for plan in run.plans:
            for write in plan.writes:
                if fields := forward_fields(write.record):
                    forward.setdefault(write.record.sobject, set()).update(fields)
                    forward_keys.add(write.key)

        def want(sobject: str, key_field: str, key: str | None, *, must: bool = False) -> None:
            if not key or key_field == "Id":
                return
            if key not in forward_keys and (
                key in run.known or key in self.absent or (sobject, key_field, key) in covered
            ):
                return
            if not must and sobject in run.insert_first and key in written.get(sobject, ()):
                return  # its bulk insert tells whether it exists
            keys.setdefault((sobject, key_field), {})[key] = None

        queue_names: set[str] = set()
        for plan in run.plans:
            for write in plan.writes:
                record = write.record
                if isinstance(record, ConsentRecord):
                    continue  # looked up by the consent step (sf_social.salesforce.consent)
                want(
                    record.sobject,
                    record.key_field,
                    record.key,
                    must=write.mode is not WriteMode.UPSERT,
                )
                for _, ref in references(record):
                    if ref.key_field is not None:
                        want(ref.sobject, ref.key_field, ref.key)
                if write.owner_queue and write.mode is WriteMode.UPSERT:
                    queue_names.add(write.owner_queue)
        identity_plans = [
            i for i, p in enumerate(run.plans) if self.identity_lookup and needs_identity(p)
        ]
        contacts = self.identity.missing(run.plans[i].identity for i in identity_plans)  # type: ignore[misc]
        queues = self.queues.missing(queue_names)
        emails = self.form_leads.missing(run.plans[i].identity for i in identity_plans)
        form_fields = {  # the custom fields the batch's forms fill
            name
            for i in identity_plans
            for write in run.plans[i].writes
            if isinstance(write.record, LeadRecord) and wants(run.plans[i].identity)
            for name in write.record.form_fields
        }

        lookups: list[Lookup] = list(extra)
        tags: list[tuple[str, Any]] = [("extra", lookup) for lookup in extra]
        for (sobject, key_field), wanted in keys.items():
            fields = ("Id", key_field, *sorted(forward.get(sobject, ())))
            lookups.append(
                Lookup(sobject, fields, {key_field: tuple(wanted)}, exact=frozenset({key_field}))
            )
            tags.append(("keys", (sobject, key_field)))
        if contacts:
            forms = any(wants(run.plans[i].identity) for i in identity_plans)
            lookups.append(self.identity.lookup(contacts, lead_forms=forms))
            tags.append(("contacts", contacts))
        if queues:
            lookups.append(self.queues.lookup(queues))
            tags.append(("queues", queues))
        if emails:
            lookups.append(self.form_leads.lookup(emails, form_fields))
            tags.append(("leads", emails))
        if not lookups:
            return []
        try:
            found = self.api.find(lookups)
        except (SalesforceApiError, ValueError) as exc:
            found = [Found(error=_api_error(exc)) for _ in lookups]
        for (kind, what), answer in zip(tags, found, strict=True):
            if kind == "extra" and answer.error is None:
                exact = [(name, v) for name, v in what.any_in.items() if name in what.exact]
                for name, values in exact:
                    self.absent.update(values)
                    for row in answer.rows:
                        key, record_id = row.get(name), row.get("Id")
                        if isinstance(key, str) and isinstance(record_id, str):
                            run.known[key] = record_id
            elif kind == "keys":
                sobject, key_field = what
                if answer.error is not None:
                    run.sobject_failure[sobject] = failure_from(answer.error)
                    continue
                self.absent.update(keys[what])
                for row in answer.rows:
                    key, record_id = row.get(key_field), row.get("Id")
                    if isinstance(key, str) and isinstance(record_id, str):
                        run.known[key] = record_id
                        if key in forward_keys:
                            run.forward_values[key] = {
                                f: row.get(f) for f in forward.get(sobject, ())
                            }
            elif kind == "contacts":
                if answer.error is not None:
                    self._contacts_apart(run, identity_plans, answer.error)
                    continue
                self.identity.absorb(what, answer.rows)
            elif kind == "queues":
                if answer.error is not None:
                    run.queue_failure = failure_from(answer.error)
                    continue
                self.queues.absorb(what, answer.rows)
            elif kind == "leads":
                if answer.error is not None:
                    failure = failure_from(answer.error)
                    for i in identity_plans:
                        if wants(run.plans[i].identity):
                            run.plan_failure[i] = RecordFailure(
                                failure.code,
                                f"looking the person up among Leads failed: {failure.message}",
                                failure.fields,
                                transient=failure.transient,
                            )
                    continue
                self.form_leads.absorb(what, answer.rows)
        return [answer for (kind, _), answer in zip(tags, found, strict=True) if kind == "extra"]

    def _contacts_apart(
        self, run: WriteRun, plans: Sequence[int], error: SalesforceApiError
    ) -> None:
        """The Contact query of ``plans`` failed: fail only the plans whose authors fail it.

        A transient failure fails them all, for a later retry. A permanent one (a value the
        org refuses, a query too long for one value) is narrowed by halving: the halves are
        asked again apart, down to the single plans that still fail; the other posts of the
        batch are written as if nothing happened.
        """
        if error.transient or len(plans) <= 1:
            failure = failure_from(error)
            for i in plans:
                run.plan_failure[i] = RecordFailure(
                    failure.code,
                    f"looking the author up among Contacts failed: {failure.message}",
                    failure.fields,
                    transient=failure.transient,
                )
            return
        middle = len(plans) // 2
        for half in (plans[:middle], plans[middle:]):
            missing = self.identity.missing(run.plans[i].identity for i in half)  # type: ignore[misc]
            if not missing:
                continue
            try:
                [answer] = self.api.find([self.identity.lookup(missing)])
            except (SalesforceApiError, ValueError) as exc:
                answer = Found(error=_api_error(exc))
            if answer.error is not None:
                self._contacts_apart(run, half, answer.error)
            else:
                self.identity.absorb(missing, answer.rows)

    def _choose_insert_first(self, run: WriteRun) -> dict[str, set[str]]:
        """Pick the sObjects written by bulk insert first; the keys each batch writes.

        Above ``bulk_threshold`` new-or-unknown records of one sObject whose key is a unique
        external id, checking existence key by key costs a query per few thousand keys;
        inserting tells the same for free: a unique key refuses a second record
        (DUPLICATE_VALUE, naming the existing Id), and those records then get their
        sync-owned fields only. A 100,000-record backfill needs no key query at all.
        """
        written: dict[str, set[str]] = {}
        unknown: dict[tuple[str, str], set[str]] = {}
        for plan in run.plans:
            for write in plan.writes:
                record = write.record
                written.setdefault(record.sobject, set()).add(record.key)
                if (
                    write.mode is WriteMode.UPSERT
                    and not isinstance(record, ConsentRecord)
                    and record.key_field != "Id"
                    and record.key not in run.known
                ):
                    unknown.setdefault((record.sobject, record.key_field), set()).add(record.key)
        for (sobject, key_field), found in unknown.items():
            if len(found) > self.bulk_threshold and self.api.unique_key(sobject, key_field):
                run.insert_first.add(sobject)
        return written

    def find_keys(self, run: WriteRun, sobject: str, key_field: str, keys: list[str]) -> None:
        """Look ``keys`` up now (after a bulk insert left their existence unknown)."""
        lookup = Lookup(
            sobject, ("Id", key_field), {key_field: tuple(keys)}, exact=frozenset({key_field})
        )
        [answer] = self.api.find([lookup])
        if answer.error is not None:
            raise answer.error
        for row in answer.rows:
            key, record_id = row.get(key_field), row.get("Id")
            if isinstance(key, str) and isinstance(record_id, str):
                run.known[key] = record_id


def _api_error(exc: Exception) -> SalesforceApiError:
    """``exc`` as an API error: a value no query can carry (too long, not encodable) is a
    permanent refusal of that query, not a crash of the batch."""
    if isinstance(exc, SalesforceApiError):
        return exc
    return SalesforceApiError("query", "INVALID_QUERY_VALUE", str(exc)[:500])

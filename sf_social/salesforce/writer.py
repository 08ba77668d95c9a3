"""The writer: record plans in, as few API calls as possible, one outcome per write out.

``write(plans, known_ids)`` for one batch:

1. **Look up** (one Composite call carries up to five queries): which keys already exist
   (``SELECT Id, Social_Thread_Key__c FROM Case WHERE Social_Thread_Key__c IN (...)``, one
   per sObject, skipping keys whose Id the ledger gave in ``known_ids``), who the authors
   are (Contacts by handle / profile key / email; their Leads come from ``known_ids`` and
   the batch itself), and the owner queues not resolved yet.
2. **Identity** rewrites the plans (:func:`~sf_social.salesforce.identity.apply_identity`).
3. **Merge** writes that share a key, and order them parents first.
4. **Send**: records known to exist get their sync-owned fields only (update by Id);
   update-only writes of absent records are skipped; new records are upserted by external
   id with everything, their owner queue resolved and their Task references pointing at
   the parents' Ids (written just before, or found). Up to 200 records per sObject
   Collections call, and the calls of one wave (the parents: Leads, Contacts, Cases; then
   the Tasks) five to a Composite call; above ``bulk_threshold`` records of one sObject,
   Bulk API 2.0.

   Above ``bulk_threshold`` new-or-unknown records of one sObject whose key is a unique
   external id (checked once with ``describe``), step 1 skips their key query: a Bulk API
   2.0 *insert* tells existence for free — a unique key cannot get a second record, the
   existing ones answer ``DUPLICATE_VALUE`` naming their Id and then get their sync-owned
   fields only (rule 7 holds, rule 1's "never a second record" too). Rows that fail
   transiently are looked up and sent the usual way. This is what brings a
   100,000-record backfill under 20 API calls; without a verified unique key it is a key
   query and a Bulk API 2.0 upsert.
5. **Consents** of lead forms, where the org has the privacy objects
   (:mod:`~sf_social.salesforce.consent`: one query, then only what is missing).
   **Delete** last the Leads a deleted lead form response asks to delete
   (:mod:`~sf_social.salesforce.removal`: one activity query, then 200 a call).
6. **Report** each write's outcome, and every key → Id learnt (for the ledger).

Nothing here raises for a record or a call that fails: failures are outcomes, transient or
permanent. When nothing more can be sent (the daily budget is at its ceiling, the login is
refused), the remaining writes fail as transient and ``WriteReport.stopped`` says why.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import requests

from sf_social.errors import SalesforceApiError, SalesforceAuthError
from sf_social.forward_only import hold_back
from sf_social.plan import RecordPlan, WriteMode
from sf_social.playbook import Playbook
from sf_social.records import ConsentRecord, LeadRecord
from sf_social.salesforce.api import Found, Lookup, OrgApi
from sf_social.salesforce.batch import (
    Slot,
    by_order,
    full_payload,
    merge,
    references,
    refresh_values,
    sync_upsert_payload,
    update_payload,
    waves,
)
from sf_social.salesforce.budget import ApiBudget, BudgetPolicy
from sf_social.salesforce.bulk import BulkPolicy
from sf_social.salesforce.codes import (
    INVALID_SESSION_ID,
    PARENT_FAILED,
    UNKNOWN_QUEUE,
)
from sf_social.salesforce.connection import Connection
from sf_social.salesforce.consent import ConsentObjects, record_consents
from sf_social.salesforce.delivery import (
    Batch,
    Delivery,
    Done,
    Item,
    Stop,
    budget_gate,
    failure_from,
)
from sf_social.salesforce.identity import (
    apply_identity,
    lead_reference,
    needs_identity,
)
from sf_social.salesforce.lead_match import link_existing_lead
from sf_social.salesforce.lookups import BatchLookups
from sf_social.salesforce.removal import delete_leads
from sf_social.salesforce.rest import RestOptions, RestOrgApi
from sf_social.salesforce.results import (
    RecordFailure,
    Status,
    WriteReport,
)
from sf_social.salesforce.retry import RetryPolicy
from sf_social.salesforce.run import WriteRun, report_of
from sf_social.salesforce_settings import SalesforceSettings

log = logging.getLogger(__name__)


class Writer(Protocol):
    """What the sync engine needs: write a batch of plans, start a new pass."""

    def begin_pass(self) -> None:
        """Forget what was cached for the previous pass (identities, keys, missing queues)."""
        ...

    def write(
        self, plans: Sequence[RecordPlan], known_ids: Mapping[str, str] | None = None
    ) -> WriteReport:
        """Write ``plans``; ``known_ids`` maps record keys the ledger knows to their Ids."""
        ...

    def prefetch(
        self,
        plans: Sequence[RecordPlan],
        known_ids: Mapping[str, str] | None,
        extra: Sequence[Lookup],
    ) -> list[Found]:
        """Run ``extra`` in the same calls as the lookups writing ``plans`` needs; the next
        ``write`` uses what they found. The answers to ``extra``, in order."""
        ...


@dataclass(frozen=True)
class WriterConfig:
    """Knobs of the writer (the defaults suit a production org)."""

    bulk_threshold: int = 2_000
    allow_save_on_duplicate_alert: bool = False
    identity_lookup: bool = True
    read_limits_at_start: bool = True
    retry: RetryPolicy = field(default_factory=RetryPolicy)

    @classmethod
    def from_playbook(cls, playbook: Playbook, **overrides: Any) -> WriterConfig:
        """What the playbook's ``salesforce`` section asks for, with ``overrides``."""
        options = {
            "allow_save_on_duplicate_alert": playbook.salesforce.allow_save_on_duplicate_alert,
            **overrides,
        }
        return cls(**options)


class SalesforceWriter:
    """Writes record plans to an org through an :class:`~sf_social.salesforce.api.OrgApi`."""

    def __init__(self, api: OrgApi, config: WriterConfig | None = None) -> None:
        self.api = api
        self.config = config or WriterConfig()
        self.lookups = BatchLookups(api, self.config.identity_lookup, self.config.bulk_threshold)
        self.identity = self.lookups.identity
        self.queues = self.lookups.queues
        self._ids: dict[str, str] = {}
        self._prefetched: dict[str, str] = {}
        self._started = False
        self.consent_objects = ConsentObjects()
        """Whether the org has Individual and ContactPointTypeConsent (learnt once)."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.api!r})"

    @classmethod
    def connect(
        cls,
        settings: SalesforceSettings,
        config: WriterConfig | None = None,
        *,
        budget: BudgetPolicy | None = None,
        bulk: BulkPolicy | None = None,
        rest: RestOptions | None = None,
        http: requests.Session | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> SalesforceWriter:
        """Log in as ``settings`` say and return a writer on that org."""
        config = config or WriterConfig()
        connection = Connection(settings, http=http, budget=ApiBudget(budget, clock=clock))
        api = RestOrgApi(connection, retry=config.retry, bulk=bulk, options=rest)
        return cls(api, config)

    def begin_pass(self) -> None:
        self.identity.clear()
        self.lookups.form_leads.clear()
        self.queues.new_pass()
        self._ids.clear()
        self._prefetched.clear()
        self.lookups.absent.clear()

    def prefetch(
        self,
        plans: Sequence[RecordPlan],
        known_ids: Mapping[str, str] | None,
        extra: Sequence[Lookup],
    ) -> list[Found]:
        self._prefetched.clear()
        self.lookups.absent.clear()
        before = {**self._ids, **(known_ids or {})}
        run = WriteRun(plans=plans, known=dict(before), written_before=before)
        found = self.lookups.look_up(run, extra)
        self._prefetched.update((k, v) for k, v in run.known.items() if k not in before)
        return found

    # -- one batch -----------------------------------------------------------------------

    def write(
        self, plans: Sequence[RecordPlan], known_ids: Mapping[str, str] | None = None
    ) -> WriteReport:
        calls_before = self.api.api_calls
        before = {**self._ids, **(known_ids or {})}
        run = WriteRun(plans=plans, known={**self._prefetched, **before}, written_before=before)
        login_refused = False
        try:
            self._start()
            budget_gate(self.api)
            self.lookups.look_up(run)
            self._apply_identity(run)
            self._send(run)
        except Stop as stop:
            run.stopped = stop
        except SalesforceAuthError as exc:
            failure = RecordFailure(INVALID_SESSION_ID, str(exc), transient=True)
            run.stopped = Stop(failure, str(exc))
            login_refused = True
        self._prefetched.clear()
        self.lookups.absent.clear()
        if not run.applied:  # stopped before identity: every write as planned
            run.applied = [[(w, None) for w in p.writes] for p in plans]
            run.notes = [[] for _ in plans]
        report = report_of(run)
        report.login_refused = login_refused
        report.api_calls = self.api.api_calls - calls_before
        log.info("%s", report.summary())
        return report

    def _start(self) -> None:
        if not self._started and self.config.read_limits_at_start:
            try:
                self.api.read_limits()
            except SalesforceApiError as exc:
                log.warning("could not read the org's limits at start-up: %s", exc)
        self._started = True

    # -- 2. identity ---------------------------------------------------------------------

    def _apply_identity(self, run: WriteRun) -> None:
        planned_leads: set[str] = set()  # Leads that earlier plans of the batch upsert
        for i, plan in enumerate(run.plans):
            if i in run.plan_failure or not (self.config.identity_lookup and needs_identity(plan)):
                run.applied.append([(w, None) for w in plan.writes])
                run.notes.append([])
                continue
            identity = plan.identity
            assert identity is not None
            contact = self.identity.contact_for(identity)
            lead = lead_reference(identity.lead_key, run.written_before, planned_leads)
            known = self.lookups.form_leads.lead_for(identity) if contact is None else None
            if known is not None:
                applied = link_existing_lead(plan, known)
            else:
                applied = apply_identity(plan, contact, lead)
            run.applied.append(list(applied.writes))
            run.notes.append(list(applied.notes))
            planned_leads.update(
                w.key
                for w, skip in applied.writes
                if skip is None and isinstance(w.record, LeadRecord) and w.mode is WriteMode.UPSERT
            )

    # -- 3./4. merge and send ------------------------------------------------------------

    def _send(self, run: WriteRun) -> None:
        members = [
            ((i, j), write)
            for i, writes in enumerate(run.applied)
            if i not in run.plan_failure
            for j, (write, skip) in enumerate(writes)
            if skip is None
        ]
        deletes = [(m, w) for m, w in members if w.mode is WriteMode.DELETE]
        consents = [(m, w) for m, w in members if isinstance(w.record, ConsentRecord)]
        run.slots = slots = merge(
            [
                (m, w)
                for m, w in members
                if w.mode is not WriteMode.DELETE and not isinstance(w.record, ConsentRecord)
            ]
        )
        delivery = Delivery(self.api, self.config.retry, self.config.allow_save_on_duplicate_alert)
        for wave in waves(by_order(slots)):
            batches: list[Batch] = []
            for sobject, group in wave:
                failed = run.sobject_failure.get(sobject)
                if failed is not None:
                    for slot in group:
                        run.done[id(slot)] = Done(Status.FAILED, failure=failed)
                    continue
                updates, upserts = self._prepare(run, group)
                if len(updates) > self.config.bulk_threshold:
                    self._refresh(delivery, run, updates)
                elif updates:
                    batches.append(Batch(updates, upsert=False))
                if sobject in run.insert_first:
                    self._insert_first(delivery, run, upserts)
                elif len(upserts) > self.config.bulk_threshold:
                    run.done.update(delivery.upsert(upserts, bulk=True))
                elif upserts:
                    batches.append(Batch(upserts, upsert=True))
            run.done.update(delivery.send(batches))
            for _, group in wave:
                for slot in group:
                    result = run.done.get(id(slot))
                    if result is not None and result.id is not None:
                        run.known[slot.key] = result.id
                        self._ids[slot.key] = result.id
        if consents:  # once their persons exist
            record_consents(self.api, run, consents, self.consent_objects)
        if deletes:  # last: after the Tasks the deleting plans blank
            for key in delete_leads(self.api, delivery, run, deletes):
                self._ids.pop(key, None)

    def _refresh(self, delivery: Delivery, run: WriteRun, updates: list[Item]) -> None:
        """Existing records: sync-owned fields by Id, or by key through Bulk API if many."""
        if len(updates) > self.config.bulk_threshold and updates[0].slot.key_field != "Id":
            synced = [Item(i.slot, sync_upsert_payload(i.slot), raced=True) for i in updates]
            run.done.update(delivery.upsert(synced, bulk=True))
        else:
            run.done.update(delivery.update(updates))

    def _insert_first(self, delivery: Delivery, run: WriteRun, items: list[Item]) -> None:
        done, existing, unsure = delivery.insert_first(items)
        run.done.update(done)
        known = [Item(i.slot, update_payload(i.slot, rid)) for i, rid in existing if rid]
        by_key = [
            Item(i.slot, sync_upsert_payload(i.slot), raced=True)
            for i, rid in existing
            if rid is None
        ]
        self._refresh(delivery, run, known)
        run.done.update(delivery.upsert(by_key, bulk=len(by_key) > self.config.bulk_threshold))
        if not unsure:
            return
        first = unsure[0].slot
        try:
            self.lookups.find_keys(
                run, first.sobject, first.key_field, [i.slot.key for i in unsure]
            )
        except SalesforceApiError as exc:
            for item in unsure:
                run.done[id(item.slot)] = Done(Status.FAILED, failure=failure_from(exc))
            return
        updates, upserts = self._prepare(run, [i.slot for i in unsure])
        run.done.update(delivery.update(updates))
        run.done.update(delivery.upsert(upserts, bulk=False))

    def _prepare(self, run: WriteRun, group: list[Slot]) -> tuple[list[Item], list[Item]]:
        """Decide each slot: update by Id, upsert, or an outcome without a call."""
        updates: list[Item] = []
        upserts: list[Item] = []
        for slot in group:
            existing = slot.key if slot.key_field == "Id" else run.known.get(slot.key)
            if existing is not None:
                slot.record, held_back = hold_back(
                    slot.record, run.forward_values.get(slot.key, {})
                )
                if held_back:
                    run.slot_notes[id(slot)] = held_back
                if not refresh_values(slot):
                    run.done[id(slot)] = Done(Status.UNCHANGED, id=existing)
                else:
                    updates.append(Item(slot, update_payload(slot, existing)))
                continue
            if slot.mode is WriteMode.UPDATE_ONLY:
                run.done[id(slot)] = Done(
                    Status.SKIPPED,
                    note=f"no {slot.sobject} with {slot.key_field} = {slot.key!r}:"
                    " update-only write skipped",
                )
                continue
            payload, problem = self._new_payload(run, slot)
            if problem is not None:
                run.done[id(slot)] = problem
            else:
                upserts.append(Item(slot, payload))
        return updates, upserts

    def _new_payload(self, run: WriteRun, slot: Slot) -> tuple[dict[str, Any], Done | None]:
        """A new record's payload, or the outcome that prevents sending it."""
        payload = full_payload(slot)
        if slot.owner_queue and "OwnerId" not in payload:
            if run.queue_failure is not None:
                return payload, Done(Status.FAILED, failure=run.queue_failure)
            owner = self.queues.resolve(slot.owner_queue)
            if owner is None:
                return payload, Done(
                    Status.FAILED,
                    failure=RecordFailure(
                        UNKNOWN_QUEUE,
                        f"the org has no queue {slot.owner_queue!r} (Group, Type = Queue):"
                        " create it or fix routing.teams in the playbook, then"
                        " `sf-social dead-letters retry --code UNKNOWN_QUEUE`",
                        ("OwnerId",),
                    ),
                )
            payload["OwnerId"] = owner
        for relationship, ref in references(slot.record):
            if ref.key is None:
                continue
            parent_id = run.known.get(ref.key)
            payload.pop(relationship, None)
            if parent_id is not None:
                payload[f"{relationship}Id"] = parent_id
                continue
            parent = self._parent_failure(run, ref.sobject, ref.key)
            if parent is not None:
                return payload, Done(
                    Status.FAILED,
                    failure=RecordFailure(
                        PARENT_FAILED,
                        f"its {ref.sobject} {ref.key!r} was not written: {parent}",
                        transient=parent.transient,
                    ),
                )
            run.slot_notes[id(slot)] = (
                f"no {ref.sobject} {ref.key!r} in the org: the Task is written without it"
            )
        return payload, None

    @staticmethod
    def _parent_failure(run: WriteRun, sobject: str, key: str) -> RecordFailure | None:
        """Why the parent ``key`` was not written in this batch (None: it is not in it)."""
        if sobject in run.sobject_failure:
            return run.sobject_failure[sobject]
        parent = run.slots.get((sobject, key))
        done = run.done.get(id(parent)) if parent is not None else None
        if parent is not None and done is None and run.stopped is None:
            return RecordFailure("NOT_SENT", "not sent yet", transient=True)
        return done.failure if done is not None else None

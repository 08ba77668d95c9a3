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
   Collections call; above ``bulk_threshold`` records of one sObject, Bulk API 2.0.

   Above ``bulk_threshold`` new-or-unknown records of one sObject whose key is a unique
   external id (checked once with ``describe``), step 1 skips their key query: a Bulk API
   2.0 *insert* tells existence for free — a unique key cannot get a second record, the
   existing ones answer ``DUPLICATE_VALUE`` naming their Id and then get their sync-owned
   fields only (rule 7 holds, rule 1's "never a second record" too). Rows that fail
   transiently are looked up and sent the usual way. This is what brings a
   100,000-record backfill under 20 API calls; without a verified unique key it is a key
   query and a Bulk API 2.0 upsert.
5. **Report** each write's outcome, and every key → Id learnt (for the ledger).

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
from sf_social.plan import PlannedWrite, RecordPlan, WriteMode
from sf_social.playbook import Playbook
from sf_social.records import LeadRecord
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
)
from sf_social.salesforce.budget import ApiBudget, BudgetPolicy
from sf_social.salesforce.bulk import BulkPolicy
from sf_social.salesforce.codes import (
    INVALID_SESSION_ID,
    PARENT_FAILED,
    UNKNOWN_QUEUE,
)
from sf_social.salesforce.connection import Connection
from sf_social.salesforce.delivery import Delivery, Done, Item, Stop, budget_gate, failure_from
from sf_social.salesforce.forward import LINKEDIN_ACTIVITY, activity_keys, keep_forward
from sf_social.salesforce.identity import (
    IdentityCache,
    apply_identity,
    lead_reference,
    needs_identity,
)
from sf_social.salesforce.queues import QueueCache
from sf_social.salesforce.rest import RestOptions, RestOrgApi
from sf_social.salesforce.results import (
    PlanResult,
    RecordFailure,
    Status,
    WriteOutcome,
    WriteReport,
)
from sf_social.salesforce.retry import RetryPolicy
from sf_social.settings import SalesforceSettings

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


@dataclass
class _Run:
    """The state of one ``write`` call."""

    plans: Sequence[RecordPlan]
    known: dict[str, str]
    """Key → Id: what the ledger and this pass knew, then what the lookups found."""
    written_before: dict[str, str] = field(default_factory=dict)
    """Key → Id of records written before this batch (the ledger, this pass)."""
    applied: list[list[tuple[PlannedWrite, str | None]]] = field(default_factory=list)
    notes: list[list[str]] = field(default_factory=list)
    plan_failure: dict[int, RecordFailure] = field(default_factory=dict)
    sobject_failure: dict[str, RecordFailure] = field(default_factory=dict)
    queue_failure: RecordFailure | None = None
    slots: dict[tuple[str, str], Slot] = field(default_factory=dict)
    done: dict[int, Done] = field(default_factory=dict)
    slot_notes: dict[int, str] = field(default_factory=dict)
    insert_first: set[str] = field(default_factory=set)
    lead_activity: dict[str, str | None] = field(default_factory=dict)
    """Lead key → its ``LinkedIn_Lead_Activity__c`` in the org, for Leads we set it on."""
    stopped: Stop | None = None


class SalesforceWriter:
    """Writes record plans to an org through an :class:`~sf_social.salesforce.api.OrgApi`."""

    def __init__(self, api: OrgApi, config: WriterConfig | None = None) -> None:
        self.api = api
        self.config = config or WriterConfig()
        self.identity = IdentityCache()
        self.queues = QueueCache()
        self._ids: dict[str, str] = {}
        self._started = False

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
        self.queues.new_pass()
        self._ids.clear()

    # -- one batch -----------------------------------------------------------------------

    def write(
        self, plans: Sequence[RecordPlan], known_ids: Mapping[str, str] | None = None
    ) -> WriteReport:
        calls_before = self.api.api_calls
        before = {**self._ids, **(known_ids or {})}
        run = _Run(plans=plans, known=dict(before), written_before=before)
        login_refused = False
        try:
            self._start()
            budget_gate(self.api)
            self._look_up(run)
            self._apply_identity(run)
            self._send(run)
        except Stop as stop:
            run.stopped = stop
        except SalesforceAuthError as exc:
            failure = RecordFailure(INVALID_SESSION_ID, str(exc), transient=True)
            run.stopped = Stop(failure, str(exc))
            login_refused = True
        if not run.applied:  # stopped before identity: every write as planned
            run.applied = [[(w, None) for w in p.writes] for p in plans]
            run.notes = [[] for _ in plans]
        report = self._report(run)
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

    # -- 1. lookups ----------------------------------------------------------------------

    def _look_up(self, run: _Run) -> None:
        keys: dict[tuple[str, str], dict[str, None]] = {}
        written = self._choose_insert_first(run)
        activity = activity_keys(run.plans)  # their current value is read, known or not

        def want(sobject: str, key_field: str, key: str | None, *, must: bool = False) -> None:
            if not key or key_field == "Id" or (key in run.known and key not in activity):
                return
            if not must and sobject in run.insert_first and key in written.get(sobject, ()):
                return  # its bulk insert tells whether it exists
            keys.setdefault((sobject, key_field), {})[key] = None

        queue_names: set[str] = set()
        for plan in run.plans:
            for write in plan.writes:
                record = write.record
                want(
                    record.sobject,
                    record.key_field,
                    record.key,
                    must=write.mode is WriteMode.UPDATE_ONLY,
                )
                for _, ref in references(record):
                    if ref.key_field is not None:
                        want(ref.sobject, ref.key_field, ref.key)
                if write.owner_queue and write.mode is WriteMode.UPSERT:
                    queue_names.add(write.owner_queue)
        identity_plans = [
            i for i, p in enumerate(run.plans) if self.config.identity_lookup and needs_identity(p)
        ]
        contacts = self.identity.missing(run.plans[i].identity for i in identity_plans)  # type: ignore[misc]
        queues = self.queues.missing(queue_names)

        lookups: list[Lookup] = []
        tags: list[tuple[str, Any]] = []
        for (sobject, key_field), wanted in keys.items():
            fields: tuple[str, ...] = ("Id", key_field)
            if sobject == "Lead" and activity:
                fields += (LINKEDIN_ACTIVITY,)
            lookups.append(
                Lookup(sobject, fields, {key_field: tuple(wanted)}, exact=frozenset({key_field}))
            )
            tags.append(("keys", (sobject, key_field)))
        if contacts:
            lookups.append(self.identity.lookup(contacts))
            tags.append(("contacts", contacts))
        if queues:
            lookups.append(self.queues.lookup(queues))
            tags.append(("queues", queues))
        if not lookups:
            return
        try:
            found = self.api.find(lookups)
        except (SalesforceApiError, ValueError) as exc:
            found = [Found(error=_api_error(exc)) for _ in lookups]
        for (kind, what), answer in zip(tags, found, strict=True):
            if kind == "keys":
                sobject, key_field = what
                if answer.error is not None:
                    run.sobject_failure[sobject] = failure_from(answer.error)
                    continue
                for row in answer.rows:
                    key, record_id = row.get(key_field), row.get("Id")
                    if isinstance(key, str) and isinstance(record_id, str):
                        run.known[key] = record_id
                        if key in activity:
                            run.lead_activity[key] = row.get(LINKEDIN_ACTIVITY)
            elif kind == "contacts":
                if answer.error is not None:
                    self._contacts_apart(run, identity_plans, answer.error)
                    continue
                self.identity.absorb(what, answer.rows)
            else:
                if answer.error is not None:
                    run.queue_failure = failure_from(answer.error)
                    continue
                self.queues.absorb(what, answer.rows)

    def _contacts_apart(self, run: _Run, plans: Sequence[int], error: SalesforceApiError) -> None:
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

    def _choose_insert_first(self, run: _Run) -> dict[str, set[str]]:
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
                    and record.key_field != "Id"
                    and record.key not in run.known
                ):
                    unknown.setdefault((record.sobject, record.key_field), set()).add(record.key)
        for (sobject, key_field), found in unknown.items():
            if len(found) > self.config.bulk_threshold and self.api.unique_key(sobject, key_field):
                run.insert_first.add(sobject)
        return written

    def _find_keys(self, run: _Run, sobject: str, key_field: str, keys: list[str]) -> None:
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

    # -- 2. identity ---------------------------------------------------------------------

    def _apply_identity(self, run: _Run) -> None:
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
            applied = apply_identity(plan, contact, lead)
            run.applied.append(list(applied.writes))
            run.notes.append(list(applied.notes))
            planned_leads.update(
                w.key
                for w, skip in applied.writes
                if skip is None and isinstance(w.record, LeadRecord) and w.mode is WriteMode.UPSERT
            )

    # -- 3./4. merge and send ------------------------------------------------------------

    def _send(self, run: _Run) -> None:
        members = [
            ((i, j), write)
            for i, writes in enumerate(run.applied)
            if i not in run.plan_failure
            for j, (write, skip) in enumerate(writes)
            if skip is None
        ]
        run.slots = slots = merge(members)
        delivery = Delivery(self.api, self.config.retry, self.config.allow_save_on_duplicate_alert)
        for sobject, group in by_order(slots):
            failed = run.sobject_failure.get(sobject)
            if failed is not None:
                for slot in group:
                    run.done[id(slot)] = Done(Status.FAILED, failure=failed)
                continue
            updates, upserts = self._prepare(run, group)
            self._refresh(delivery, run, updates)
            if sobject in run.insert_first:
                self._insert_first(delivery, run, upserts)
            else:
                bulk = len(upserts) > self.config.bulk_threshold
                run.done.update(delivery.upsert(upserts, bulk=bulk))
            for slot in group:
                result = run.done.get(id(slot))
                if result is not None and result.id is not None:
                    run.known[slot.key] = result.id
                    self._ids[slot.key] = result.id

    def _refresh(self, delivery: Delivery, run: _Run, updates: list[Item]) -> None:
        """Existing records: sync-owned fields by Id, or by key through Bulk API if many."""
        if len(updates) > self.config.bulk_threshold and updates[0].slot.key_field != "Id":
            synced = [Item(i.slot, sync_upsert_payload(i.slot), raced=True) for i in updates]
            run.done.update(delivery.upsert(synced, bulk=True))
        else:
            run.done.update(delivery.update(updates))

    def _insert_first(self, delivery: Delivery, run: _Run, items: list[Item]) -> None:
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
            self._find_keys(run, first.sobject, first.key_field, [i.slot.key for i in unsure])
        except SalesforceApiError as exc:
            for item in unsure:
                run.done[id(item.slot)] = Done(Status.FAILED, failure=failure_from(exc))
            return
        updates, upserts = self._prepare(run, [i.slot for i in unsure])
        run.done.update(delivery.update(updates))
        run.done.update(delivery.upsert(upserts, bulk=False))

    def _prepare(self, run: _Run, group: list[Slot]) -> tuple[list[Item], list[Item]]:
        """Decide each slot: update by Id, upsert, or an outcome without a call."""
        updates: list[Item] = []
        upserts: list[Item] = []
        for slot in group:
            existing = slot.key if slot.key_field == "Id" else run.known.get(slot.key)
            if existing is not None:
                held_back = keep_forward(slot, run.lead_activity.get(slot.key))
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

    def _new_payload(self, run: _Run, slot: Slot) -> tuple[dict[str, Any], Done | None]:
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
                        " create it or fix routing.teams in the playbook, then replay",
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
    def _parent_failure(run: _Run, sobject: str, key: str) -> RecordFailure | None:
        """Why the parent ``key`` was not written in this batch (None: it is not in it)."""
        if sobject in run.sobject_failure:
            return run.sobject_failure[sobject]
        parent = run.slots.get((sobject, key))
        done = run.done.get(id(parent)) if parent is not None else None
        if parent is not None and done is None and run.stopped is None:
            return RecordFailure("NOT_SENT", "not sent yet", transient=True)
        return done.failure if done is not None else None

    # -- 5. report -----------------------------------------------------------------------

    def _report(self, run: _Run) -> WriteReport:
        by_member: dict[tuple[int, int], Slot] = {}
        for slot in run.slots.values():
            for member in slot.members:
                by_member[member] = slot
        results: list[PlanResult] = []
        ids: dict[str, str] = {}
        for i, plan in enumerate(run.plans):
            outcomes: list[WriteOutcome] = []
            for j, (write, skip) in enumerate(run.applied[i]):
                outcomes.append(self._outcome(run, i, write, skip, by_member.get((i, j))))
            for outcome in outcomes:
                if outcome.id is not None and outcome.write.record.key_field != "Id":
                    ids[outcome.key] = outcome.id
            results.append(PlanResult(plan, tuple(outcomes), tuple(run.notes[i])))
        stopped = run.stopped.reason if run.stopped else None
        return WriteReport(results=results, ids=ids, stopped=stopped)

    @staticmethod
    def _outcome(
        run: _Run, i: int, write: PlannedWrite, skip: str | None, slot: Slot | None
    ) -> WriteOutcome:
        if skip is not None:
            return WriteOutcome(write, Status.SKIPPED, note=skip)
        if i in run.plan_failure:
            return WriteOutcome(write, Status.FAILED, failure=run.plan_failure[i])
        done = run.done.get(id(slot)) if slot is not None else None
        if done is None:
            failure = (
                run.stopped.failure
                if run.stopped
                else RecordFailure("NOT_SENT", "the batch ended before this write", transient=True)
            )
            return WriteOutcome(write, Status.FAILED, failure=failure)
        note = done.note or (run.slot_notes.get(id(slot)) if slot is not None else None)
        return WriteOutcome(write, done.status, id=done.id, failure=done.failure, note=note)


def _api_error(exc: Exception) -> SalesforceApiError:
    """``exc`` as an API error: a value no query can carry (too long, not encodable) is a
    permanent refusal of that query, not a crash of the batch."""
    if isinstance(exc, SalesforceApiError):
        return exc
    return SalesforceApiError("query", "INVALID_QUERY_VALUE", str(exc)[:500])

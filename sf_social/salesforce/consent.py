"""Lead form consents as Salesforce's privacy objects: Individual, ContactPointTypeConsent.

Where the org has them (Data Protection and Privacy enabled), each consent record of a
batch (:class:`~sf_social.records.ConsentRecord`) is written last, once the person the
plan's Task hangs on (a Lead, or a Contact) exists:

1. one Composite call reads the consents already there, by ``Name`` (so a replay creates
   nothing twice), and the persons' ``IndividualId``;
2. a person without an Individual gets one, named like them, linked from their
   ``IndividualId`` (one create call and one update call for the batch);
3. the missing consents are created with ``PartyId`` their Individual (one call).

An org without the objects answers the first query ``INVALID_TYPE`` (or ``INVALID_FIELD``
for ``IndividualId``): the consents are skipped with a note, ``HasOptedOutOfEmail`` on the
Lead holding the opt-out, and the writer does not ask again. An Individual whose link the
org refuses is deleted (it would hold the person's name where erasure cannot find it) and
the person's consents wait for the retry; a crash between creating an Individual and
linking it leaves that Individual unlinked (the retry makes another, never a second
consent).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sf_social.errors import SalesforceApiError
from sf_social.plan import PlannedWrite
from sf_social.records import ConsentRecord, Reference, TaskRecord
from sf_social.salesforce.api import MAX_COLLECTION, CollectionCall, Lookup, OrgApi, RecordResult
from sf_social.salesforce.batch import Slot, attributes, merge
from sf_social.salesforce.codes import classify
from sf_social.salesforce.delivery import Done, budget_gate, failure_from
from sf_social.salesforce.results import RecordFailure, Status
from sf_social.salesforce.run import WriteRun

INDIVIDUAL = "Individual"
CONSENT = ConsentRecord.sobject
LACKING = frozenset({"INVALID_TYPE", "INVALID_FIELD"})
"""What a query answers in an org without the objects (or without ``IndividualId``)."""
NO_OBJECTS = (
    "the org has no Individual / ContactPointTypeConsent (Data Protection and Privacy is"
    " off): the consent is kept as HasOptedOutOfEmail only"
)
PERSON_FIELDS = ("Id", "IndividualId", "FirstName", "LastName")


@dataclass
class ConsentObjects:
    """Whether the org has the privacy objects: ``None`` until a batch asked."""

    available: bool | None = None


def record_consents(
    api: OrgApi,
    run: WriteRun,
    writes: Sequence[tuple[tuple[int, int], PlannedWrite]],
    objects: ConsentObjects,
) -> None:
    """Write the consent records of ``writes`` (see the module docstring)."""
    slots = merge(list(writes))
    run.slots.update(slots)
    if objects.available is False:
        _all(run, slots.values(), Done(Status.SKIPPED, note=NO_OBJECTS))
        return
    persons: dict[int, tuple[str, str]] = {}
    for slot in slots.values():
        person, failed = _person(run, slot.members[0][0])
        if person is not None:
            persons[id(slot)] = person
        else:
            run.done[id(slot)] = failed or Done(Status.SKIPPED, note="no person to consent")
    pending = [s for s in slots.values() if id(s) in persons]
    if not pending:
        return
    try:
        existing, individuals, rows = _read(api, pending, persons)
    except SalesforceApiError as exc:
        if exc.code in LACKING:
            objects.available = False
            _all(run, pending, Done(Status.SKIPPED, note=NO_OBJECTS))
        else:
            _all(run, pending, Done(Status.FAILED, failure=failure_from(exc)))
        return
    objects.available = True
    new = []
    for slot in pending:
        if slot.key in existing:
            run.done[id(slot)] = Done(Status.UNCHANGED, id=existing[slot.key])
        else:
            new.append(slot)
    try:
        _link_individuals(api, {persons[id(s)] for s in new}, individuals, rows)
        _create(api, run, new, persons, individuals)
    except SalesforceApiError as exc:
        _all(
            run,
            [s for s in new if id(s) not in run.done],
            Done(Status.FAILED, failure=failure_from(exc)),
        )


def _all(run: WriteRun, slots: Iterable[Slot], done: Done) -> None:
    for slot in slots:
        run.done[id(slot)] = done


def _created(api: OrgApi, records: list[dict[str, Any]]) -> list[RecordResult]:
    """``records`` inserted, 200 a call."""
    results: list[RecordResult] = []
    for at in range(0, len(records), MAX_COLLECTION):
        budget_gate(api)
        results += api.create(records[at : at + MAX_COLLECTION])
    return results


def _person(run: WriteRun, plan: int) -> tuple[tuple[str, str] | None, Done | None]:
    """(sObject, Id) of whom plan ``plan``'s Task hangs on, or the Task's failure."""
    for write, skip in run.applied[plan]:
        record = write.record
        if skip is not None or not isinstance(record, TaskRecord) or record.who is None:
            continue
        ref: Reference = record.who
        record_id = ref.id or (run.known.get(ref.key) if ref.key else None)
        if record_id is not None:
            return (ref.sobject, record_id), None
        task = run.slots.get((record.sobject, record.key))
        done = run.done.get(id(task)) if task is not None else None
        if done is not None and done.failure is not None:
            failure = RecordFailure(
                "PARENT_FAILED",
                f"its person was not written: {done.failure.message}",
                transient=done.failure.transient,
            )
            return None, Done(Status.FAILED, failure=failure)
    return None, None


def _read(
    api: OrgApi, slots: list[Slot], persons: Mapping[int, tuple[str, str]]
) -> tuple[dict[str, str], dict[tuple[str, str], str], dict[tuple[str, str], Mapping[str, Any]]]:
    """The consents there (Name → Id), the persons' Individuals and their rows."""
    by_type: dict[str, set[str]] = {}
    for sobject, record_id in persons.values():
        by_type.setdefault(sobject, set()).add(record_id)
    lookups = [
        Lookup(
            CONSENT,
            ("Id", "Name"),
            {"Name": tuple(s.key for s in slots)},
            exact=frozenset({"Name"}),
        )
    ]
    lookups += [
        Lookup(t, PERSON_FIELDS, {"Id": tuple(sorted(ids))}) for t, ids in sorted(by_type.items())
    ]
    budget_gate(api)
    found = api.find(lookups)
    for answer in found:
        if answer.error is not None:
            raise answer.error
    existing = {str(r["Name"]): str(r["Id"]) for r in found[0].rows}
    individuals: dict[tuple[str, str], str] = {}
    rows: dict[tuple[str, str], Mapping[str, Any]] = {}
    for (sobject, _), answer in zip(sorted(by_type.items()), found[1:], strict=True):
        for row in answer.rows:
            person = (sobject, str(row["Id"]))
            rows[person] = row
            if isinstance(row.get("IndividualId"), str):
                individuals[person] = str(row["IndividualId"])
    return existing, individuals, rows


def _link_individuals(
    api: OrgApi,
    people: set[tuple[str, str]],
    individuals: dict[tuple[str, str], str],
    rows: Mapping[tuple[str, str], Mapping[str, Any]],
) -> None:
    """Give each of ``people`` without one an Individual, linked from their IndividualId."""
    lacking = sorted(p for p in people if p not in individuals and p in rows)
    if not lacking:
        return
    made = _created(
        api,
        [
            {
                **attributes(INDIVIDUAL),
                "LastName": rows[p].get("LastName") or "[unknown]",
                "FirstName": rows[p].get("FirstName"),
            }
            for p in lacking
        ],
    )
    links: dict[str, list[tuple[tuple[str, str], dict[str, Any]]]] = {}
    for person, result in zip(lacking, made, strict=True):
        if result.success and result.id:
            individuals[person] = result.id
            sobject, record_id = person
            link = {**attributes(sobject), "Id": record_id, "IndividualId": result.id}
            links.setdefault(sobject, []).append((person, link))
    if not links:
        return
    linked = [item for _, items in sorted(links.items()) for item in items]
    calls = [
        CollectionCall(t, None, [link for _, link in items[at : at + MAX_COLLECTION]])
        for t, items in sorted(links.items())
        for at in range(0, len(items), MAX_COLLECTION)
    ]
    budget_gate(api)
    results: list[RecordResult] = []
    for answer in api.write(calls):
        if isinstance(answer, SalesforceApiError):
            raise answer
        results.extend(answer)
    # An Individual its person does not link to holds their name where erasure cannot find
    # it: delete it; the person's consents wait (NO_INDIVIDUAL, retried) for a new one.
    orphans = [
        individuals.pop(person)
        for (person, _), result in zip(linked, results, strict=True)
        if not result.success
    ]
    if orphans:
        api.delete(orphans)


def _create(
    api: OrgApi,
    run: WriteRun,
    slots: list[Slot],
    persons: Mapping[int, tuple[str, str]],
    individuals: Mapping[tuple[str, str], str],
) -> None:
    ready = [s for s in slots if persons[id(s)] in individuals]
    for slot in slots:
        if slot not in ready:
            failure = RecordFailure(
                "NO_INDIVIDUAL", "the person's Individual was not created", transient=True
            )
            run.done[id(slot)] = Done(Status.FAILED, failure=failure)
    if not ready:
        return
    records = [
        {**attributes(CONSENT), **s.record.api_fields(), "PartyId": individuals[persons[id(s)]]}
        for s in ready
    ]
    for slot, result in zip(ready, _created(api, records), strict=True):
        run.done[id(slot)] = _done(result)


def _done(result: RecordResult) -> Done:
    if result.success:
        return Done(Status.CREATED, id=result.id)
    error = result.error
    code, message = (error.code, error.message) if error else ("UNKNOWN", "no error given")
    transient = classify(code, message).retryable
    return Done(Status.FAILED, failure=RecordFailure(code, message, transient=transient))

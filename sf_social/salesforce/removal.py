"""Deleting the Lead of a lead form response its person deleted (``WriteMode.DELETE``).

The playbook's ``lead_forms.deleted_responses: delete`` plans it
(:func:`~sf_social.lead_form_plan.blank_form_leads`); only Leads we made are ever planned
(keyed ``leadform:``), so a Contact or a Lead of the org is never deleted. After every other
write of the batch (the response's Task blanked), one query asks which of those Leads carry
a Task the deleting plans did not write: an agent's call, another form's response. A Lead
with none is deleted (200 a call; its activities go with it to the Recycle Bin); one with
some is kept for that activity, blanked instead (the write's ``overrides``). A Lead already
gone is skipped. The log counts, never names.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from sf_social.errors import SalesforceApiError
from sf_social.plan import PlannedWrite, WriteMode
from sf_social.records import TaskRecord
from sf_social.salesforce.api import MAX_COLLECTION, Lookup, OrgApi
from sf_social.salesforce.batch import Slot, merge, update_payload
from sf_social.salesforce.codes import classify
from sf_social.salesforce.delivery import Delivery, Done, Item, budget_gate, failure_from
from sf_social.salesforce.results import RecordFailure, Status
from sf_social.salesforce.run import WriteRun

log = logging.getLogger(__name__)

POST_KEY = TaskRecord.key_field
GONE = "ENTITY_IS_DELETED"
TAG = "#delete"
"""Appended to a delete slot's sObject in ``WriteRun.slots`` (apart from its other writes)."""
KEPT = "other activity hangs on it: blanked, not deleted"


def delete_leads(
    api: OrgApi,
    delivery: Delivery,
    run: WriteRun,
    writes: Sequence[tuple[tuple[int, int], PlannedWrite]],
) -> set[str]:
    """Delete (or blank) the Leads of ``writes``; the keys of those deleted."""
    slots = merge(list(writes))
    for (sobject, key), slot in slots.items():
        run.slots[(sobject + TAG, key)] = slot
    ids: dict[int, str] = {}
    for slot in slots.values():
        record_id = run.known.get(slot.key)
        if record_id is None:
            run.done[id(slot)] = Done(Status.SKIPPED, note=f"no Lead {slot.key!r}: none to delete")
        else:
            ids[id(slot)] = record_id
    if not ids:
        return set()
    pending = [s for s in slots.values() if id(s) in ids]
    try:
        budget_gate(api)
        busy = _busy(api, run, sorted(set(ids.values())))
    except SalesforceApiError as exc:
        for slot in pending:
            run.done[id(slot)] = Done(Status.FAILED, failure=failure_from(exc))
        return set()
    kept = [s for s in pending if ids[id(s)] in busy]
    blanked = delivery.update([Item(s, update_payload(s, ids[id(s)])) for s in kept])
    for slot in kept:
        done = blanked[id(slot)]
        run.done[id(slot)] = Done(done.status, done.id, done.failure, done.note or KEPT)
    deleted = _delete(api, run, [s for s in pending if ids[id(s)] not in busy], ids)
    log.info(
        "lead form Leads of deleted responses: %d deleted, %d blanked (other activity)",
        len(deleted),
        len(kept),
    )
    return deleted


def _busy(api: OrgApi, run: WriteRun, lead_ids: list[str]) -> set[str]:
    """The Leads among ``lead_ids`` with a Task the deleting plans did not write."""
    ours = {
        write.key
        for writes in run.applied
        if any(w.mode is WriteMode.DELETE for w, _ in writes)
        for write, _ in writes
        if isinstance(write.record, TaskRecord)
    }
    [found] = api.find([Lookup("Task", ("Id", "WhoId", POST_KEY), {"WhoId": tuple(lead_ids)})])
    if found.error is not None:
        raise found.error
    return {
        str(row["WhoId"])
        for row in found.rows
        if isinstance(row.get("WhoId"), str) and row.get(POST_KEY) not in ours
    }


def _delete(api: OrgApi, run: WriteRun, slots: list[Slot], ids: dict[int, str]) -> set[str]:
    deleted: set[str] = set()
    for at in range(0, len(slots), MAX_COLLECTION):
        chunk = slots[at : at + MAX_COLLECTION]
        try:
            budget_gate(api)
            results = api.delete([ids[id(s)] for s in chunk])
        except SalesforceApiError as exc:
            for slot in chunk:
                run.done[id(slot)] = Done(Status.FAILED, failure=failure_from(exc))
            continue
        for slot, result in zip(chunk, results, strict=True):
            error = result.error
            if result.success or (error is not None and error.code == GONE):
                run.done[id(slot)] = Done(Status.DELETED, note="deleted (lead_forms policy)")
                run.known.pop(slot.key, None)
                deleted.add(slot.key)
            elif error is not None:
                transient = classify(error.code, error.message).retryable
                failure = RecordFailure(
                    error.code, error.message, error.fields, transient=transient
                )
                run.done[id(slot)] = Done(Status.FAILED, failure=failure)
    return deleted

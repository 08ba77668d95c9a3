"""Sending records and reading their results: chunks of 200, per-record retries, bulk.

Collections calls of a round go out together, five to a Composite call
(:meth:`~sf_social.salesforce.api.OrgApi.write`): updates and upserts of several sObjects,
up to 1,000 records, in one API call. Call-level retries (a 503, a timeout) happen inside
the adapter, one HTTP call at a time. Here, per record, by error code
(:mod:`~sf_social.salesforce.codes`):

- transient (``UNABLE_TO_LOCK_ROW``...): only the failed records are sent again, after an
  exponential backoff with jitter, up to ``RetryPolicy.attempts`` tries;
- ``DUPLICATE_VALUE`` on the external id: another writer inserted the key first — sent
  once more as an upsert of the sync-owned fields (the record exists now);
- daily limit: the budget pauses, the rest of the batch waits (transient failure);
- anything else: a permanent failure with code, message and fields; never retried.

A record Bulk API 2.0 would misread (a value of exactly ``#N/A`` means null there) goes by
REST even in a bulk-sized batch.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sf_social.errors import ApiBudgetPaused, SalesforceApiError
from sf_social.salesforce.api import MAX_COLLECTION, CollectionCall, OrgApi, RecordResult
from sf_social.salesforce.batch import Slot, sync_upsert_payload
from sf_social.salesforce.budget import ApiBudget
from sf_social.salesforce.bulk import carries
from sf_social.salesforce.codes import API_BUDGET_PAUSED, Disposition, classify
from sf_social.salesforce.results import RecordFailure, Status
from sf_social.salesforce.retry import RetryPolicy, backoff

log = logging.getLogger(__name__)
_EXISTING_ID = re.compile(r"record with id: ([a-zA-Z0-9]{15,18})\b")


class Stop(Exception):
    """Nothing more can be sent in this batch (budget paused, login refused)."""

    def __init__(self, failure: RecordFailure, reason: str) -> None:
        self.failure = failure
        self.reason = reason
        super().__init__(reason)


@dataclass
class Done:
    """The result of one slot."""

    status: Status
    id: str | None = None
    failure: RecordFailure | None = None
    note: str | None = None


@dataclass
class Item:
    """A slot on its way: the payload to send, and whether it already raced once."""

    slot: Slot
    payload: dict[str, Any]
    raced: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Batch:
    """Items of one sObject to upsert by their key field, or (``upsert`` False) update by Id.

    ``start`` is the attempt the first send counts as (2 after a bulk pass).
    """

    items: list[Item]
    upsert: bool
    start: int = 1

    @property
    def sobject(self) -> str:
        return self.items[0].slot.sobject

    @property
    def key_field(self) -> str:
        return self.items[0].slot.key_field


def budget_gate(api: OrgApi) -> None:
    """Raise ``Stop`` when writes must wait for the daily budget (re-reading it when due)."""
    budget: ApiBudget = api.budget
    if budget.paused and budget.needs_recheck():
        try:
            api.read_limits()
        except SalesforceApiError as exc:
            log.warning("could not re-read the org's limits: %s", exc)
    try:
        budget.check()
    except ApiBudgetPaused as exc:
        raise Stop(failure_for_pause(exc), str(exc)) from None


def failure_for_pause(exc: ApiBudgetPaused) -> RecordFailure:
    return RecordFailure(API_BUDGET_PAUSED, str(exc), transient=True, retry_after=exc.retry_after)


def failure_from(exc: SalesforceApiError) -> RecordFailure:
    """A call-level error as the failure of each record the call carried."""
    return RecordFailure(exc.code, exc.message, exc.fields, transient=exc.transient)


class Delivery:
    """Sends items of one sObject and turns every answer into a :class:`Done`."""

    def __init__(self, api: OrgApi, retry: RetryPolicy, allow_duplicates: bool) -> None:
        self.api = api
        self.retry = retry
        self.allow_duplicates = allow_duplicates

    def upsert(self, items: list[Item], bulk: bool) -> dict[int, Done]:
        """Upsert by external id (``bulk``: one Bulk API 2.0 pass first)."""
        if not items:
            return {}
        first = items[0].slot
        by_rest = [item for item in items if not bulk or not carries(item.payload)]
        done = self.send([Batch(by_rest, upsert=True)])
        items = [item for item in items if bulk and carries(item.payload)]
        if not items:
            return done
        budget_gate(self.api)
        try:
            results = self.api.bulk_upsert(
                first.sobject, first.key_field, [item.payload for item in items]
            )
        except SalesforceApiError as exc:
            return done | self._call_failed(items, exc)
        again = self._judge(items, results, done, upsert=True, last=False)
        done.update(self.send([Batch(again, upsert=True, start=2)]))
        return done

    def insert_first(
        self, items: list[Item]
    ) -> tuple[dict[int, Done], list[tuple[Item, str | None]], list[Item]]:
        """Bulk insert of records whose existence is unknown (their key field is unique).

        Returns (outcomes, the items whose key exists — with the existing Id when the error
        names it —, the items that failed transiently and whose existence is still unknown).
        """
        unsure = [item for item in items if not carries(item.payload)]  # found by key, REST
        items = [item for item in items if carries(item.payload)]
        if not items:
            return {}, [], unsure
        budget_gate(self.api)
        first = items[0].slot
        try:
            results = self.api.bulk_insert(
                first.sobject, first.key_field, [item.payload for item in items]
            )
        except SalesforceApiError as exc:
            return self._call_failed(items, exc), [], unsure
        done: dict[int, Done] = {}
        existing: list[tuple[Item, str | None]] = []
        for item, result in zip(items, results, strict=True):
            slot = item.slot
            if result.success:
                done[id(slot)] = Done(Status.CREATED, id=result.id)
                continue
            error = result.error
            assert error is not None
            disposition = classify(error.code, error.message)
            if disposition is Disposition.RACE and _on_key(error, slot):
                match = _EXISTING_ID.search(error.message)
                existing.append((item, match.group(1) if match else None))
            elif disposition is Disposition.DAILY_LIMIT:
                self.api.budget.exhausted(error.message)
                failure = RecordFailure(error.code, error.message, error.fields, transient=True)
                done[id(slot)] = Done(Status.FAILED, failure=failure)
            elif disposition is Disposition.PERMANENT or disposition is Disposition.RACE:
                failure = RecordFailure(error.code, error.message, error.fields)
                done[id(slot)] = Done(Status.FAILED, failure=failure)
            else:
                unsure.append(item)
        return done, existing, unsure

    def update(self, items: list[Item]) -> dict[int, Done]:
        """Update by Id (records known to exist, sync-owned fields only)."""
        return self.send([Batch(items, upsert=False)])

    def send(self, batches: Sequence[Batch]) -> dict[int, Done]:
        """Send ``batches`` by sObject Collections, in rounds: each round, every pending
        chunk of up to 200 records, packed into as few calls as the API allows; records to
        retry wait for one backoff and go in the next round."""
        done: dict[int, Done] = {}
        pending = [
            (batch, batch.items[at : at + MAX_COLLECTION], batch.start)
            for batch in batches
            for at in range(0, len(batch.items), MAX_COLLECTION)
        ]
        while pending:
            budget_gate(self.api)
            calls = [
                CollectionCall(
                    batch.sobject,
                    batch.key_field if batch.upsert else None,
                    [item.payload for item in chunk],
                    self.allow_duplicates,
                )
                for batch, chunk, _ in pending
            ]
            later: list[tuple[Batch, list[Item], int]] = []
            worst = Disposition.TRANSIENT
            for (batch, chunk, attempt), answer in zip(pending, self.api.write(calls), strict=True):
                if isinstance(answer, SalesforceApiError):
                    done.update(self._call_failed(chunk, answer))
                    continue
                last = attempt >= self.retry.attempts
                again = self._judge(chunk, answer, done, upsert=batch.upsert, last=last)
                if again:
                    later.append((batch, again, attempt + 1))
                    if self._worst(again, answer, chunk) is Disposition.CONCURRENCY:
                        worst = Disposition.CONCURRENCY
            if later:
                self.retry.sleep(backoff(self.retry, min(a for *_, a in later) - 1, worst))
            pending = later
        return done

    # -- internals -----------------------------------------------------------------------

    def _call_failed(self, items: Sequence[Item], exc: SalesforceApiError) -> dict[int, Done]:
        disposition = classify(exc.code, exc.message, exc.status)
        if disposition is Disposition.DAILY_LIMIT:
            self.api.budget.exhausted(exc.message)
            raise Stop(
                RecordFailure(exc.code, exc.message, transient=True),
                self.api.budget.pause_message(),
            )
        failure = failure_from(exc)
        return {id(item.slot): Done(Status.FAILED, failure=failure) for item in items}

    def _judge(
        self,
        items: Sequence[Item],
        results: Sequence[RecordResult],
        done: dict[int, Done],
        *,
        upsert: bool,
        last: bool,
    ) -> list[Item]:
        """Record final results in ``done``; return the items to send again."""
        again: list[Item] = []
        for item, result in zip(items, results, strict=True):
            slot = item.slot
            if result.success:
                if upsert and not item.raced:
                    status = Status.CREATED if result.created else Status.UPDATED
                else:
                    status = Status.UPDATED
                done[id(slot)] = Done(status, id=result.id)
                continue
            error = result.error
            assert error is not None
            disposition = classify(error.code, error.message)
            if (
                disposition is Disposition.RACE
                and upsert
                and not item.raced
                and _on_key(error, slot)
            ):
                log.info(
                    "%s %s: inserted by another writer meanwhile; updating it",
                    slot.sobject,
                    slot.key,
                )
                again.append(Item(slot, sync_upsert_payload(slot), raced=True))
                continue
            if disposition is Disposition.DAILY_LIMIT:
                self.api.budget.exhausted(error.message)
            transient = disposition in (
                Disposition.TRANSIENT,
                Disposition.CONCURRENCY,
                Disposition.DAILY_LIMIT,
                Disposition.SESSION,
            )
            if transient and not last and disposition is not Disposition.DAILY_LIMIT:
                again.append(item)
                continue
            done[id(slot)] = Done(
                Status.FAILED,
                failure=RecordFailure(error.code, error.message, error.fields, transient=transient),
            )
        return again

    @staticmethod
    def _worst(
        again: list[Item], results: Sequence[RecordResult], items: Sequence[Item]
    ) -> Disposition:
        waiting = {id(i.slot) for i in again}
        for item, result in zip(items, results, strict=True):
            error = result.error
            if (
                id(item.slot) in waiting
                and error is not None
                and classify(error.code, error.message) is Disposition.CONCURRENCY
            ):
                return Disposition.CONCURRENCY
        return Disposition.TRANSIENT


def _on_key(error: Any, slot: Slot) -> bool:
    """True when a DUPLICATE_VALUE is about the record's external id (not another field)."""
    fields: tuple[str, ...] = error.fields
    if fields:
        return slot.key_field in fields
    message: str = error.message
    return slot.key_field in message or "external" in message.lower() or "id:" not in message

"""An org in a dictionary, and the writer on top of it: fast engine tests, same logic.

:class:`InMemoryOrg` implements the :class:`~sf_social.salesforce.api.OrgApi` port the way
the REST adapter behaves — unique external ids, upsert by key, update by Id, ``Who``/``What``
resolved by the parent's key, a Task whose WhoId is a Lead refused a WhatId, five lookups
or collections writes per call, calls counted against a daily limit reported like
``Sforce-Limit-Info`` — and takes faults on demand (:meth:`InMemoryOrg.fail_record`,
:meth:`InMemoryOrg.fail_calls`). It checks no schema: the HTTP emulator
(:class:`~sf_social.testing.LocalOrg`) does that.

:class:`InMemoryWriter` is the real :class:`~sf_social.salesforce.writer.SalesforceWriter`
on an ``InMemoryOrg``: merging, identity, queues, retries and results are the same code.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sf_social.errors import SalesforceApiError
from sf_social.records import KEY_FIELDS
from sf_social.salesforce.api import (
    MAX_COLLECTION,
    MAX_COMPOSITE_HEAVY,
    CallAnswer,
    CollectionCall,
    ErrorDetail,
    Found,
    Lookup,
    RecordResult,
)
from sf_social.salesforce.budget import ApiBudget
from sf_social.salesforce.codes import Disposition, classify
from sf_social.salesforce.notify import CHUNK, Notification
from sf_social.salesforce.retry import RetryPolicy, retried
from sf_social.salesforce.writer import SalesforceWriter, WriterConfig

PREFIXES = {"Lead": "00Q", "Case": "500", "Task": "00T", "Contact": "003", "Group": "00G"}


@dataclass
class _Fault:
    code: str
    message: str
    times: int
    status: int | None = None


class InMemoryOrg:
    """Records by sObject and Id; see the module docstring."""

    def __init__(
        self,
        *,
        daily_limit: int = 100_000,
        used: int = 0,
        budget: ApiBudget | None = None,
        retry: RetryPolicy | None = None,
        org_id: str | None = "00D000000000001",
    ) -> None:
        self.org_id = org_id
        self.records: dict[str, dict[str, dict[str, Any]]] = {}
        self.notifications: list[Notification] = []
        """The custom notifications sent (``notify``)."""
        self.daily_limit = daily_limit
        self.used = used
        self.calls: list[str] = []
        self.lookups: list[Lookup] = []
        self._budget = budget if budget is not None else ApiBudget()
        self.retry = retry or RetryPolicy.instant()
        self._ids = itertools.count(1)
        self._record_faults: dict[str, _Fault] = {}
        self._call_faults: list[_Fault] = []

    def __repr__(self) -> str:
        counts = {s: len(r) for s, r in self.records.items()}
        return f"InMemoryOrg({counts}, api_calls={self.api_calls})"

    # -- set-up and inspection -----------------------------------------------------------

    def add(self, sobject: str, **fields: Any) -> str:
        """Put a record in the org (as an admin or an agent would); its Id."""
        record_id = self._new_id(sobject)
        self.records.setdefault(sobject, {})[record_id] = {"Id": record_id, **fields}
        return record_id

    def add_queue(self, developer_name: str) -> str:
        return self.add("Group", DeveloperName=developer_name, Type="Queue")

    def by_key(self, sobject: str, key: str) -> dict[str, Any] | None:
        """The record of ``sobject`` whose external id is ``key``."""
        key_field = KEY_FIELDS[sobject]
        return next(
            (r for r in self.records.get(sobject, {}).values() if r.get(key_field) == key), None
        )

    def fail_record(self, key: str, code: str, message: str = "", times: int = 1) -> None:
        """The next ``times`` writes of the record with this key fail with ``code``."""
        self._record_faults[key] = _Fault(code, message or f"injected {code}", times)

    def fail_calls(self, code: str, message: str = "", times: int = 1, status: int = 503) -> None:
        """The next ``times`` calls fail as a whole with ``code`` (after counting as calls)."""
        self._call_faults.append(_Fault(code, message or f"injected {code}", times, status))

    # -- OrgApi --------------------------------------------------------------------------

    @property
    def budget(self) -> ApiBudget:
        return self._budget

    @property
    def api_calls(self) -> int:
        return len(self.calls)

    def read_limits(self) -> None:
        self._call("limits")
        remaining = max(0, self.daily_limit - self.used)
        self._budget.observe_limits(
            {"DailyApiRequests": {"Max": self.daily_limit, "Remaining": remaining}}
        )

    def find(self, lookups: Sequence[Lookup]) -> list[Found]:
        live = [lookup for lookup in lookups if not lookup.empty]
        self.lookups.extend(live)
        for _ in range(0, len(live), 5):
            self._call("composite query")
        return [Found(rows=tuple(self._match(lookup))) for lookup in lookups]

    def upsert(
        self,
        sobject: str,
        key_field: str,
        records: Sequence[Mapping[str, Any]],
        *,
        allow_duplicates: bool = False,
    ) -> list[RecordResult]:
        self._check_size(records)
        self._call(f"upsert {sobject}")
        return self._upserted(sobject, key_field, records)

    def _upserted(
        self, sobject: str, key_field: str, records: Sequence[Mapping[str, Any]]
    ) -> list[RecordResult]:
        seen: set[str] = set()
        results = []
        for record in records:
            key = str(record.get(key_field, ""))
            if key in seen:
                results.append(_error("DUPLICATE_VALUE", f"duplicate value found: {key_field}"))
                continue
            seen.add(key)
            results.append(self._upsert_one(sobject, key_field, record))
        return results

    def update(
        self, sobject: str, records: Sequence[Mapping[str, Any]], *, allow_duplicates: bool = False
    ) -> list[RecordResult]:
        self._check_size(records)
        self._call(f"update {sobject}")
        return self._updated(sobject, records)

    def _updated(self, sobject: str, records: Sequence[Mapping[str, Any]]) -> list[RecordResult]:
        results = []
        for record in records:
            record_id = str(record.get("Id"))
            existing = self.records.get(sobject, {}).get(record_id)
            fault = self._fault_for(existing or record)
            if fault is not None:
                results.append(fault)
            elif existing is None:
                results.append(_error("ENTITY_IS_DELETED", "entity is deleted"))
            else:
                existing.update(_fields(record))
                results.append(RecordResult(success=True, id=record_id, created=False))
        return results

    def create(self, records: Sequence[Mapping[str, Any]]) -> list[RecordResult]:
        self._check_size(records)
        self._call("create")
        results = []
        for record in records:
            sobject = str(record.get("attributes", {}).get("type", ""))
            fault = self._fault_for(record)
            if fault is not None:
                results.append(fault)
            elif not sobject or "Id" in record:
                results.append(_error("INVALID_FIELD", "an insert names its type, never an Id"))
            else:
                results.append(RecordResult(success=True, id=self.add(sobject, **_fields(record))))
        return results

    def delete(self, ids: Sequence[str]) -> list[RecordResult]:
        self._check_size(ids)
        self._call("delete")
        results = []
        for record_id in ids:
            owner = next((o for o, rows in self.records.items() if record_id in rows), None)
            if owner is None:
                results.append(_error("ENTITY_IS_DELETED", "entity is deleted"))
            else:
                del self.records[owner][record_id]
                results.append(RecordResult(success=True, id=record_id))
        return results

    def notify(self, notifications: Sequence[Notification]) -> list[RecordResult]:
        """Keep ``notifications`` (one call per ``CHUNK``): a queue or user that exists
        gets its notification, another recipient fails."""
        results = []
        for start in range(0, len(notifications), CHUNK):
            self._call("notify")
            for notification in notifications[start : start + CHUNK]:
                recipient = notification.recipient_id
                if any(recipient in self.records.get(s, {}) for s in ("Group", "User")):
                    self.notifications.append(notification)
                    results.append(RecordResult(success=True))
                else:
                    results.append(_error("INVALID_API_INPUT", f"no recipient {recipient}"))
        return results

    def write(self, calls: Sequence[CollectionCall]) -> list[CallAnswer]:
        answers: list[CallAnswer] = []
        for at in range(0, len(calls), MAX_COMPOSITE_HEAVY):
            group = calls[at : at + MAX_COMPOSITE_HEAVY]
            for call in group:
                self._check_size(call.records)
            name = "composite write" if len(group) > 1 else _call_name(group[0])
            try:
                self._call(name)
            except SalesforceApiError as exc:
                answers.extend(exc for _ in group)
                continue
            for call in group:
                if call.key_field is None:
                    answers.append(self._updated(call.sobject, call.records))
                else:
                    answers.append(self._upserted(call.sobject, call.key_field, call.records))
        return answers

    def bulk_upsert(
        self, sobject: str, key_field: str, records: Sequence[Mapping[str, Any]]
    ) -> list[RecordResult]:
        for step in ("create", "upload", "close", "status", "results"):
            self._call(f"bulk {step} {sobject}")
        return [self._upsert_one(sobject, key_field, record) for record in records]

    def bulk_insert(
        self, sobject: str, key_field: str, records: Sequence[Mapping[str, Any]]
    ) -> list[RecordResult]:
        for step in ("create", "upload", "close", "status", "results"):
            self._call(f"bulk insert {step} {sobject}")
        results = []
        for record in records:
            existing = self.by_key(sobject, str(record.get(key_field)))
            if existing is not None:
                results.append(
                    _error(
                        "DUPLICATE_VALUE",
                        f"duplicate value found: {key_field} duplicates value on record with id:"
                        f" {existing['Id']}",
                    )
                )
            else:
                results.append(self._upsert_one(sobject, key_field, record))
        return results

    def unique_key(self, sobject: str, key_field: str) -> bool:
        return KEY_FIELDS.get(sobject) == key_field

    # -- internals -----------------------------------------------------------------------

    def _call(self, name: str) -> None:
        def once() -> None:
            self.calls.append(name)
            self.used += 1
            self._budget.observe_header(f"api-usage={self.used}/{self.daily_limit}")
            if self.used > self.daily_limit:
                raise SalesforceApiError(
                    name,
                    "REQUEST_LIMIT_EXCEEDED",
                    "TotalRequests Limit exceeded.",
                    status=403,
                    transient=True,
                )
            if self._call_faults:
                fault = self._call_faults[0]
                fault.times -= 1
                if fault.times <= 0:
                    self._call_faults.pop(0)
                disposition = classify(fault.code, fault.message, fault.status)
                raise SalesforceApiError(
                    name,
                    fault.code,
                    fault.message,
                    status=fault.status,
                    transient=disposition is not Disposition.PERMANENT,
                )

        retried(self.retry, once, name)

    def _upsert_one(self, sobject: str, key_field: str, record: Mapping[str, Any]) -> RecordResult:
        fault = self._fault_for(record)
        if fault is not None:
            return fault
        fields = _fields(record)
        for relationship in ("Who", "What"):
            ref = fields.pop(relationship, None)
            if isinstance(ref, dict):
                parent_type = str(ref.get("attributes", {}).get("type", ""))
                parent_key_field = next(k for k in ref if k != "attributes")
                parent = self.by_key(parent_type, str(ref[parent_key_field]))
                if parent is None:
                    return _error(
                        "INVALID_FIELD",
                        f"Foreign key external ID: {ref[parent_key_field]} not found for field"
                        f" {parent_key_field} in entity {parent_type}",
                    )
                fields[f"{relationship}Id"] = parent["Id"]
        existing = self.by_key(sobject, str(record[key_field]))
        merged = {**(existing or {}), **fields}
        who, what = str(merged.get("WhoId") or ""), merged.get("WhatId")
        if sobject == "Task" and who.startswith(PREFIXES["Lead"]) and what:
            return _error(
                "FIELD_INTEGRITY_EXCEPTION", "a Task whose WhoId is a Lead cannot have a WhatId"
            )
        if existing is not None:
            existing.update(fields)
            return RecordResult(success=True, id=existing["Id"], created=False)
        return RecordResult(success=True, id=self.add(sobject, **fields), created=True)

    def _fault_for(self, record: Mapping[str, Any]) -> RecordResult | None:
        for key in (v for v in record.values() if isinstance(v, str)):
            fault = self._record_faults.get(key)
            if fault is not None:
                fault.times -= 1
                if fault.times <= 0:
                    del self._record_faults[key]
                return _error(fault.code, fault.message)
        return None

    def _match(self, lookup: Lookup) -> list[dict[str, Any]]:
        rows = []

        def fold(name: str, value: str) -> str:
            return value if name in lookup.exact else value.casefold()

        wanted = {f: {fold(f, v) for v in values} for f, values in lookup.any_in.items()}
        for record in self.records.get(lookup.sobject, {}).values():
            if any(
                str(record.get(k, "")).casefold() != v.casefold() for k, v in lookup.where.items()
            ):
                continue
            if any(
                isinstance(record.get(f), str) and fold(f, record[f]) in values
                for f, values in wanted.items()
            ):
                rows.append({f: record.get(f) for f in ("Id", *lookup.fields)})
        return rows

    def _new_id(self, sobject: str) -> str:
        return f"{PREFIXES.get(sobject, 'a00')}{next(self._ids):012d}AAA"

    @staticmethod
    def _check_size(records: Sequence[object]) -> None:
        if not 0 < len(records) <= MAX_COLLECTION:
            raise ValueError(f"1 to {MAX_COLLECTION} records per call, not {len(records)}")


class InMemoryWriter(SalesforceWriter):
    """The writer on an :class:`InMemoryOrg` (``.org``), for fast engine tests."""

    def __init__(self, org: InMemoryOrg | None = None, config: WriterConfig | None = None) -> None:
        config = config or WriterConfig(retry=RetryPolicy.instant())
        self.org = org if org is not None else InMemoryOrg(retry=config.retry)
        super().__init__(self.org, config)


def _fields(record: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if k != "attributes"}


def _error(code: str, message: str) -> RecordResult:
    return RecordResult(success=False, errors=(ErrorDetail(code, message),))


def _call_name(call: CollectionCall) -> str:
    return f"{'update' if call.key_field is None else 'upsert'} {call.sobject}"

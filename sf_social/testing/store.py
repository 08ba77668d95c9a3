"""The org's records in memory: per object, by Id, with indexes on lookup fields.

The store applies no rules; ``sf_social.testing.writes`` validates before it calls
``put``. A journal lets an all-or-none call roll back what it already wrote.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sf_social.testing import values
from sf_social.testing.ids import IdFactory
from sf_social.testing.schema import FieldSpec, FieldType, ObjectSpec, OrgSchema
from sf_social.testing.standard import CASE_CLOSED_STATUSES, TASK_CLOSED_STATUSES

Record = dict[str, Any]


class Store:
    """Records of every object, keyed by Id, plus lazily built lookup indexes."""

    def __init__(
        self,
        schema: OrgSchema,
        ids: IdFactory,
        clock: Callable[[], datetime],
        api_version: str,
    ) -> None:
        self.schema = schema
        self.ids = ids
        self.clock = clock
        self.api_version = api_version
        """The version URLs are written with (the version of the call being answered)."""
        self.user_id = ""
        self._records: dict[str, dict[str, Record]] = {}
        self._index: dict[tuple[str, str], dict[str, set[str]]] = {}
        self._journal: list[tuple[str, str, Record | None]] | None = None
        self._case_numbers = itertools.count(1001)
        self._auto_numbers: dict[str, itertools.count[int]] = {}

    # -- reading -------------------------------------------------------------------

    def table(self, sobject: str) -> dict[str, Record]:
        """The records of ``sobject`` by Id (the canonical object name)."""
        return self._records.setdefault(sobject, {})

    def get(self, sobject: str, record_id: str) -> Record | None:
        """The record with this Id (15 or 18 characters), or None."""
        table = self.table(sobject)
        found = table.get(record_id)
        if found is None and len(record_id) == 15:
            found = next((r for i, r in table.items() if i[:15] == record_id), None)
        return found

    def find_by_id(self, record_id: str) -> tuple[str, Record] | None:
        """The object and record of an Id, whatever the object."""
        for sobject, table in self._records.items():
            if record_id in table:
                return sobject, table[record_id]
        return None

    def find(self, sobject: str, spec: FieldSpec, value: str) -> list[str]:
        """Ids of the records whose ``spec`` field equals ``value`` (as the index compares)."""
        if spec.type is FieldType.ID:
            record = self.get(sobject, value)
            return [record["Id"]] if record else []
        index = self._index_of(sobject, spec)
        return sorted(index.get(spec.normalize(value), set()))

    def _index_of(self, sobject: str, spec: FieldSpec) -> dict[str, set[str]]:
        key = (sobject, spec.name)
        index = self._index.get(key)
        if index is None:
            index = {}
            for record_id, record in self.table(sobject).items():
                value = record.get(spec.name)
                if isinstance(value, str):
                    index.setdefault(spec.normalize(value), set()).add(record_id)
            self._index[key] = index
        return index

    def url(self, sobject: str, record_id: str) -> str:
        """The record's REST URL (``/services/data/vXX.X/sobjects/Type/Id``)."""
        return f"/services/data/v{self.api_version}/sobjects/{sobject}/{record_id}"

    def render(self, obj: ObjectSpec, record: Record, names: list[str] | None = None) -> Record:
        """The record as the REST API returns it: attributes, then each field."""
        out: Record = {"attributes": {"type": obj.name, "url": self.url(obj.name, record["Id"])}}
        for name in names or [f.name for f in obj.all_fields()]:
            out[name] = values.write(record.get(name))
        return out

    # -- writing -------------------------------------------------------------------

    def put(self, obj: ObjectSpec, record: Record, previous: Record | None) -> None:
        """Store ``record`` (derived and system fields filled in), keeping indexes right."""
        now = self.clock()
        if previous is None:
            record.setdefault("Id", self.ids.new(obj.name))
            record.setdefault("CreatedDate", now)
            record.setdefault("CreatedById", self.user_id)
            record.setdefault("IsDeleted", False)
            if obj.name == "Case" and not record.get("CaseNumber"):
                record["CaseNumber"] = f"{next(self._case_numbers):08d}"
            if obj.name_format is not None and not record.get("Name"):
                counter = self._auto_numbers.setdefault(obj.name, itertools.count(1))
                record["Name"] = auto_number(obj.name_format, next(counter))
        record["LastModifiedDate"] = now
        record["SystemModstamp"] = now
        record["LastModifiedById"] = self.user_id
        _derive(obj.name, record, previous, now)
        self._set(obj.name, record["Id"], record, previous)

    def delete(self, sobject: str, record_id: str) -> None:
        """Remove a record."""
        previous = self.table(sobject).get(record_id)
        if previous is not None:
            self._set(sobject, record_id, None, previous)

    def _set(self, sobject: str, record_id: str, record: Record | None, old: Record | None) -> None:
        if self._journal is not None:
            self._journal.append((sobject, record_id, None if old is None else dict(old)))
        table = self.table(sobject)
        for (indexed_object, name), index in self._index.items():
            if indexed_object != sobject:
                continue
            spec = self.schema.object(sobject)
            field = spec.field(name) if spec else None
            normalize = field.normalize if field else str.casefold
            before = old.get(name) if old else None
            after = record.get(name) if record else None
            if isinstance(before, str):
                index.get(normalize(before), set()).discard(record_id)
            if isinstance(after, str):
                index.setdefault(normalize(after), set()).add(record_id)
        if record is None:
            table.pop(record_id, None)
        else:
            table[record_id] = record

    @contextmanager
    def journal(self) -> Iterator[Callable[[], None]]:
        """Record changes; the yielded function undoes every change made so far."""
        outer = self._journal
        self._journal = []
        entries = self._journal

        def rollback() -> None:
            self._journal = None
            for sobject, record_id, old in reversed(entries):
                current = self.table(sobject).get(record_id)
                self._set(sobject, record_id, old, current)
            entries.clear()
            self._journal = entries

        try:
            yield rollback
        finally:
            self._journal = outer
            if outer is not None:
                outer.extend(entries)


def _derive(sobject: str, record: Record, previous: Record | None, now: datetime) -> None:
    if sobject in ("Lead", "Contact", "User"):
        parts = [record.get("FirstName"), record.get("LastName")]
        record["Name"] = " ".join(p for p in parts if p) or None
    if sobject == "Case":
        closed = record.get("Status") in CASE_CLOSED_STATUSES
        was_closed = bool(previous and previous.get("IsClosed"))
        given = record.get("ClosedDate")
        explicit = given is not None and given != (previous or {}).get("ClosedDate")
        record["IsClosed"] = closed
        if closed and not explicit and not (was_closed and given):
            record["ClosedDate"] = now
        elif not closed:
            record["ClosedDate"] = None
    if sobject == "Task":
        closed = record.get("Status") in TASK_CLOSED_STATUSES
        record["IsClosed"] = closed
        if closed and not record.get("CompletedDateTime"):
            record["CompletedDateTime"] = now
        elif not closed:
            record["CompletedDateTime"] = None


def auto_number(display_format: str, n: int) -> str:
    """An AutoNumber name: ``SR-{000000}`` and 42 give ``SR-000042``."""
    return re.sub(r"\{(0+)\}", lambda m: f"{n:0{len(m[1])}d}", display_format, count=1)

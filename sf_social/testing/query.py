"""Running a parsed SOQL query against the store; answers in the REST ``query`` shape.

Text comparisons ignore case, as in Salesforce, except on case-sensitive fields; Id
comparisons accept 15- or 18-character Ids. A query returns
``{"totalSize", "done", "records"}``; more than ``batch_size`` rows are paged with
``nextRecordsUrl``.
"""

from __future__ import annotations

import operator
import re
import threading
from collections.abc import Callable
from datetime import UTC, date, datetime
from itertools import repeat
from typing import Any

from sf_social.testing import ids
from sf_social.testing.replies import ApiFault
from sf_social.testing.schema import TEXT_TYPES, FieldSpec, FieldType, ObjectSpec
from sf_social.testing.soql import Comparison, Literal, Logical, Query, error, parse
from sf_social.testing.store import Record, Store

Getter = Callable[[Record], Any]
Predicate = Callable[[Record], bool]
_NUMERIC = (FieldType.DOUBLE, FieldType.INT)


class QueryEngine:
    """Runs queries and keeps the cursors of answers too long for one page."""

    def __init__(self, store: Store, batch_size: int = 2000) -> None:
        self.store = store
        self.batch_size = batch_size
        self._cursors: dict[str, list[dict[str, Any]]] = {}
        self._lock = threading.Lock()

    def run(self, text: str) -> dict[str, Any]:
        """The first page of the answer to ``text``."""
        query = parse(text)
        obj = self.store.schema.object(query.sobject)
        if obj is None:
            raise error(
                text,
                query.sobject_pos,
                "INVALID_TYPE",
                f"sObject type '{query.sobject}' is not supported. If you are attempting to use"
                " a custom object, be sure to append the '__c' after the entity name. Please"
                " reference your WSDL or the describe call for the appropriate names.",
            )
        compiler = _Compiler(self.store, obj, text)
        getters = [(name, compiler.getter(name, pos)) for name, pos in query.fields]
        seen: set[str] = set()
        for name, pos in query.fields:
            if name.lower() in seen:
                raise error(text, pos, "MALFORMED_QUERY", f"duplicate field selected: {name}")
            seen.add(name.lower())
        predicate = compiler.condition(query.where) if query.where else None
        rows = [r for r in self.store.table(obj.name).values() if predicate is None or predicate(r)]
        rows = self._sort(compiler, query, rows)
        rows = rows[query.offset or 0 :]
        if query.limit is not None:
            rows = rows[: query.limit]
        if query.count:
            return {"totalSize": len(rows), "done": True, "records": []}
        records = [self._render(compiler, obj, row, getters) for row in rows]
        return self._page(records, len(records))

    def more(self, locator: str) -> dict[str, Any]:
        """The next page of an earlier answer (``/query/<locator>``)."""
        with self._lock:
            rest = self._cursors.pop(locator, None)
        if rest is None:
            raise ApiFault(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
        total = int(locator.rsplit("-", 1)[1]) + len(rest)
        return self._page(rest, total)

    def _page(self, records: list[dict[str, Any]], total: int) -> dict[str, Any]:
        page, rest = records[: self.batch_size], records[self.batch_size :]
        answer: dict[str, Any] = {"totalSize": total, "done": not rest, "records": page}
        if rest:
            offset = total - len(rest)
            locator = f"{self.store.ids.new('QueryLocator')}-{offset}"
            with self._lock:
                self._cursors[locator] = rest
            answer["nextRecordsUrl"] = f"/services/data/v{self.store.api_version}/query/{locator}"
        return answer

    def _sort(self, compiler: _Compiler, query: Query, rows: list[Record]) -> list[Record]:
        for term in reversed(query.order):
            getter = compiler.getter(term.field, term.pos)
            nulls_last = term.nulls_last if term.nulls_last is not None else term.descending
            present = [r for r in rows if getter(r) is not None]
            absent = [r for r in rows if getter(r) is None]
            present.sort(key=_sort_key(getter), reverse=term.descending)
            rows = present + absent if nulls_last else absent + present
        return rows

    def _render(
        self,
        compiler: _Compiler,
        obj: ObjectSpec,
        row: Record,
        getters: list[tuple[str, Getter]],
    ) -> dict[str, Any]:
        out: dict[str, Any] = {
            "attributes": {"type": obj.name, "url": self.store.url(obj.name, row["Id"])}
        }
        for name, getter in getters:
            if "." in name:
                compiler.render_parent(out, name, row)
            else:
                spec = obj.field(name)
                assert spec is not None
                out[spec.name] = _json(getter(row))
        return out


def _sort_key(getter: Getter) -> Callable[[Record], Any]:
    def key(record: Record) -> Any:
        value = getter(record)
        return value.casefold() if isinstance(value, str) else value

    return key


def _json(value: object) -> Any:
    from sf_social.testing.values import write

    return write(value)


class _Compiler:
    """Turns field paths and conditions into functions of a record."""

    def __init__(self, store: Store, obj: ObjectSpec, text: str) -> None:
        self.store = store
        self.obj = obj
        self.text = text

    def spec(self, name: str, pos: int) -> tuple[FieldSpec, FieldSpec | None]:
        """The field of a path: ``(field, None)`` or ``(parent field, reference field)``."""
        head, _, tail = name.partition(".")
        if not tail:
            spec = self.obj.field(name)
            if spec is None:
                raise self._no_column(name, pos, self.obj.name)
            return spec, None
        reference = self.obj.by_relationship(head)
        if reference is None or "." in tail:
            raise self._no_column(name, pos, self.obj.name)
        targets = [self.store.schema.object(t) for t in reference.reference_to]
        found = next((t.field(tail) for t in targets if t and t.field(tail)), None)
        if found is None:
            raise self._no_column(name, pos, self.obj.name)
        return found, reference

    def _no_column(self, name: str, pos: int, sobject: str) -> ApiFault:
        return error(
            self.text,
            pos,
            "INVALID_FIELD",
            f"No such column '{name}' on entity '{sobject}'. If you are attempting to use a"
            " custom field, be sure to append the '__c' after the custom field name. Please"
            " reference your WSDL or the describe call for the appropriate names.",
        )

    def getter(self, name: str, pos: int) -> Getter:
        spec, reference = self.spec(name, pos)
        if reference is None:
            return lambda r: r.get(spec.name)
        store = self.store

        def parent_value(record: Record) -> Any:
            parent_id = record.get(reference.name)
            found = store.find_by_id(parent_id) if isinstance(parent_id, str) else None
            return found[1].get(spec.name) if found else None

        return parent_value

    def render_parent(self, out: dict[str, Any], name: str, row: Record) -> None:
        spec, reference = self.spec(name, 0)
        assert reference is not None and reference.relationship is not None
        parent_id = row.get(reference.name)
        found = self.store.find_by_id(parent_id) if isinstance(parent_id, str) else None
        if found is None:
            out[reference.relationship] = None
            return
        sobject, parent = found
        nested = out.get(reference.relationship)
        if not isinstance(nested, dict):
            nested = {"attributes": {"type": sobject, "url": self.store.url(sobject, parent["Id"])}}
            out[reference.relationship] = nested
        nested[spec.name] = _json(parent.get(spec.name))

    def condition(self, condition: Comparison | Logical) -> Predicate:
        if isinstance(condition, Logical):
            parts = [self.condition(p) for p in condition.parts]
            if condition.op == "NOT":
                return lambda r: not parts[0](r)
            if condition.op == "AND":
                return lambda r: all(p(r) for p in parts)
            return lambda r: any(p(r) for p in parts)
        return self.comparison(condition)

    def comparison(self, c: Comparison) -> Predicate:
        spec, _ = self.spec(c.field, c.field_pos)
        get = self.getter(c.field, c.field_pos)
        if c.op in ("LIKE", "NOT LIKE"):
            if spec.type not in TEXT_TYPES and spec.type is not FieldType.ID:
                raise error(
                    self.text,
                    c.field_pos,
                    "INVALID_FIELD",
                    f"invalid operator on field: {c.field}",
                )
            pattern = _like(c.values[0])
            negate = c.op == "NOT LIKE"
            return lambda r: (
                negate != (isinstance(v := get(r), str) and pattern.fullmatch(v) is not None)
            )
        wanted = [self.literal(spec, c.field, v) for v in c.values]
        normal = _normalizer(spec)
        if c.op in ("INCLUDES", "EXCLUDES"):
            sets = [{p.casefold() for p in str(w).split(";")} for w in wanted if w is not None]
            has = c.op == "INCLUDES"

            def includes(r: Record) -> bool:
                chosen = {p.casefold() for p in str(get(r) or "").split(";") if p}
                return has == any(s <= chosen for s in sets)

            return includes
        keys = [normal(w) for w in wanted]
        if c.op in ("IN", "NOT IN", "=", "!=", "<>"):
            inside = c.op in ("IN", "=")
            members = set(keys)
            return lambda r: inside == (normal(get(r)) in members)
        key = keys[0]
        compare: Callable[[Any, Any], bool] = {
            "<": operator.lt,
            "<=": operator.le,
            ">": operator.gt,
            ">=": operator.ge,
        }[c.op]
        return lambda r: (v := normal(get(r))) is not None and key is not None and compare(v, key)

    def literal(self, spec: FieldSpec, name: str, literal: Literal) -> object:
        """A literal as a value of the field's type (INVALID_FIELD if it cannot be)."""
        if literal.kind == "null":
            return None
        kind = spec.type
        expected = {
            FieldType.BOOLEAN: ("boolean",),
            FieldType.DOUBLE: ("number",),
            FieldType.INT: ("number",),
            FieldType.DATE: ("date",),
            FieldType.DATETIME: ("datetime", "date"),
        }.get(kind, ("string",))
        if literal.kind not in expected:
            raise error(
                self.text,
                literal.pos,
                "INVALID_FIELD",
                f"value of filter criterion for field '{name}' must be of type {kind.value}"
                " and should not be enclosed in quotes"
                if literal.kind == "string"
                else f"value of filter criterion for field '{name}' must be of type {kind.value}",
            )
        value = literal.value
        if kind in (FieldType.ID, FieldType.REFERENCE):
            text = str(value)
            if not ids.is_well_formed(text):
                raise error(
                    self.text,
                    literal.pos,
                    "INVALID_QUERY_FILTER_OPERATOR",
                    f"invalid ID field: {text}",
                )
        if (
            kind is FieldType.DATETIME
            and isinstance(value, date)
            and not isinstance(value, datetime)
        ):
            value = datetime(value.year, value.month, value.day, tzinfo=UTC)
        return value


def _normalizer(spec: FieldSpec) -> Callable[[object], object]:
    if spec.type in (FieldType.ID, FieldType.REFERENCE):
        return lambda v: v[:15] if isinstance(v, str) else v
    if spec.type in _NUMERIC:
        return lambda v: float(v) if isinstance(v, int | float) else v
    if spec.type is FieldType.DATETIME:
        return lambda v: v.astimezone(UTC) if isinstance(v, datetime) else v
    if spec.case_sensitive:
        return lambda v: v
    return lambda v: v.casefold() if isinstance(v, str) else v


def _like(literal: Literal) -> re.Pattern[str]:
    regex = ""
    for char, escaped in literal.chars or zip(str(literal.value), repeat(False)):
        if char == "%" and not escaped:
            regex += ".*"
        elif char == "_" and not escaped:
            regex += "."
        else:
            regex += re.escape(char)
    return re.compile(regex, re.IGNORECASE | re.DOTALL)

"""The real org behind the :class:`~sf_social.salesforce.api.OrgApi` port.

- Lookups are rendered to SOQL by :mod:`~sf_social.salesforce.soql` (every literal
  escaped) and sent five at a time inside one ``POST /composite`` (one API call; Composite
  allows 25 subrequests of which at most 5 queries), or as plain ``GET /query`` calls when
  ``composite_queries`` is off. Long ``IN`` lists are split to the SOQL length limit.
- Writes go through sObject Collections: ``PATCH /composite/sobjects/{SObject}/{KeyField}``
  (upsert by external id) and ``PATCH /composite/sobjects`` (update by Id), up to 200
  records, ``allOrNone`` false; the answer must hold exactly one result per record.
- More than a few thousand records go through Bulk API 2.0 (:mod:`~sf_social.salesforce.bulk`).

Each HTTP call is retried on its own when it fails transiently (the
:class:`~sf_social.salesforce.retry.RetryPolicy`); per-record failures are the writer's.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sf_social.errors import MalformedResponseError, SalesforceApiError
from sf_social.salesforce import soql
from sf_social.salesforce.api import MAX_COLLECTION, ErrorDetail, Found, Lookup, RecordResult
from sf_social.salesforce.budget import ApiBudget
from sf_social.salesforce.bulk import BulkIngest, BulkPolicy
from sf_social.salesforce.codes import classify, http_code
from sf_social.salesforce.connection import Connection, query_page
from sf_social.salesforce.retry import RetryPolicy

log = logging.getLogger(__name__)

DUPLICATE_RULE_HEADER = "Sforce-Duplicate-Rule-Header"
MAX_COMPOSITE_QUERIES = 5


@dataclass(frozen=True)
class RestOptions:
    """How lookups are sent (tests and odd orgs may want plain GET queries)."""

    composite_queries: bool = True
    max_soql_chars: int = soql.MAX_SOQL_CHARS
    max_get_query_bytes: int = soql.MAX_GET_QUERY_BYTES
    max_values: int = 10_000
    """Values per IN list: our lookups match few rows, and more than 2,000 just page."""


class RestOrgApi:
    """sObject Collections, Composite queries and Bulk API 2.0 over one ``Connection``."""

    def __init__(
        self,
        connection: Connection,
        *,
        retry: RetryPolicy | None = None,
        bulk: BulkPolicy | None = None,
        options: RestOptions | None = None,
    ) -> None:
        self.connection = connection
        self.retry = retry or RetryPolicy()
        self.options = options or RestOptions()
        self._bulk = BulkIngest(connection, retry=self.retry, policy=bulk or BulkPolicy())
        self._unique: dict[tuple[str, str], bool] = {}

    def __repr__(self) -> str:
        return f"RestOrgApi({self.connection!r})"

    @property
    def budget(self) -> ApiBudget:
        return self.connection.budget

    @property
    def api_calls(self) -> int:
        return self.connection.api_calls

    @property
    def org_id(self) -> str | None:
        return self.connection.org_id

    def read_limits(self) -> None:
        self.retry.call(self.connection.read_limits, "limits")

    # -- lookups -------------------------------------------------------------------------

    def find(self, lookups: Sequence[Lookup]) -> list[Found]:
        statements: list[tuple[int, str]] = []
        errors: dict[int, SalesforceApiError] = {}
        for index, lookup in enumerate(lookups):
            if lookup.empty:
                continue
            try:
                texts = self._render(lookup)
                for text in texts:
                    text.encode("utf-8")  # a lone surrogate can be in no request
            except ValueError as exc:  # a value no query can carry refuses its lookup only
                errors[index] = SalesforceApiError(
                    "query", "INVALID_QUERY_VALUE", str(exc)[:500], transient=False
                )
                continue
            for text in texts:
                statements.append((index, text))
        rows: list[dict[str, dict[str, Any]]] = [{} for _ in lookups]
        if self.options.composite_queries:
            self._find_composite(statements, rows, errors)
        else:
            for index, text in statements:
                try:
                    found = self._query(text)
                except SalesforceApiError as exc:
                    if exc.transient:
                        raise
                    errors.setdefault(index, exc)
                    continue
                _collect(rows[index], found)
        return [
            Found(error=errors[i]) if i in errors else Found(rows=tuple(rows[i].values()))
            for i in range(len(lookups))
        ]

    def _query(self, text: str) -> list[dict[str, Any]]:
        return self.retry.call(lambda: self.connection.query(text), "query")

    def _render(self, lookup: Lookup) -> list[str]:
        fields = tuple(dict.fromkeys(("Id", *lookup.fields)))
        if self.options.composite_queries:
            return soql.select_in(
                lookup.sobject,
                fields,
                lookup.any_in,
                where=lookup.where,
                max_length=self.options.max_soql_chars,
                max_values=self.options.max_values,
                exact=lookup.exact,
            )
        return soql.select_in(
            lookup.sobject,
            fields,
            lookup.any_in,
            where=lookup.where,
            max_length=self.options.max_get_query_bytes,
            max_values=self.options.max_values,
            measure=soql.measure_get,
            exact=lookup.exact,
        )

    def _find_composite(
        self,
        statements: list[tuple[int, str]],
        rows: list[dict[str, dict[str, Any]]],
        errors: dict[int, SalesforceApiError],
    ) -> None:
        pending = [(index, self.connection.query_url(text)) for index, text in statements]
        while pending:
            group, pending = pending[:MAX_COMPOSITE_QUERIES], pending[MAX_COMPOSITE_QUERIES:]
            subrequests = [
                {"method": "GET", "url": url, "referenceId": f"q{n}"}
                for n, (_, url) in enumerate(group)
            ]
            answers = self._composite(subrequests)
            for (index, _), answer in zip(group, answers, strict=True):
                status = answer["httpStatusCode"]
                if status >= 300:
                    errors.setdefault(index, _sub_error(answer.get("body"), status))
                    continue
                found, done, next_url = query_page(answer.get("body"), "composite query")
                _collect(rows[index], found)
                if not done and next_url:
                    pending.append((index, next_url))

    def _composite(self, subrequests: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return self.retry.call(lambda: self.connection.composite(subrequests), "composite query")

    # -- writes --------------------------------------------------------------------------

    def upsert(
        self,
        sobject: str,
        key_field: str,
        records: Sequence[Mapping[str, Any]],
        *,
        allow_duplicates: bool = False,
    ) -> list[RecordResult]:
        path = f"composite/sobjects/{soql.identifier(sobject)}/{soql.identifier(key_field)}"
        return self._collection(f"upsert {sobject}", path, records, allow_duplicates)

    def update(
        self, sobject: str, records: Sequence[Mapping[str, Any]], *, allow_duplicates: bool = False
    ) -> list[RecordResult]:
        return self._collection(
            f"update {sobject}", "composite/sobjects", records, allow_duplicates
        )

    def bulk_upsert(
        self, sobject: str, key_field: str, records: Sequence[Mapping[str, Any]]
    ) -> list[RecordResult]:
        return self._bulk.upsert(sobject, key_field, records)

    def bulk_insert(
        self, sobject: str, key_field: str, records: Sequence[Mapping[str, Any]]
    ) -> list[RecordResult]:
        return self._bulk.insert(sobject, key_field, records)

    def unique_key(self, sobject: str, key_field: str) -> bool:
        """From ``describe`` (one call per sObject, remembered); False when unsure."""
        at = (sobject, key_field)
        if at not in self._unique:
            path = f"sobjects/{soql.identifier(sobject)}/describe/"
            try:
                described = self.retry.call(
                    lambda: self.connection.json("GET", path, call=f"describe {sobject}"),
                    f"describe {sobject}",
                )
            except SalesforceApiError as exc:
                log.warning("cannot describe %s (%s): no insert-first bulk for it", sobject, exc)
                return False
            fields = described.get("fields") if isinstance(described, dict) else None
            spec = next(
                (f for f in fields or () if isinstance(f, dict) and f.get("name") == key_field),
                {},
            )
            self._unique[at] = spec.get("unique") is True and spec.get("externalId") is True
        return self._unique[at]

    def _collection(
        self, call: str, path: str, records: Sequence[Mapping[str, Any]], allow_duplicates: bool
    ) -> list[RecordResult]:
        if not 0 < len(records) <= MAX_COLLECTION:
            raise ValueError(f"{call}: 1 to {MAX_COLLECTION} records per call, not {len(records)}")
        headers = {DUPLICATE_RULE_HEADER: "allowSave=true"} if allow_duplicates else None
        body = {"allOrNone": False, "records": list(records)}

        def send() -> list[RecordResult]:
            answer = self.connection.json("PATCH", path, call=call, json=body, headers=headers)
            return parse_results(answer, len(records), call)

        return self.retry.call(send, call)


def parse_results(answer: Any, expected: int, call: str) -> list[RecordResult]:
    """The per-record results of a collections call; ``MalformedResponseError`` if unusable."""
    if not isinstance(answer, list) or len(answer) != expected:
        got = f"a list of {len(answer)}" if isinstance(answer, list) else type(answer).__name__
        raise MalformedResponseError(call, f"expected {expected} results, got {got}")
    results: list[RecordResult] = []
    for item in answer:
        if not isinstance(item, dict) or not isinstance(item.get("success"), bool):
            raise MalformedResponseError(call, f"unreadable result {item!r:.200}")
        errors = tuple(
            ErrorDetail(
                code=str(e.get("statusCode", "UNKNOWN")),
                message=str(e.get("message", "")),
                fields=tuple(str(f) for f in e.get("fields") or ()),
            )
            for e in item.get("errors") or ()
            if isinstance(e, dict)
        )
        if not item["success"] and not errors:
            errors = (ErrorDetail("UNKNOWN", "the record failed without an error"),)
        record_id = item.get("id")
        created = item.get("created")
        results.append(
            RecordResult(
                success=item["success"],
                id=record_id if isinstance(record_id, str) else None,
                created=created if isinstance(created, bool) else None,
                errors=errors,
            )
        )
    return results


def _sub_error(body: Any, status: int) -> SalesforceApiError:
    code, message = http_code(status), ""
    if isinstance(body, list) and body and isinstance(body[0], dict):
        code = str(body[0].get("errorCode", code))
        message = str(body[0].get("message", ""))
    disposition = classify(code, message, status)
    return SalesforceApiError(
        "query", code, message, status=status, transient=disposition.retryable
    )


def _collect(into: dict[str, dict[str, Any]], rows: Sequence[Mapping[str, Any]]) -> None:
    for row in rows:
        clean = {k: v for k, v in row.items() if k != "attributes"}
        into[str(clean.get("Id", len(into)))] = clean

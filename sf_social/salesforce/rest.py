"""The real org behind the :class:`~sf_social.salesforce.api.OrgApi` port.

- Lookups are rendered to SOQL by :mod:`~sf_social.salesforce.soql` (every literal
  escaped) and sent five at a time inside one ``POST /composite`` (one API call; Composite
  allows 25 subrequests of which at most 5 queries or sObject Collections operations), or
  as plain ``GET /query`` calls when ``composite_queries`` is off. Long ``IN`` lists are
  split to the SOQL length limit.
- Writes go through sObject Collections: ``PATCH /composite/sobjects/{SObject}/{KeyField}``
  (upsert by external id) and ``PATCH /composite/sobjects`` (update by Id), up to 200
  records, ``allOrNone`` false; the answer must hold exactly one result per record.
  ``write`` packs up to five of them into one ``POST /composite``: up to 1,000 records
  in one API call.
- More than a few thousand records go through Bulk API 2.0 (:mod:`~sf_social.salesforce.bulk`).

Each HTTP call is retried on its own when it fails transiently (the
:func:`~sf_social.salesforce.retry.retried`); per-record failures are the writer's.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sf_social.errors import MalformedResponseError, SalesforceApiError
from sf_social.salesforce import soql
from sf_social.salesforce.api import (
    MAX_COLLECTION,
    MAX_COMPOSITE_HEAVY,
    RECORD_ID,
    CallAnswer,
    CollectionCall,
    ErrorDetail,
    Found,
    Lookup,
    RecordResult,
)
from sf_social.salesforce.budget import ApiBudget
from sf_social.salesforce.bulk import BulkIngest, BulkPolicy
from sf_social.salesforce.bulk_query import BulkQuery
from sf_social.salesforce.codes import classify, http_code
from sf_social.salesforce.connection import Connection, query_page
from sf_social.salesforce.notify import Notification, RestNotifications
from sf_social.salesforce.retry import RetryPolicy, retried
from sf_social.salesforce.selection import Selection

log = logging.getLogger(__name__)

DUPLICATE_RULE_HEADER = "Sforce-Duplicate-Rule-Header"


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
        self._bulk_query = BulkQuery(connection, retry=self.retry, policy=bulk or BulkPolicy())
        self._notifications = RestNotifications(connection, retry=self.retry)
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
        retried(self.retry, self.connection.read_limits, "limits")

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

    def notify(self, notifications: Sequence[Notification]) -> list[RecordResult]:
        """Custom notifications (``Notifier``): one result each, in order."""
        return self._notifications.notify(notifications)

    # -- reading selections (RecordReader) -------------------------------------------------

    def count(self, selection: Selection) -> int:
        """How many records ``selection`` holds (one query call)."""
        text = selection.soql(count=True)
        page = retried(
            self.retry,
            lambda: self.connection.json("GET", "query/", call="count", params={"q": text}),
            "count",
        )
        total = page.get("totalSize") if isinstance(page, dict) else None
        if not isinstance(total, int):
            raise MalformedResponseError("count", f"no totalSize in {page!r:.200}")
        return total

    def select(self, selection: Selection, *, bulk: bool = False) -> Iterator[dict[str, Any]]:
        """The records of ``selection``: query API pages, or one Bulk API 2.0 query job."""
        if bulk:
            yield from self._bulk_query.rows(selection.soql())
            return
        for row in self._query(selection.soql()):
            row.pop("attributes", None)
            yield row

    def _query(self, text: str) -> list[dict[str, Any]]:
        return retried(self.retry, lambda: self.connection.query(text), "query")

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
            group, pending = pending[:MAX_COMPOSITE_HEAVY], pending[MAX_COMPOSITE_HEAVY:]
            subrequests = [
                {"method": "GET", "url": url, "referenceId": f"q{n}"}
                for n, (_, url) in enumerate(group)
            ]
            answers = self._composite(subrequests)
            for (index, _), answer in zip(group, answers, strict=True):
                status = answer["httpStatusCode"]
                if status >= 300:
                    errors.setdefault(index, _sub_error("query", answer.get("body"), status))
                    continue
                found, done, next_url = query_page(answer.get("body"), "composite query")
                _collect(rows[index], found)
                if not done and next_url:
                    pending.append((index, next_url))

    def _composite(self, subrequests: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return retried(
            self.retry, lambda: self.connection.composite(subrequests), "composite query"
        )

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

    def create(self, records: Sequence[Mapping[str, Any]]) -> list[RecordResult]:
        if not 0 < len(records) <= MAX_COLLECTION:
            raise ValueError(f"create: 1 to {MAX_COLLECTION} records per call, not {len(records)}")
        body = {"allOrNone": False, "records": list(records)}

        def send() -> list[RecordResult]:
            answer = self.connection.json("POST", "composite/sobjects", call="create", json=body)
            return parse_results(answer, len(records), "create")

        return retried(self.retry, send, "create")

    def delete(self, ids: Sequence[str]) -> list[RecordResult]:
        if not 0 < len(ids) <= MAX_COLLECTION:
            raise ValueError(f"delete: 1 to {MAX_COLLECTION} Ids per call, not {len(ids)}")
        bad = [i for i in ids if not RECORD_ID.match(i)]
        if bad:
            raise ValueError(f"delete: not a record Id: {bad[0]!r}")
        params = {"ids": ",".join(ids), "allOrNone": "false"}

        def send() -> list[RecordResult]:
            answer = self.connection.json(
                "DELETE", "composite/sobjects", call="delete", params=params
            )
            return parse_results(answer, len(ids), "delete")

        return retried(self.retry, send, "delete")

    def write(self, calls: Sequence[CollectionCall]) -> list[CallAnswer]:
        answers: list[CallAnswer] = []
        for at in range(0, len(calls), MAX_COMPOSITE_HEAVY):
            group = calls[at : at + MAX_COMPOSITE_HEAVY]
            if len(group) == 1:
                answers.append(self._alone(group[0]))
            else:
                answers.extend(self._packed(group))
        return answers

    def _alone(self, call: CollectionCall) -> CallAnswer:
        try:
            if call.key_field is None:
                return self.update(
                    call.sobject, call.records, allow_duplicates=call.allow_duplicates
                )
            return self.upsert(
                call.sobject, call.key_field, call.records, allow_duplicates=call.allow_duplicates
            )
        except SalesforceApiError as exc:
            return exc

    def _packed(self, calls: Sequence[CollectionCall]) -> list[CallAnswer]:
        """Several collections calls as the subrequests of one Composite call."""
        subrequests = []
        for n, call in enumerate(calls):
            if not 0 < len(call.records) <= MAX_COLLECTION:
                raise ValueError(f"1 to {MAX_COLLECTION} records per call, not {len(call.records)}")
            path = "composite/sobjects"
            if call.key_field is not None:
                path += f"/{soql.identifier(call.sobject)}/{soql.identifier(call.key_field)}"
            sub: dict[str, Any] = {
                "method": "PATCH",
                "url": f"{self.connection.base_path}/{path}",
                "referenceId": f"w{n}",
                "body": {"allOrNone": False, "records": list(call.records)},
            }
            if call.allow_duplicates:
                sub["httpHeaders"] = {DUPLICATE_RULE_HEADER: "allowSave=true"}
            subrequests.append(sub)
        try:
            answers = retried(
                self.retry, lambda: self.connection.composite(subrequests), "composite write"
            )
        except SalesforceApiError as exc:
            return [exc for _ in calls]
        out: list[CallAnswer] = []
        for call, answer in zip(calls, answers, strict=True):
            name = f"{'update' if call.key_field is None else 'upsert'} {call.sobject}"
            status = answer["httpStatusCode"]
            if status >= 300:
                out.append(_sub_error(name, answer.get("body"), status))
                continue
            try:
                out.append(parse_results(answer.get("body"), len(call.records), name))
            except SalesforceApiError as exc:
                out.append(exc)
        return out

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
                described = retried(
                    self.retry,
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

        return retried(self.retry, send, call)


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


def _sub_error(call: str, body: Any, status: int) -> SalesforceApiError:
    code, message = http_code(status), ""
    if isinstance(body, list) and body and isinstance(body[0], dict):
        code = str(body[0].get("errorCode", code))
        message = str(body[0].get("message", ""))
    disposition = classify(code, message, status)
    return SalesforceApiError(call, code, message, status=status, transient=disposition.retryable)


def _collect(into: dict[str, dict[str, Any]], rows: Sequence[Mapping[str, Any]]) -> None:
    for row in rows:
        clean = {k: v for k, v in row.items() if k != "attributes"}
        into[str(clean.get("Id", len(into)))] = clean

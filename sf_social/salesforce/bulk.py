"""Bulk API 2.0 ingest: upsert thousands of records by external id, results per record.

One job per ~100 MB of CSV (the documented upload limit is 150 MB once base64-encoded):
create the job (``POST jobs/ingest``), upload the CSV (``PUT .../batches``), close it
(``PATCH state=UploadComplete``), poll (``GET jobs/ingest/{id}``) until ``JobComplete``,
``Failed`` or ``Aborted``, then read ``successfulResults`` (and ``failedResults`` /
``unprocessedrecords`` only when the job says some rows failed or were left) — five calls
for a clean job of any size.

Results come back in no particular order: each row is matched to its record by the
external id column. In the CSV an empty cell leaves a field unchanged, so rows of existing
records carry only their sync-owned values; a cell of exactly ``#N/A`` sets the field to
null, quoted or not, so a record holding that text cannot go by bulk (:func:`carries`: the
caller sends it by REST). Cells holding the delimiter, a quote, a carriage return or a line
feed are quoted ("Valid CSV Record Rows" in the Bulk API 2.0 guide).
"""

from __future__ import annotations

import csv
import io
import json
import logging
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sf_social.errors import MalformedResponseError, SalesforceApiError
from sf_social.salesforce.api import ErrorDetail, RecordResult
from sf_social.salesforce.codes import NOT_REPORTED
from sf_social.salesforce.connection import Connection, parse_json
from sf_social.salesforce.retry import RetryPolicy, retried

log = logging.getLogger(__name__)

BULK_JOB_FAILED = "BULK_JOB_FAILED"
BULK_TIMEOUT = "BULK_TIMEOUT"
NULL_CELL = "#N/A"
"""The cell Bulk API 2.0 reads as null, quoted or not."""
_QUOTED = frozenset(',"\r\n')
_DONE = ("JobComplete", "Failed", "Aborted")


@dataclass(frozen=True)
class BulkPolicy:
    """Polling and size settings of Bulk API 2.0 jobs."""

    poll_initial: float = 2.0
    poll_max: float = 30.0
    timeout: float = 3600.0
    max_upload_bytes: int = 100_000_000
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic

    @classmethod
    def instant(cls, timeout: float = 3600.0) -> BulkPolicy:
        """Polls without sleeping (tests, and a local emulator that finishes at once)."""
        return cls(poll_initial=0.0, poll_max=0.0, timeout=timeout, sleep=lambda _: None)


class BulkIngest:
    """Bulk API 2.0 upserts through one ``Connection``."""

    def __init__(
        self, connection: Connection, *, retry: RetryPolicy, policy: BulkPolicy | None = None
    ) -> None:
        self.connection = connection
        self.retry = retry
        self.policy = policy or BulkPolicy()

    def upsert(
        self, sobject: str, key_field: str, records: Sequence[Mapping[str, Any]]
    ) -> list[RecordResult]:
        """Upsert ``records`` (each holding ``key_field``); one result each, in order."""
        return self.run("upsert", sobject, key_field, records)

    def insert(
        self, sobject: str, key_field: str, records: Sequence[Mapping[str, Any]]
    ) -> list[RecordResult]:
        """Insert ``records``; rows whose unique ``key_field`` exists fail DUPLICATE_VALUE."""
        return self.run("insert", sobject, key_field, records)

    def run(
        self,
        operation: str,
        sobject: str,
        key_field: str,
        records: Sequence[Mapping[str, Any]],
    ) -> list[RecordResult]:
        """One ``operation`` over ``records``, matched back to them by ``key_field``."""
        if not records:
            return []
        columns = _columns(records, key_field)
        by_key: dict[str, RecordResult] = {}
        for part, count in _csv_parts(records, columns, self.policy.max_upload_bytes):
            by_key.update(self._job(operation, sobject, key_field, part, count))
        return [
            by_key.get(
                str(record[key_field]),
                RecordResult(
                    success=False,
                    errors=(ErrorDetail(NOT_REPORTED, "the bulk job did not report this row"),),
                ),
            )
            for record in records
        ]

    # -- one job -------------------------------------------------------------------------

    def _job(
        self, operation: str, sobject: str, key_field: str, data: str, total: int
    ) -> dict[str, RecordResult]:
        spec = {"object": sobject, "contentType": "CSV", "operation": operation, "lineEnding": "LF"}
        if operation == "upsert":
            spec["externalIdFieldName"] = key_field
        job = self._call_json("POST", "jobs/ingest/", f"bulk create {sobject}", body=spec)
        job_id = job.get("id") if isinstance(job, dict) else None
        if not isinstance(job_id, str):
            raise MalformedResponseError(f"bulk create {sobject}", f"no job id in {job!r:.200}")
        base = f"jobs/ingest/{job_id}"
        retried(
            self.retry,
            lambda: self.connection.request(
                "PUT",
                f"{base}/batches/",
                call=f"bulk upload {job_id}",
                data=data.encode("utf-8"),
                headers={"Content-Type": "text/csv"},
            ),
            f"bulk upload {job_id}",
        )
        self._close(base, job_id)
        info = self._wait(base, job_id)
        results: dict[str, RecordResult] = {}
        state = str(info.get("state"))
        processed = _int(info.get("numberRecordsProcessed"))
        failed = _int(info.get("numberRecordsFailed"))
        if processed is None or processed - (failed or 0) > 0:
            for row in self._rows(f"{base}/successfulResults/", job_id):
                created = row.get("sf__Created", "").lower() == "true"
                results[row.get(key_field, "")] = RecordResult(
                    success=True, id=row.get("sf__Id") or None, created=created
                )
        if failed is None or failed > 0:
            for row in self._rows(f"{base}/failedResults/", job_id):
                results[row.get(key_field, "")] = RecordResult(
                    success=False, errors=(parse_bulk_error(row.get("sf__Error", "")),)
                )
        if state != "JobComplete" or (processed is not None and processed < total):
            reason = str(info.get("errorMessage") or f"the job ended {state}")
            for row in self._rows(f"{base}/unprocessedrecords/", job_id):
                results[row.get(key_field, "")] = RecordResult(
                    success=False, errors=(ErrorDetail(BULK_JOB_FAILED, reason),)
                )
        log.info(
            "bulk job %s (%s): %s, %s processed, %s failed",
            job_id,
            sobject,
            state,
            processed,
            failed,
        )
        return results

    def _close(self, base: str, job_id: str) -> None:
        """``UploadComplete``; a close whose answer was lost is retried onto a closed job,
        which refuses it (INVALIDJOBSTATE): the job's own state then says it was done."""
        try:
            self._call_json(
                "PATCH", f"{base}/", f"bulk close {job_id}", body={"state": "UploadComplete"}
            )
        except SalesforceApiError:
            info = self._call_json("GET", f"{base}/", f"bulk status {job_id}")
            if not isinstance(info, dict) or info.get("state") in (None, "Open"):
                raise
            log.info("bulk job %s was closed already (%s)", job_id, info.get("state"))

    def _wait(self, base: str, job_id: str) -> dict[str, Any]:
        return wait_for_job(
            lambda: self._call_json("GET", f"{base}/", f"bulk status {job_id}"),
            job_id,
            self.policy,
            abort=lambda: self._call_json(
                "PATCH", f"{base}/", f"bulk abort {job_id}", body={"state": "Aborted"}
            ),
        )

    def _call_json(self, method: str, path: str, call: str, body: Any = None) -> Any:
        return retried(
            self.retry, lambda: self.connection.json(method, path, call=call, json=body), call
        )

    def _rows(self, path: str, job_id: str) -> Iterator[dict[str, str]]:
        response = retried(
            self.retry,
            lambda: self.connection.request(
                "GET", path, call=f"bulk results {job_id}", headers={"Accept": "text/csv"}
            ),
            f"bulk results {job_id}",
        )
        text = response.content.decode("utf-8-sig")
        if text.lstrip().startswith(("<", "{", "[")) and "sf__" not in text[:200]:
            parse_json(response, f"bulk results {job_id}")  # raises on HTML
            raise MalformedResponseError(f"bulk results {job_id}", "expected CSV, got JSON")
        yield from csv.DictReader(io.StringIO(text))


def wait_for_job(
    status: Callable[[], Any], job_id: str, policy: BulkPolicy, *, abort: Callable[[], Any]
) -> dict[str, Any]:
    """Poll ``status()`` until the job is done (``JobComplete``, ``Failed``, ``Aborted``);
    past ``policy.timeout`` it is aborted and a transient ``BULK_TIMEOUT`` raised."""
    start = policy.clock()
    delay = policy.poll_initial
    while True:
        info = status()
        if not isinstance(info, dict):
            raise MalformedResponseError(f"bulk status {job_id}", f"got {info!r:.200}")
        if info.get("state") in _DONE:
            return info
        if policy.clock() - start >= policy.timeout:
            abort()
            raise SalesforceApiError(
                f"bulk job {job_id}",
                BULK_TIMEOUT,
                f"not finished after {policy.timeout:g} s; aborted (rows already"
                " processed stay written; the rest can be sent again)",
                transient=True,
            )
        policy.sleep(delay)
        delay = min(policy.poll_max, max(delay * 2, 0.5) if delay else 0.0)


def parse_bulk_error(text: str) -> ErrorDetail:
    """``REQUIRED_FIELD_MISSING:Required fields are missing: [LastName]:LastName --``."""
    code, _, rest = text.partition(":")
    message = rest.rstrip().removesuffix("--").rstrip()
    fields: tuple[str, ...] = ()
    head, sep, tail = message.rpartition(":")
    if sep and tail and " " not in tail.strip():
        fields = tuple(f for f in tail.strip().split(",") if f)
        message = head
    return ErrorDetail(code.strip() or "UNKNOWN", message.strip(), fields)


def carries(record: Mapping[str, Any]) -> bool:
    """Whether Bulk API 2.0 can write ``record`` as it is (no value reads as null there)."""
    return not any(value == NULL_CELL for value in record.values())


def csv_value(value: Any) -> str:
    """A field value as a Bulk API CSV cell (``None`` → empty: left unchanged)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        raise ValueError(f"a bulk row cannot hold {type(value).__name__} {json.dumps(value)[:80]}")
    if value == NULL_CELL:
        raise ValueError(f"a bulk row cannot hold the text {NULL_CELL} (it means null): use REST")
    return str(value)


def _columns(records: Sequence[Mapping[str, Any]], key_field: str) -> list[str]:
    names: dict[str, None] = {key_field: None}
    for record in records:
        for name in record:
            if name != "attributes":
                names.setdefault(name, None)
    return list(names)


def _csv_parts(
    records: Sequence[Mapping[str, Any]], columns: list[str], max_bytes: int
) -> Iterator[tuple[str, int]]:
    """(CSV text, rows) parts of at most ``max_bytes`` each (at least one row each)."""
    header = _line(columns)
    part, size = [header], len(header.encode("utf-8"))
    for record in records:
        line = _line([csv_value(record.get(c)) for c in columns])
        length = len(line.encode("utf-8"))
        if len(part) > 1 and size + length > max_bytes:
            yield "".join(part), len(part) - 1
            part, size = [header], len(header.encode("utf-8"))
        part.append(line)
        size += length
    yield "".join(part), len(part) - 1


def _line(cells: Sequence[str]) -> str:
    """One CSV row ending in LF (Python's ``csv`` leaves a lone CR unquoted)."""
    return ",".join(_cell(cell) for cell in cells) + "\n"


def _cell(text: str) -> str:
    if _QUOTED.isdisjoint(text):
        return text
    return '"' + text.replace('"', '""') + '"'


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) else None

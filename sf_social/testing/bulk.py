"""Bulk API 2.0 ingest jobs: create, upload CSV, close, poll, read results.

A job moves ``Open`` → ``UploadComplete`` (closed by the client) → ``InProgress`` (for
``in_progress_polls`` polls) → ``JobComplete``, or ``Failed`` when its CSV cannot be
read (an unknown column, or data breaking the CSV rules as :mod:`~sf_social.testing.csvfile`
reads them). Rows are written with the same rules as the REST API, 200 at a time;
``successfulResults`` and ``failedResults`` return CSV with ``sf__Id``, ``sf__Created`` /
``sf__Error`` and the original columns. ``GET /jobs/ingest`` lists the jobs, 1,000 a page.
"""

from __future__ import annotations

import csv
import io
import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sf_social.testing import ids
from sf_social.testing.csvfile import CsvSyntaxError, read_rows
from sf_social.testing.replies import ApiFault, RecordError, RecordFailure, Reply, Request
from sf_social.testing.schema import ObjectSpec
from sf_social.testing.sobjects import Context, key_field
from sf_social.testing.values import format_datetime
from sf_social.testing.writes import parse

OPERATIONS = ("insert", "update", "upsert", "delete")
DELIMITERS = {"COMMA": ",", "TAB": "\t", "PIPE": "|", "SEMICOLON": ";", "CARET": "^",
              "BACKQUOTE": "`"}  # fmt: skip
CHUNK = 200
PAGE = 1000
"""Jobs per ``GET /jobs/ingest`` answer (then ``nextRecordsUrl``)."""


@dataclass
class IngestJob:
    """One Bulk API 2.0 ingest job and its results."""

    id: str
    object: str
    operation: str
    external_id_field: str | None
    line_ending: str
    column_delimiter: str
    api_version: str
    created_by: str
    created: datetime
    modified: datetime
    state: str = "Open"
    data: list[str] = field(default_factory=list)
    polls_left: int = 1
    header: list[str] = field(default_factory=list)
    successes: list[list[str]] = field(default_factory=list)
    failures: list[list[str]] = field(default_factory=list)
    unprocessed: list[list[str]] = field(default_factory=list)
    error_message: str | None = None

    def info(self, shape: str) -> dict[str, Any]:
        """Job info as ``create``, ``close`` (state change), ``get`` or ``list`` answer it."""
        out: dict[str, Any] = {
            "id": self.id,
            "operation": self.operation,
            "object": self.object,
            "createdById": self.created_by,
            "createdDate": format_datetime(self.created),
            "systemModstamp": format_datetime(self.modified),
            "state": self.state,
        }
        if self.external_id_field:
            out["externalIdFieldName"] = self.external_id_field
        out.update(
            {
                "concurrencyMode": "Parallel",
                "contentType": "CSV",
                "apiVersion": float(self.api_version),
            }
        )
        if shape == "create":
            out["contentUrl"] = f"services/data/v{self.api_version}/jobs/ingest/{self.id}/batches"
        if shape in ("create", "get", "list"):
            out["lineEnding"] = self.line_ending
            out["columnDelimiter"] = self.column_delimiter
        if shape in ("get", "list"):
            out["jobType"] = "V2Ingest"
        if shape == "get":
            out.update(
                {
                    "numberRecordsProcessed": len(self.successes) + len(self.failures),
                    "numberRecordsFailed": len(self.failures),
                    "retries": 0,
                    "totalProcessingTime": 0,
                    "apiActiveProcessingTime": 0,
                    "apexProcessingTime": 0,
                }
            )
            if self.error_message:
                out["errorMessage"] = self.error_message
        return out


class BulkJobs:
    """Every ingest job of the org."""

    def __init__(self, in_progress_polls: int = 1) -> None:
        self.in_progress_polls = in_progress_polls
        self.jobs: dict[str, IngestJob] = {}
        self._lock = threading.Lock()

    def _job(self, job_id: str) -> IngestJob:
        job = self.jobs.get(job_id)
        if job is None:
            raise ApiFault(404, "NOT_FOUND", "The requested resource does not exist")
        return job

    def create(self, ctx: Context, request: Request) -> Reply:
        """``POST /jobs/ingest``."""
        body = request.json()
        if not isinstance(body, dict):
            raise invalid_job("a JSON object is required")
        operation = body.get("operation")
        if operation not in OPERATIONS:
            raise invalid_job(f"Invalid operation: {operation}")
        name = str(body.get("object", ""))
        obj = ctx.store.schema.object(name)
        if obj is None or obj.queryable_only:
            raise invalid_job(f"Unable to find object: {name}")
        external = body.get("externalIdFieldName")
        external_name: str | None = None
        if operation == "upsert":
            try:
                external_name = key_field(obj, str(external or "")).name
            except ApiFault:
                raise invalid_job(
                    f"Field name provided, {external} does not match an External ID, Salesforce"
                    f" Id, or indexed field for {obj.name}"
                ) from None
        if body.get("contentType", "CSV") != "CSV":
            raise invalid_job("contentType must be CSV")
        delimiter = str(body.get("columnDelimiter", "COMMA"))
        line_ending = str(body.get("lineEnding", "LF"))
        if delimiter not in DELIMITERS or line_ending not in ("LF", "CRLF"):
            raise invalid_job("invalid columnDelimiter or lineEnding")
        now = ctx.store.clock()
        job = IngestJob(
            id=ctx.store.ids.new("BulkJob"),
            object=obj.name,
            operation=str(operation),
            external_id_field=external_name,
            line_ending=line_ending,
            column_delimiter=delimiter,
            api_version=ctx.version,
            created_by=ctx.store.user_id,
            created=now,
            modified=now,
            polls_left=self.in_progress_polls,
        )
        with self._lock:
            self.jobs[job.id] = job
        return Reply.of_json(200, job.info("create"))

    def upload(self, ctx: Context, request: Request, job_id: str) -> Reply:
        """``PUT /jobs/ingest/{id}/batches`` (CSV) → 201."""
        job = self._job(job_id)
        if job.state != "Open":
            raise ApiFault(
                409,
                "INVALIDJOBSTATE",
                f"Found invalid state for job {job.id}: {job.state}; expected Open",
            )
        job.data.append(request.body.decode("utf-8-sig"))
        return Reply.empty(201)

    def change(self, ctx: Context, request: Request, job_id: str) -> Reply:
        """``PATCH /jobs/ingest/{id}`` with ``{"state": "UploadComplete" | "Aborted"}``."""
        job = self._job(job_id)
        body = request.json()
        state = body.get("state") if isinstance(body, dict) else None
        allowed = {"UploadComplete": ("Open",), "Aborted": ("Open", "UploadComplete", "InProgress")}
        if state not in allowed or job.state not in allowed[state]:
            raise ApiFault(
                400,
                "INVALIDJOBSTATE",
                f"Found invalid state for job {job.id}: {job.state}; cannot move to {state}",
            )
        job.state = str(state)
        job.modified = ctx.store.clock()
        if state == "Aborted":
            job.header, job.unprocessed, _ = self._rows(job)
        return Reply.of_json(200, job.info("close"))

    def all(self, ctx: Context, request: Request) -> Reply:
        """``GET /jobs/ingest``: every job, ``PAGE`` at a time (``queryLocator`` pages on).

        ``jobType`` other than ``V2Ingest`` and ``isPkChunkingEnabled=true`` match none.
        """
        params = request.params()
        locator = params.get("queryLocator", "0")
        if not locator.isdigit():
            raise ApiFault(400, "INVALID_QUERY_LOCATOR", f"invalid query locator: {locator}")
        wanted = params.get("jobType", "V2Ingest") == "V2Ingest"
        wanted = wanted and params.get("isPkChunkingEnabled", "false").lower() != "true"
        with self._lock:
            jobs = list(self.jobs.values()) if wanted else []
        start = int(locator)
        page = jobs[start : start + PAGE]
        done = start + PAGE >= len(jobs)
        base = f"/services/data/v{ctx.version}/jobs/ingest"
        return Reply.of_json(
            200,
            {
                "done": done,
                "records": [job.info("list") for job in page],
                "nextRecordsUrl": None if done else f"{base}?queryLocator={start + PAGE}",
            },
        )

    def get(self, ctx: Context, request: Request, job_id: str) -> Reply:
        """``GET /jobs/ingest/{id}``: polling moves a closed job forward."""
        job = self._job(job_id)
        if job.state in ("UploadComplete", "InProgress"):
            if job.polls_left > 0:
                job.polls_left -= 1
                job.state = "InProgress"
            else:
                self._process(ctx, job)
            job.modified = ctx.store.clock()
        return Reply.of_json(200, job.info("get"))

    def delete(self, ctx: Context, request: Request, job_id: str) -> Reply:
        """``DELETE /jobs/ingest/{id}`` → 204."""
        self._job(job_id)
        with self._lock:
            self.jobs.pop(job_id, None)
        return Reply.empty(204)

    def results(self, ctx: Context, request: Request, job_id: str, kind: str) -> Reply:
        """``GET .../successfulResults``, ``failedResults`` or ``unprocessedrecords`` (CSV)."""
        job = self._job(job_id)
        if kind == "successfulResults":
            head, rows = ["sf__Id", "sf__Created"], job.successes
        elif kind == "failedResults":
            head, rows = ["sf__Id", "sf__Error"], job.failures
        else:
            head, rows = [], job.unprocessed
        delimiter = DELIMITERS[job.column_delimiter]
        ending = "\r\n" if job.line_ending == "CRLF" else "\n"
        out = io.StringIO()
        out.write(delimiter.join([*(f'"{h}"' for h in head), *job.header]) + ending)
        writer = csv.writer(out, delimiter=delimiter, quoting=csv.QUOTE_ALL, lineterminator=ending)
        writer.writerows(rows)
        return Reply.of_text(200, out.getvalue(), "text/csv")

    # -- processing ---------------------------------------------------------------

    def _rows(self, job: IngestJob) -> tuple[list[str], list[list[str]], str | None]:
        """Header, rows read, and what stopped the reading (the rows before it are kept)."""
        delimiter = DELIMITERS[job.column_delimiter]
        header: list[str] = []
        rows: list[list[str]] = []
        for chunk in job.data:
            try:
                lines = read_rows(chunk, delimiter, job.line_ending)
            except CsvSyntaxError as exc:
                return header, rows, f"InvalidBatch : Failed to parse CSV: {exc}"
            if not lines:
                continue
            header = header or lines[0]
            rows += lines[1:]
        return header, rows, None

    def _process(self, ctx: Context, job: IngestJob) -> None:
        header, rows, problem = self._rows(job)
        job.header = header
        obj = ctx.store.schema.object(job.object)
        assert obj is not None
        if problem is None:
            problem = _header_problem(ctx, obj, header) if header else "InvalidBatch : Empty batch"
        if problem:
            job.state, job.error_message, job.unprocessed = "Failed", problem, rows
            return
        for start in range(0, len(rows), CHUNK):
            chunk = rows[start : start + CHUNK]
            keys = self._keys(job, obj, header, chunk)
            for row in chunk:
                self._write(ctx, job, obj, header, row, keys)
        job.state = "JobComplete"

    def _keys(
        self, job: IngestJob, obj: ObjectSpec, header: list[str], chunk: list[list[str]]
    ) -> dict[str, int]:
        column = _column(header, job.external_id_field or "Id")
        counts: dict[str, int] = {}
        if job.operation == "upsert" and column is not None and job.external_id_field:
            spec = obj.field(job.external_id_field)
            assert spec is not None
            for row in chunk:
                if column < len(row) and row[column]:
                    key = spec.normalize(row[column])
                    counts[key] = counts.get(key, 0) + 1
        return counts

    def _write(
        self,
        ctx: Context,
        job: IngestJob,
        obj: ObjectSpec,
        header: list[str],
        row: list[str],
        keys: dict[str, int],
    ) -> None:
        cells = dict(zip(header, row + [""] * (len(header) - len(row)), strict=True))
        existing_id = ""
        try:
            body = _body(cells)
            parsed = parse(obj, body, csv=True)
            existing = self._existing(ctx, job, obj, parsed.values, keys)
            existing_id = existing["Id"] if existing else ""
            if ctx.lock_row():
                raise RecordFailure(
                    RecordError(
                        "UNABLE_TO_LOCK_ROW",
                        "unable to obtain exclusive access to this record or 1 records",
                    )
                )
            injected = ctx.record_error({**parsed.values, "Id": existing_id})
            if injected is not None:
                raise RecordFailure(injected)
            if job.operation == "delete":
                assert existing is not None
                ctx.store.delete(obj.name, existing["Id"])
                record_id, created = existing["Id"], False
            else:
                parsed.values.pop("Id", None)
                record = ctx.writer.save(parsed, existing)
                record_id, created = record["Id"], existing is None
        except RecordFailure as failure:
            error = failure.errors[0]
            message = f"{error.code}:{error.message}:{','.join(error.fields)} --"
            job.failures.append([existing_id, message, *row])
            return
        except ApiFault as fault:
            job.failures.append([existing_id, f"{fault.code}:{fault.message}: --", *row])
            return
        job.successes.append([record_id, "true" if created else "false", *row])

    def _existing(
        self,
        ctx: Context,
        job: IngestJob,
        obj: ObjectSpec,
        values: dict[str, object],
        keys: dict[str, int],
    ) -> dict[str, Any] | None:
        if job.operation == "insert":
            return None
        if job.operation in ("update", "delete"):
            record_id = values.get("Id")
            if not isinstance(record_id, str) or not ids.is_well_formed(record_id):
                raise RecordFailure(
                    RecordError(
                        "MALFORMED_ID",
                        f"{obj.label} ID: id value of incorrect type: {record_id}",
                        ("Id",),
                    )
                )
            found = ctx.store.get(obj.name, record_id)
            if found is None:
                raise RecordFailure(RecordError("ENTITY_IS_DELETED", "entity is deleted"))
            return found
        assert job.external_id_field is not None
        spec = obj.field(job.external_id_field)
        assert spec is not None
        key = values.get(spec.name)
        if not isinstance(key, str):
            raise RecordFailure(RecordError("MISSING_ARGUMENT", f"{spec.name} not specified"))
        if keys.get(spec.normalize(key), 0) > 1:
            raise RecordFailure(
                RecordError(
                    "DUPLICATE_VALUE", f"Duplicate external id specified: {key}", (spec.name,)
                )
            )
        matches = ctx.store.find(obj.name, spec, key)
        if len(matches) > 1:
            raise RecordFailure(
                RecordError(
                    "DUPLICATE_EXTERNAL_ID",
                    f"{spec.label}: more than one record found for external id field: {matches}",
                    (spec.name,),
                )
            )
        return ctx.store.get(obj.name, matches[0]) if matches else None


def invalid_job(message: str) -> ApiFault:
    """The Bulk API's 400 ``INVALIDJOB`` with ``message``."""
    return ApiFault(400, "INVALIDJOB", f"InvalidJob : {message}")


def _column(header: list[str], name: str) -> int | None:
    lowered = [h.lower() for h in header]
    return lowered.index(name.lower()) if name.lower() in lowered else None


def _header_problem(ctx: Context, obj: ObjectSpec, header: list[str]) -> str | None:
    for name in header:
        if "." in name:
            relation, _, key = name.partition(".")
            sobject, _, relation = relation.rpartition(":")
            spec = obj.by_relationship(relation)
            targets = spec.reference_to if spec else ()
            target = ctx.store.schema.object(sobject or (targets[0] if targets else ""))
            if spec is None or target is None or target.field(key) is None:
                return f"InvalidBatch : Field name not found : {name}"
        elif obj.field(name) is None:
            return f"InvalidBatch : Field name not found : {name}"
    return None


def _body(cells: dict[str, str]) -> dict[str, Any]:
    body: dict[str, Any] = {}
    for name, value in cells.items():
        if "." not in name:
            body[name] = value
            continue
        if value == "":
            continue
        relation, _, key = name.partition(".")
        sobject, _, relation = relation.rpartition(":")
        nested: dict[str, Any] = {key: value}
        if sobject:
            nested["attributes"] = {"type": sobject}
        body[relation] = nested
    return body

"""Bulk API 2.0 query jobs of the local org: ``POST /jobs/query``, ``GET /jobs/query/{id}``,
``PATCH`` (abort) and ``GET /jobs/query/{id}/results`` (CSV pages, ``Sforce-Locator``).

The query runs when the job is created (the org is in memory); polling reports
``InProgress`` for ``in_progress_polls`` polls first, as a real job takes a while. Results
are CSV with every cell quoted, ``""`` for null and ``true``/``false`` for checkboxes; a
page holds ``maxRecords`` rows and its ``Sforce-Locator`` names the next (``null`` at the end).
"""

from __future__ import annotations

import csv
import io
import sys
import threading
from dataclasses import dataclass
from typing import Any

from sf_social.testing.bulk import invalid_job
from sf_social.testing.query import QueryEngine
from sf_social.testing.replies import ApiFault, Reply, Request
from sf_social.testing.sobjects import Context
from sf_social.testing.soql import parse
from sf_social.testing.values import csv_text, format_datetime


@dataclass
class QueryJob:
    """One query job and the rows it selected."""

    id: str
    query: str
    object: str
    state: str
    polls_left: int
    columns: list[str]
    rows: list[list[str]]
    created: str

    def info(self) -> dict[str, Any]:
        """The job as ``POST`` and ``GET /jobs/query/{id}`` answer it."""
        out: dict[str, Any] = {
            "id": self.id,
            "operation": "query",
            "object": self.object,
            "createdDate": self.created,
            "state": self.state,
            "concurrencyMode": "Parallel",
            "contentType": "CSV",
            "lineEnding": "LF",
            "columnDelimiter": "COMMA",
            "jobType": "V2Query",
        }
        if self.state == "JobComplete":
            out["numberRecordsProcessed"] = len(self.rows)
        return out


class BulkQueries:
    """Every query job of the org."""

    def __init__(self, in_progress_polls: int = 1) -> None:
        self.in_progress_polls = in_progress_polls
        self.jobs: dict[str, QueryJob] = {}
        self._lock = threading.Lock()

    def create(self, ctx: Context, request: Request) -> Reply:
        """``POST /jobs/query`` with ``{"operation": "query", "query": SOQL}``."""
        body = request.json()
        if not isinstance(body, dict) or body.get("operation") not in ("query", "queryAll"):
            raise invalid_job("operation must be query or queryAll")
        text = body.get("query")
        if not isinstance(text, str) or not text.strip():
            raise invalid_job("a query is required")
        answer = QueryEngine(ctx.store, batch_size=sys.maxsize).run(text)
        records = [{k: v for k, v in r.items() if k != "attributes"} for r in answer["records"]]
        parsed = parse(text)  # the engine has parsed it already: no error here
        columns = list(records[0]) if records else [name for name, _ in parsed.fields]
        job = QueryJob(
            id=ctx.store.ids.new("BulkJob"),
            query=text,
            object=parsed.sobject,
            state="UploadComplete",
            polls_left=self.in_progress_polls,
            columns=columns,
            rows=[[csv_text(r.get(c)) for c in columns] for r in records],
            created=format_datetime(ctx.store.clock()),
        )
        with self._lock:
            self.jobs[job.id] = job
        return Reply.of_json(200, job.info())

    def get(self, ctx: Context, request: Request, job_id: str) -> Reply:
        """``GET /jobs/query/{id}``: polling moves the job to ``JobComplete``."""
        job = self._job(job_id)
        if job.state in ("UploadComplete", "InProgress"):
            if job.polls_left > 0:
                job.polls_left -= 1
                job.state = "InProgress"
            else:
                job.state = "JobComplete"
        return Reply.of_json(200, job.info())

    def change(self, ctx: Context, request: Request, job_id: str) -> Reply:
        """``PATCH /jobs/query/{id}`` with ``{"state": "Aborted"}``."""
        job = self._job(job_id)
        body = request.json()
        if not isinstance(body, dict) or body.get("state") != "Aborted":
            raise ApiFault(400, "INVALIDJOBSTATE", "a query job can only be aborted")
        job.state = "Aborted"
        return Reply.of_json(200, job.info())

    def results(self, ctx: Context, request: Request, job_id: str) -> Reply:
        """``GET /jobs/query/{id}/results[?maxRecords=N&locator=L]``: one CSV page."""
        job = self._job(job_id)
        if job.state != "JobComplete":
            raise ApiFault(400, "INVALIDJOBSTATE", f"the job is {job.state}, not JobComplete")
        params = request.params()
        try:
            size = int(params.get("maxRecords") or len(job.rows) or 1)
            start = int(params.get("locator") or 0)
        except ValueError:
            raise ApiFault(400, "INVALID_LOCATOR", "invalid locator or maxRecords") from None
        page = job.rows[start : start + size]
        out = io.StringIO()
        writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\n")
        writer.writerow(job.columns)
        writer.writerows(page)
        more = start + size < len(job.rows)
        reply = Reply.of_text(200, out.getvalue(), "text/csv")
        reply.headers["Sforce-Locator"] = str(start + size) if more else "null"
        reply.headers["Sforce-NumberOfRecords"] = str(len(page))
        return reply

    def _job(self, job_id: str) -> QueryJob:
        job = self.jobs.get(job_id)
        if job is None:
            raise ApiFault(404, "NOT_FOUND", "The requested resource does not exist")
        return job

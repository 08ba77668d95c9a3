"""Bulk API 2.0 query: read any number of records in a handful of calls.

Create the job (``POST jobs/query`` with the SOQL), poll it (``GET jobs/query/{id}``) until
``JobComplete``, then read the CSV results (``GET jobs/query/{id}/results``) page by page:
each answer's ``Sforce-Locator`` header names the next page, ``null`` after the last.
Salesforce recommends it over the query API above some thousands of records.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

import requests

from sf_social.errors import MalformedResponseError, SalesforceApiError
from sf_social.salesforce.bulk import BULK_JOB_FAILED, BulkPolicy, wait_for_job
from sf_social.salesforce.connection import Connection
from sf_social.salesforce.retry import RetryPolicy, retried

PAGE_RECORDS = 50_000
"""``maxRecords`` asked per results page."""


class BulkQuery:
    """Bulk API 2.0 query jobs through one ``Connection``."""

    def __init__(
        self, connection: Connection, *, retry: RetryPolicy, policy: BulkPolicy | None = None
    ) -> None:
        self.connection = connection
        self.retry = retry
        self.policy = policy or BulkPolicy()

    def rows(self, statement: str) -> Iterator[dict[str, str]]:
        """The rows ``statement`` selects, as CSV text by column name."""
        job = self._json(
            "POST", "jobs/query/", "bulk query", {"operation": "query", "query": statement}
        )
        job_id = job.get("id") if isinstance(job, dict) else None
        if not isinstance(job_id, str):
            raise MalformedResponseError("bulk query", f"no job id in {job!r:.200}")
        base = f"jobs/query/{job_id}"
        info = wait_for_job(
            lambda: self._json("GET", f"{base}/", f"bulk query status {job_id}"),
            job_id,
            self.policy,
            abort=lambda: self._abort(base, job_id),
        )
        if info.get("state") != "JobComplete":
            raise SalesforceApiError(
                f"bulk query {job_id}",
                BULK_JOB_FAILED,
                str(info.get("errorMessage") or f"the job ended {info.get('state')}"),
                transient=False,
            )
        locator: str | None = None
        while True:
            response = self._page(base, job_id, locator)
            yield from csv.DictReader(io.StringIO(response.content.decode("utf-8-sig")))
            locator = response.headers.get("Sforce-Locator")
            if not locator or locator == "null":
                return

    def _page(self, base: str, job_id: str, locator: str | None) -> requests.Response:
        """One page of results (the first without a locator)."""
        params = {"maxRecords": str(PAGE_RECORDS)}
        if locator:
            params["locator"] = locator
        call = f"bulk query results {job_id}"
        return retried(
            self.retry,
            lambda: self.connection.request(
                "GET",
                f"{base}/results/",
                call=call,
                params=params,
                headers={"Accept": "text/csv"},
            ),
            call,
        )

    def _abort(self, base: str, job_id: str) -> None:
        self._json("PATCH", f"{base}/", f"bulk query abort {job_id}", {"state": "Aborted"})

    def _json(self, method: str, path: str, call: str, body: Any = None) -> Any:
        return retried(
            self.retry, lambda: self.connection.json(method, path, call=call, json=body), call
        )

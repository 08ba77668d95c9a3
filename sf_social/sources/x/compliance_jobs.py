"""X batch compliance jobs: the compliance check without billed reads, for accounts whose
access includes them (``XComplianceSource`` with ``batch_jobs``).

One job at a time, across passes, its state in the source's cursor:

1. ``POST /2/compliance/jobs {"type": "tweets"}`` answers the job's id, a signed
   ``upload_url`` and ``download_url``; the ids of the posts we hold go up with one
   ``PUT`` of plain text (one id a line) to the upload URL;
2. each later pass asks ``GET /2/compliance/jobs/:id`` for its status (``created``,
   ``in_progress``, ``complete``, ``failed``, ``expired``);
3. once ``complete``, the results are read from the download URL: one JSON object a line,
   ``{"id", "action", "created_at", "redacted_at", "reason"}``; ``"action": "delete"``
   (the post was deleted, or its account protected, suspended or deactivated: X's terms
   ask for the stored copy to go in each case) is a deletion here. A failed or expired job
   is dropped and the next pass starts another.

Cost: three X API requests per job plus one status request per pass while it runs, and
no billed reads; a job takes up to 100,000 ids (``per_pass`` caps what one job checks).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import requests

from sf_social.errors import SourceApiError
from sf_social.sources.x.client import XApi

STREAM = "compliance jobs"
TIMEOUT = 60.0
"""Seconds for the upload and the download (signed storage URLs, not X's API)."""


@dataclass(frozen=True)
class Job:
    """A running job, as the cursor keeps it (its signed URLs are not kept: they are
    capabilities, and the status answer gives the download URL again)."""

    id: str
    through: str
    """The last post id uploaded, where the next job starts; empty when the job reached the
    end of the held posts (the next one starts at the first)."""

    def saved(self) -> dict[str, str]:
        return {"id": self.id, "through": self.through}

    @classmethod
    def load(cls, value: Any) -> Job | None:
        if not isinstance(value, dict):
            return None
        job_id, through = value.get("id"), value.get("through")
        if isinstance(job_id, str) and job_id and isinstance(through, str):
            return cls(job_id, through)
        return None


@dataclass(frozen=True)
class JobStatus:
    """What ``GET /2/compliance/jobs/:id`` says."""

    status: str
    download_url: str | None = None


class ComplianceJobs:
    """Create, watch and read X batch compliance jobs for one source."""

    def __init__(self, api: XApi, source: str, session: requests.Session | None = None) -> None:
        self.api = api
        self.source = source
        self.session = session or requests.Session()

    def start(self, ids: list[str]) -> Job:
        """A new job checking ``ids`` (uploaded)."""
        client = self.api.client
        body = self.api.call(
            STREAM,
            "POST /2/compliance/jobs",
            lambda: client.create_compliance_job(type="tweets", name=f"sf-social {self.source}"),
        )
        data = body.get("data") if isinstance(body, dict) else None
        if not isinstance(data, dict) or not all(
            isinstance(data.get(k), str) for k in ("id", "upload_url")
        ):
            raise SourceApiError("X", self.source, "a compliance job without its id or URL")
        self._transfer("PUT", data["upload_url"], "upload", "\n".join(ids) + "\n")
        return Job(data["id"], ids[-1])

    def status(self, job: Job) -> JobStatus:
        """The job's status as X reports it, with the download URL."""
        client = self.api.client
        body = self.api.call(
            STREAM,
            "GET /2/compliance/jobs/:id",
            lambda: client.get_compliance_job(job.id),
        )
        data = body.get("data") if isinstance(body, dict) else None
        data = data if isinstance(data, dict) else {}
        status, url = data.get("status"), data.get("download_url")
        return JobStatus(
            status if isinstance(status, str) else "unknown", url if isinstance(url, str) else None
        )

    def deleted(self, url: str) -> Iterator[str]:
        """The ids of a complete job's results (at ``url``) whose action is ``delete``.

        A line that is no JSON (a cut-off download) is a transient error: the job stays in
        the cursor and is read again next pass, so none of its deletions is lost."""
        text = self._transfer("GET", url, "download")
        for number, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
            except ValueError:
                raise SourceApiError(
                    "X",
                    self.source,
                    f"compliance job download: line {number} is no JSON (cut off?); read again"
                    " next pass",
                    transient=True,
                ) from None
            if isinstance(item, dict) and item.get("action") == "delete":
                post_id = item.get("id")
                if isinstance(post_id, str | int) and not isinstance(post_id, bool):
                    yield str(post_id)

    def _transfer(self, method: str, url: str, what: str, data: str | None = None) -> str:
        headers = {"Content-Type": "text/plain"} if data is not None else None
        try:
            response = self.session.request(
                method, url, data=data, headers=headers, timeout=TIMEOUT
            )
        except requests.RequestException as exc:
            raise SourceApiError(
                "X",
                self.source,
                f"compliance job {what} failed: {type(exc).__name__}",
                transient=True,
            ) from None
        if not response.ok:
            raise SourceApiError(
                "X",
                self.source,
                f"compliance job {what} answered {response.status_code}",
                status=response.status_code,
                transient=True,
            )
        return response.text

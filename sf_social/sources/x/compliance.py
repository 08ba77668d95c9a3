"""The X compliance check: which posts we hold were deleted on X (design rule 11).

X's developer terms ask whoever stores posts to honour their deletion. X has no deletion
stream for our use, so a source of its own asks, pass after pass, about the posts we hold:
a bounded lookup of their ids (``GET /2/tweets?ids=``, 100 ids a request). A post X no
longer finds (an error of type ``.../resource-not-found`` naming it) is reported as a
:class:`~sf_social.deletions.PostDeletion`; intake then blanks its Task and forgets its
text like any other deletion.

Which posts: those the state holds (``StateStore.held_posts``: planned, written or failed,
first seen within ``window``), ``per_pass`` a pass, in id order; the cursor keeps the last
id checked, and a pass that reaches the end starts again at the first. Posts a protected or
suspended account wrote answer "not authorized", not "not found": they are kept.

API cost: one request per 100 ids; X bills each post the lookup returns as one read
(deleted ones return nothing). Checking ``per_pass`` = 500 posts once a day costs at most
5 requests and 500 reads a day, about 15,000 reads a month. X's batch compliance jobs
(``POST /2/compliance/jobs``) check large sets without billed reads, but only for accounts
whose access includes them; this check works with any access that can read posts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from sf_social.deletions import PostDeletion
from sf_social.posts import Network
from sf_social.sources.base import Cursor, SourceBatch
from sf_social.sources.x.client import XApi
from sf_social.sources.x.compliance_jobs import ComplianceJobs, Job

LOOKUP_IDS = 100
"""Ids in one ``GET /2/tweets`` request (the endpoint's limit)."""
NOT_FOUND = "https://api.twitter.com/2/problems/resource-not-found"
STREAM = "compliance"

HeldPosts = Callable[[str, datetime, str | None, int], list[str]]
"""``(network, since, after, limit)`` → ids of the posts we hold (``StateStore.held_posts``)."""


class XComplianceSource:
    """A source of deletions only: the held posts X no longer finds."""

    def __init__(
        self,
        name: str,
        api: XApi,
        held: HeldPosts,
        *,
        window: timedelta = timedelta(days=30),
        per_pass: int = 500,
        user_auth: bool = False,
        jobs: ComplianceJobs | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._name = name
        self.api = api
        self.held = held
        self.window = window
        self.per_pass = per_pass
        self.user_auth = user_auth
        self.jobs = jobs
        """Batch compliance jobs instead of lookups (``compliance_jobs``), when set."""
        self.clock = clock

    @property
    def name(self) -> str:
        return self._name

    def pull(self, cursor: Cursor | None) -> Iterator[SourceBatch]:
        after = (cursor or {}).get("after")
        start = after if isinstance(after, str) else None
        if self.jobs is not None:
            yield from self._with_jobs(self.jobs, start, Job.load((cursor or {}).get("job")))
            return
        ids = self.held(Network.TWITTER.value, self.clock() - self.window, start, self.per_pass)
        if not ids:
            if start is not None:  # the end of the round: the next pass starts again
                yield SourceBatch([], {"after": None})
            return
        for at in range(0, len(ids), LOOKUP_IDS):
            chunk = ids[at : at + LOOKUP_IDS]
            gone = self.deleted(chunk)
            last = at + LOOKUP_IDS >= len(ids)
            following = None if last and len(ids) < self.per_pass else chunk[-1]
            deletions = [PostDeletion(network=Network.TWITTER, post_id=i) for i in gone]
            yield SourceBatch([], {"after": following}, deletions=deletions)

    def _with_jobs(
        self, jobs: ComplianceJobs, start: str | None, job: Job | None
    ) -> Iterator[SourceBatch]:
        """One step of the running job, or a new job over the next held posts."""
        if job is not None:
            found = jobs.status(job)
            if found.status == "complete" and found.download_url:
                gone = list(jobs.deleted(found.download_url))
                deletions = [PostDeletion(network=Network.TWITTER, post_id=i) for i in gone]
                following = job.through or None
                yield SourceBatch([], {"after": following, "job": None}, deletions=deletions)
            elif found.status in ("failed", "expired"):
                yield SourceBatch([], {"after": start, "job": None})  # start another
            return  # created / in_progress: ask again next pass
        ids = self.held(Network.TWITTER.value, self.clock() - self.window, start, self.per_pass)
        if not ids:
            if start is not None:
                yield SourceBatch([], {"after": None, "job": None})
            return
        started = jobs.start(ids)
        # a round's last job: the next one starts again at the first held post
        through = started if len(ids) == self.per_pass else Job(started.id, "")
        yield SourceBatch([], {"after": start, "job": through.saved()})

    def deleted(self, ids: list[str]) -> list[str]:
        """Which of ``ids`` (at most 100) X answers "not found" for, in the order asked."""
        client = self.api.client
        body = self.api.call(
            STREAM,
            "GET /2/tweets",
            lambda: client.get_tweets(ids=ids, user_auth=self.user_auth),
        )
        missing = {_resource(e) for e in _errors(body) if e.get("type") == NOT_FOUND}
        return [i for i in ids if i in missing]


def _errors(body: Any) -> list[dict[str, Any]]:
    errors = body.get("errors") if isinstance(body, dict) else None
    return [e for e in errors if isinstance(e, dict)] if isinstance(errors, list) else []


def _resource(error: dict[str, Any]) -> str:
    return str(error.get("resource_id") or error.get("value") or "")

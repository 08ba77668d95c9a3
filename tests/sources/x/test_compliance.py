"""The X compliance check: a post deleted on X is blanked in the org within one pass."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
import responses

from sf_social.errors import SourceApiError
from sf_social.pipeline import Pipeline
from sf_social.playbook import Playbook
from sf_social.sources.x.client import XApi, XCredentials
from sf_social.sources.x.compliance import XComplianceSource
from sf_social.sources.x.compliance_jobs import ComplianceJobs
from sf_social.state import LedgerStatus, MemoryStateStore
from sf_social.sync.engine import SyncEngine
from sf_social.sync.passes import sync_pass
from sf_social.sync.push import PushPolicy
from sf_social.testing import InMemoryOrg, InMemoryWriter
from tests.sources.x.conftest import (
    API,
    MENTIONS_URL,
    NOW,
    USER_URL,
    add_json,
    make_rig,
    params,
    x_policy,
)
from tests.sync.conftest import QUEUES

DELETED = "1600000000000000300"
LOOKUP = {  # GET /2/tweets?ids=...: the found posts in data, each missing one in errors
    "_source": "https://docs.x.com/x-api/posts/get-posts-by-ids",
    "data": [
        {"id": "1600000000000000200", "text": "@TwitterDev sorry to hear that!"},
        {"id": "1600000000000000250", "text": "Thinking about leaving Contoso"},
    ],
    "errors": [
        {
            "value": DELETED,
            "detail": f"Could not find tweet with ids: [{DELETED}].",
            "title": "Not Found Error",
            "resource_type": "tweet",
            "parameter": "ids",
            "resource_id": DELETED,
            "type": "https://api.twitter.com/2/problems/resource-not-found",
        }
    ],
}


def _compliance(store: MemoryStateStore, **options: Any) -> XComplianceSource:
    api = XApi(
        XCredentials(bearer_token="test-bearer-token").client(),
        policy=replace(x_policy(), sleep=lambda _: None),
        clock=NOW.timestamp,
    )

    def held(network: str, since: Any, after: str | None, limit: int) -> list[str]:
        return store.held_posts(network, since, after=after, limit=limit)

    return XComplianceSource("x-compliance", api, held, clock=lambda: NOW, **options)


@responses.activate
def test_a_post_deleted_on_x_is_blanked_in_one_pass(playbook: Playbook) -> None:
    org = InMemoryOrg()
    for queue in QUEUES:
        org.add_queue(queue)
    store = MemoryStateStore()
    rig = make_rig(playbook)
    engine = SyncEngine(
        store,
        Pipeline(playbook),
        InMemoryWriter(org),
        org,
        [rig.source],
        PushPolicy(backoff_base=timedelta(seconds=10)),
        worker_id="test",
        clock=lambda: NOW,
    )
    add_json(USER_URL, "user_by_username.json")
    add_json(MENTIONS_URL, "mentions_page1.json")
    add_json(MENTIONS_URL, "mentions_page2.json")
    assert sync_pass(engine).errors == {}
    task = org.by_key("Task", f"twitter:{DELETED}")
    assert task is not None and "charged twice" in task["Description"]

    engine.sources[:] = [_compliance(store)]
    responses.reset()
    add_json(f"{API}/tweets", LOOKUP)
    report = sync_pass(engine)

    assert report.errors == {} and report.intake["x-compliance"].deletions == 1
    asked = params(0)["ids"].split(",")
    assert sorted(asked) == ["1600000000000000200", "1600000000000000250", DELETED]
    task = org.by_key("Task", f"twitter:{DELETED}")
    assert task is not None and task["Subject"] == "Post deleted by its author"
    assert "charged twice" not in repr(org.records)  # its Case's text too: it opened it
    assert store.ledger([("twitter", DELETED)])[("twitter", DELETED)].status is (
        LedgerStatus.ERASED
    )
    assert store.held_posts("twitter", NOW - timedelta(days=30)) == [
        "1600000000000000200",
        "1600000000000000250",
    ]


def test_the_check_pages_through_the_held_posts_and_starts_again(playbook: Playbook) -> None:
    store = MemoryStateStore()
    source = _compliance(store, per_pass=2)
    source.held = lambda network, since, after, limit: [
        i for i in ["1", "2", "3"] if after is None or i > after
    ][:limit]
    source.deleted = lambda ids: []  # type: ignore[method-assign]

    first = list(source.pull(None))
    assert [b.cursor for b in first] == [{"after": "2"}]
    second = list(source.pull(first[-1].cursor))
    assert [b.cursor for b in second] == [{"after": None}]  # the end: start again
    assert [b.cursor for b in source.pull(None)] == [{"after": "2"}]


UPLOAD = "https://storage.googleapis.com/twttr-tweet-compliance/upload?sig=secret"
DOWNLOAD = "https://storage.googleapis.com/twttr-tweet-compliance/download?sig=secret"
JOB: dict[str, Any] = {  # POST /2/compliance/jobs and GET /2/compliance/jobs/:id
    "_source": "https://docs.x.com/x-api/compliance/batch-compliance/quickstart",
    "data": {
        "id": "1423095206576984067",
        "type": "tweets",
        "status": "created",
        "upload_url": UPLOAD,
        "download_url": DOWNLOAD,
    },
}


def _status(status: str) -> dict[str, Any]:
    return {"data": {**JOB["data"], "status": status}}


@responses.activate
def test_batch_jobs_upload_the_held_ids_and_read_the_deletions_when_complete() -> None:
    store = MemoryStateStore()
    api = XApi(
        XCredentials(bearer_token="test-bearer-token").client(),
        policy=replace(x_policy(), sleep=lambda _: None),
        clock=NOW.timestamp,
    )
    source = _compliance(store, jobs=ComplianceJobs(api, "x-compliance"))
    source.held = lambda network, since, after, limit: ["10", "20", "30"]
    responses.add(responses.POST, f"{API}/compliance/jobs", json=JOB)
    upload = responses.add(responses.PUT, UPLOAD, body="")

    (started,) = list(source.pull(None))
    assert started.deletions == [] and started.cursor["job"] == {
        "id": "1423095206576984067",
        "through": "",  # fewer than posts_per_pass: the round's last job
    }
    assert upload.calls[0].request.body == "10\n20\n30\n"
    assert "secret" not in repr(started.cursor)  # signed URLs are capabilities: not kept

    add_json(f"{API}/compliance/jobs/1423095206576984067", _status("in_progress"))
    assert list(source.pull(started.cursor)) == []  # ask again next pass

    responses.reset()
    add_json(f"{API}/compliance/jobs/1423095206576984067", _status("complete"))
    results = [
        {
            "id": "20",
            "action": "delete",
            "created_at": "2026-11-20T10:00:00.000Z",
            "redacted_at": "2026-11-21T10:00:00.000Z",
            "reason": "deleted",
        },
        {
            "id": "30",
            "action": "scrub_geo",
            "created_at": "2026-11-20T10:00:00.000Z",
            "redacted_at": "2026-11-21T10:00:00.000Z",
            "reason": "scrub_geo",
        },
    ]
    body = "\n".join(json.dumps(r) for r in results) + "\n"
    responses.add(responses.GET, DOWNLOAD, body=body)
    (done,) = list(source.pull(started.cursor))
    assert [d.post_id for d in done.deletions] == ["20"]
    assert done.cursor == {"after": None, "job": None}


@responses.activate
def test_a_failed_job_is_dropped_and_the_next_pass_starts_another() -> None:
    store = MemoryStateStore()
    api = XApi(XCredentials(bearer_token="t").client(), policy=x_policy(), clock=NOW.timestamp)
    source = _compliance(store, jobs=ComplianceJobs(api, "x-compliance"))
    add_json(f"{API}/compliance/jobs/9", _status("expired"))
    (dropped,) = list(source.pull({"after": "5", "job": {"id": "9", "through": "7"}}))
    assert dropped.cursor == {"after": "5", "job": None} and dropped.deletions == []


@responses.activate
def test_a_cut_off_download_keeps_the_job_for_the_next_pass() -> None:
    """A results file whose last line is cut off is read again next pass: skipping the
    broken line would have lost that deletion for good."""
    store = MemoryStateStore()
    api = XApi(XCredentials(bearer_token="t").client(), policy=x_policy(), clock=NOW.timestamp)
    source = _compliance(store, jobs=ComplianceJobs(api, "x-compliance"))
    add_json(f"{API}/compliance/jobs/9", _status("complete"))
    whole = json.dumps({"id": "20", "action": "delete"})
    responses.add(responses.GET, DOWNLOAD, body=whole + '\n{"id": "30", "act')
    with pytest.raises(SourceApiError, match="line 2 is no JSON") as err:
        list(source.pull({"after": "5", "job": {"id": "9", "through": "7"}}))
    assert err.value.transient

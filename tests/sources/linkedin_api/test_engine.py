"""The page source in the sync engine: one Case per post's thread, overlap deduplicated."""

from __future__ import annotations

from datetime import timedelta

import responses

from sf_social.pipeline import Pipeline
from sf_social.playbook import load_playbook
from sf_social.state import MemoryStateStore
from sf_social.sync.engine import SyncEngine
from sf_social.sync.passes import sync_pass
from sf_social.sync.push import PushPolicy
from sf_social.testing import InMemoryOrg, InMemoryWriter
from tests.sources.linkedin_api.conftest import NOW, Rig, add, make_rig, payload
from tests.sync.conftest import QUEUES


def _engine(rig: Rig) -> tuple[SyncEngine, InMemoryOrg, MemoryStateStore]:
    org = InMemoryOrg()
    for queue in QUEUES:
        org.add_queue(queue)
    store = MemoryStateStore()
    store.migrate()
    engine = SyncEngine(
        store,
        Pipeline(load_playbook()),
        InMemoryWriter(org),
        org,
        [rig.source],
        PushPolicy(backoff_base=timedelta(seconds=10)),
        worker_id="test",
        clock=lambda: NOW,
    )
    return engine, org, store


@responses.activate
def test_comments_thread_into_one_case_and_a_reread_window_changes_nothing() -> None:
    rig = make_rig()
    engine, org, store = _engine(rig)
    add("notifications_page1.json")
    add("notifications_page2.json")
    first = sync_pass(engine)
    assert first.errors == {}
    assert first.intake["linkedin_page"].new == 3
    cases = org.records.get("Case", {})
    (case_id, case), *_ = [
        (i, c)
        for i, c in cases.items()
        if c.get("Social_Thread_Key__c") == "linkedin:thread:urn:li:share:7390000000000000000"
    ]
    assert case["Origin"] == "LinkedIn"
    # the member's comment opened it, the page's own answer is a Task on it
    on_case = [t for t in org.records["Task"].values() if t.get("WhatId") == case_id]
    assert len(on_case) == 2
    tasks, case_count = len(org.records.get("Task", {})), len(cases)

    # the same notifications again under new ids (re-delivered): the ledger drops them
    responses.reset()
    again = payload("notifications_page1.json")
    for n, element in enumerate(again["elements"]):
        element["notificationId"] = 9_000_000 + n
    again["elements"] = again["elements"][:2]
    add(again)
    rig.now[0] += timedelta(minutes=10)
    second = sync_pass(engine)
    assert second.errors == {}
    assert second.intake["linkedin_page"].new == 0
    assert second.intake["linkedin_page"].duplicates == 2
    assert len(org.records.get("Task", {})) == tasks
    assert len(org.records.get("Case", {})) == case_count
    state = store.source("linkedin_page")
    assert state is not None and state.cursor is not None
    assert state.cursor["pending"] is None


@responses.activate
def test_an_auth_failure_is_reported_by_the_engine_without_losing_the_cursor() -> None:
    rig = make_rig()
    engine, _org, store = _engine(rig)
    add("notifications_page1.json")
    add("error_401.json", 401)
    report = sync_pass(engine)
    assert "expired or was revoked" in report.errors["linkedin_page"]
    state = store.source("linkedin_page")
    assert state is not None and state.cursor is not None
    assert state.cursor["pending"]["offset"] == 3  # the first page is durable

"""The X source in the sync engine: a re-read window is deduplicated by the ledger."""

from __future__ import annotations

from datetime import timedelta

import responses

from sf_social.pipeline import Pipeline
from sf_social.playbook import Playbook
from sf_social.state import MemoryStateStore
from sf_social.sync.engine import SyncEngine
from sf_social.sync.passes import sync_pass
from sf_social.sync.push import PushPolicy
from sf_social.testing import InMemoryOrg, InMemoryWriter
from tests.sources.x.conftest import MENTIONS_URL, NOW, USER_URL, add_json, make_rig, payload
from tests.sync.conftest import QUEUES


@responses.activate
def test_the_same_window_read_twice_makes_each_record_once(playbook: Playbook) -> None:
    org = InMemoryOrg()
    for queue in QUEUES:
        org.add_queue(queue)
    store = MemoryStateStore()
    store.migrate()
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
    first = sync_pass(engine)
    assert first.errors == {}
    assert first.intake["x"].new == 3
    tasks = len(org.records.get("Task", {}))
    cases = len(org.records.get("Case", {}))

    # the next pass re-reads the overlap (here: the whole window again, on one page)
    responses.reset()
    again = payload("mentions_page1.json")
    del again["meta"]["next_token"]
    add_json(MENTIONS_URL, again)
    second = sync_pass(engine)
    assert second.errors == {}
    assert second.intake["x"].new == 0
    assert second.intake["x"].duplicates == 2
    assert len(org.records.get("Task", {})) == tasks
    assert len(org.records.get("Case", {})) == cases
    state = store.source("x")
    assert state is not None and state.cursor is not None

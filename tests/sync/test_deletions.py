"""Posts deleted or edited on the network (Facebook webhooks), on the in-memory twins."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sf_social.sources.facebook import FacebookWebhookSource, WebhookSpool, split_events
from sf_social.state import LedgerStatus
from sf_social.sync.passes import sync_pass
from tests.sources.facebook import payloads as fb
from tests.sync.conftest import memory_engine

C1, C3 = "PAGEPOST_1_C1", "PAGEPOST_1_C3"


def _add(spool: WebhookSpool, *payloads: dict[str, Any]) -> None:
    spool.add([event for payload in payloads for event in split_events(payload)])


def _task(org: Any, key: str) -> dict[str, Any]:
    (task,) = [t for t in org.records["Task"].values() if t["Social_Post_Key__c"] == key]
    return dict(task)


def test_a_deleted_comment_is_blanked_in_one_pass_and_a_replay_keeps_it_so(
    tmp_path: Path,
) -> None:
    spool = WebhookSpool(tmp_path / "fb.db")
    source = FacebookWebhookSource(spool, page_id=fb.PAGE)
    engine, org, store = memory_engine([source])
    reply = fb.comment("PAGEPOST_1_C2", "So sorry! DM us please", (fb.PAGE, "Northwind"), C1)
    _add(spool, fb.comment(C1), reply, fb.comment(C3, "still nothing, day 4 #fail", parent=C1))
    sync_pass(engine)
    (case,) = org.records["Case"].values()
    assert fb.COMPLAINT.split()[0] in case["Subject"]
    assert len(org.records["Task"]) == 3

    edited = fb.comment(C3, "ok it arrived, thanks", parent=C1, verb="edited")
    _add(spool, fb.comment(C1, verb="remove"), edited)
    report = sync_pass(engine)

    assert report.push.dead == 0
    task = _task(org, f"facebook:{C1}")
    assert task["Subject"] == "Post deleted by its author"
    assert "deleted this post on Facebook" in task["Description"]
    assert fb.COMPLAINT not in repr(org.records)  # the Task and the Case it opened
    assert task.get("Social_Post_URL__c") is None
    (case,) = org.records["Case"].values()
    assert case["Subject"] == "[post deleted by its author]"
    assert case["Origin"] == "Facebook"  # kept for the agents, with its classification
    assert _task(org, f"facebook:{C3}")["Description"] == "ok it arrived, thanks"
    ledger = store.ledger([("facebook", C1)])
    assert ledger[("facebook", C1)].status is LedgerStatus.ERASED

    # a replay reads the spool again: the comment's "add" event must not bring it back
    store.forget_posts(store.ledger([("facebook", C1)])[("facebook", C1)].first_seen)
    store.commit_batch(source.name, None, [], [])  # the cursor back to the start
    sync_pass(engine)
    assert fb.COMPLAINT not in repr(org.records)
    assert len(org.records["Task"]) == 3


def test_a_comment_removed_before_it_was_sent_is_never_written(tmp_path: Path) -> None:
    spool = WebhookSpool(tmp_path / "fb.db")
    engine, org, _ = memory_engine([FacebookWebhookSource(spool, page_id=fb.PAGE)])
    _add(spool, fb.comment(C1), fb.comment(C1, verb="remove"))

    sync_pass(engine)

    assert org.records.get("Case", {}) == {} and org.records.get("Task", {}) == {}

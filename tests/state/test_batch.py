"""Contract: commit_batch, the one transaction of design rule 2 (every backend)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from sf_social.state import (
    CHECKPOINTS,
    Completed,
    LedgerStatus,
    QueuedPlan,
    StateStore,
    ThreadState,
)
from tests.state.conftest import Backend, Faults, InjectedFault
from tests.state.plans import LEASE, T0, plan, post, queued


def test_batch_queues_marks_seen_and_advances_cursor(store: StateStore) -> None:
    result = store.commit_batch(
        "x-mentions",
        {"since_id": "2", "pages": [1, 2]},
        [post("1"), post("2"), post("3")],
        [queued("1"), queued("2"), queued("3", writes=False)],
        now=T0,
    )
    assert (result.new_posts, result.duplicates, result.queued) == (3, 0, 2)
    assert store.seen([("twitter", "1"), ("twitter", "3"), ("twitter", "9")]) == {
        ("twitter", "1"),
        ("twitter", "3"),
    }
    entries = store.ledger([("twitter", "1"), ("twitter", "3")])
    first = entries[("twitter", "1")]
    assert first.status is LedgerStatus.PLANNED
    assert first.keys == ("twitter:1", "twitter:thread:1")
    assert (first.source, first.first_seen, first.last_seen) == ("x-mentions", T0, T0)
    assert entries[("twitter", "3")].status is LedgerStatus.SKIPPED
    assert entries[("twitter", "3")].keys == ()
    source = store.source("x-mentions")
    assert source is not None
    assert source.cursor == {"since_id": "2", "pages": [1, 2]}
    assert source.cursor_updated_at == T0
    rows = store.claim_outbox("w", 10, T0, LEASE)
    assert [r.post_key for r in rows] == ["twitter:1", "twitter:2"]


def test_cursor_round_trips_and_is_replaced(store: StateStore) -> None:
    assert store.source("feed") is None
    cursor = {"offset": 120, "file": "posts.jsonl", "nested": {"ids": ["a", "é"]}, "ok": True}
    store.commit_batch("feed", cursor, [], [], now=T0)
    later = T0 + timedelta(minutes=1)
    store.commit_batch("feed", {"offset": 240}, [], [], now=later)
    state = store.source("feed")
    assert state is not None
    assert (state.cursor, state.cursor_updated_at) == ({"offset": 240}, later)
    store.commit_batch("other", cursor, [], [], now=later)
    other = store.source("other")
    assert other is not None and other.cursor == cursor


def test_ledger_deduplicates_posts_and_their_plans(store: StateStore) -> None:
    store.commit_batch("a", {"n": 1}, [post("1"), post("2")], [queued("1"), queued("2")], now=T0)
    later = T0 + timedelta(hours=1)
    result = store.commit_batch(
        "a",
        {"n": 2},
        [post("2"), post("3"), post("3")],  # an overlap, and a post twice in one batch
        [queued("2"), queued("3")],
        now=later,
    )
    assert (result.new_posts, result.duplicates, result.queued) == (1, 1, 1)
    rows = store.claim_outbox("w", 10, later, LEASE)
    assert [r.post_key for r in rows] == ["twitter:1", "twitter:2", "twitter:3"]
    again = store.ledger([("twitter", "2")])[("twitter", "2")]
    assert (again.first_seen, again.last_seen) == (T0, later)


def test_plans_are_queued_in_the_order_given(store: StateStore) -> None:
    plans = [queued("2", "k"), queued("1", "k"), QueuedPlan(plan("2", thread="9"), "k")]
    store.commit_batch("a", None, [post("1"), post("2")], plans, now=T0)
    rows = store.claim_outbox("w", 10, T0, LEASE, per_key=3)
    assert [(r.post_key, r.plan.writes[0].key) for r in rows] == [
        ("twitter:2", "twitter:thread:2"),
        ("twitter:1", "twitter:thread:1"),
        ("twitter:2", "twitter:thread:9"),
    ]
    entry = store.ledger([("twitter", "2")])[("twitter", "2")]
    assert entry.keys == ("twitter:2", "twitter:thread:2", "twitter:thread:9")
    # a post is written once all of its rows are
    store.settle([Completed(rows[0], {})], now=T0)
    assert store.ledger([("twitter", "2")])[("twitter", "2")].status is LedgerStatus.PLANNED
    store.settle([Completed(rows[1], {}), Completed(rows[2], {})], now=T0)
    assert store.ledger([("twitter", "2")])[("twitter", "2")].status is LedgerStatus.WRITTEN


def test_a_plan_without_its_post_is_refused(store: StateStore) -> None:
    with pytest.raises(ValueError, match="twitter:9 has no post in the batch"):
        store.commit_batch("a", {"n": 1}, [post("1")], [queued("1"), queued("9")], now=T0)
    assert store.source("a") is None and store.seen([("twitter", "1")]) == set()


@pytest.mark.parametrize("point", CHECKPOINTS)
def test_a_failure_anywhere_in_the_batch_changes_nothing(
    backend: Backend, store: StateStore, faults: Faults, point: str
) -> None:
    store.commit_batch("a", {"n": 1}, [post("1")], [queued("1")], now=T0)
    faults.armed = point
    with pytest.raises(InjectedFault):
        store.commit_batch(
            "a",
            {"n": 2},
            [post("1"), post("2"), post("3")],
            [queued("2"), queued("3")],
            threads=[ThreadState("twitter:thread:2", 1, "twitter:thread:2")],
            now=T0 + timedelta(minutes=1),
        )
    assert point in faults.passed
    faults.armed = None
    for view in (store, backend.open()):  # this store, and a fresh one on the same data
        source = view.source("a")
        assert source is not None and source.cursor == {"n": 1}
        assert view.seen([("twitter", "1"), ("twitter", "2"), ("twitter", "3")]) == {
            ("twitter", "1")
        }
        assert view.ledger([("twitter", "1")])[("twitter", "1")].last_seen == T0
        assert view.threads(["twitter:thread:2"]) == {}
        assert view.status(now=T0).outbox_depth == 1
    # and the batch goes through once the fault is gone
    result = store.commit_batch("a", {"n": 2}, [post("2")], [queued("2")], now=T0)
    assert result.queued == 1


def test_plans_keep_their_references_through_the_outbox(store: StateStore) -> None:
    original = plan("7", thread="1")
    store.commit_batch("a", None, [post("7")], [QueuedPlan(original)], now=T0)
    (row,) = store.claim_outbox("w", 1, T0, LEASE)
    assert row.plan == original
    task = row.plan.writes[1].record
    assert task.api_fields()["What"]["Social_Thread_Key__c"] == "twitter:thread:1"
    source = store.source("a")
    assert source is not None and source.cursor is None

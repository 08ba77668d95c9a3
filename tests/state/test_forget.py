"""Contract: ``forget_posts`` drops done posts of a window from the ledger (every backend)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sf_social.state import Completed, DeadLettered, Failure, LedgerStatus, StateStore
from tests.state.plans import LEASE, T0, post, queued

T1 = T0 + timedelta(hours=1)
T2 = T0 + timedelta(hours=2)


def _written(store: StateStore, source: str, post_id: str, at: datetime) -> None:
    store.commit_batch(source, {"n": post_id}, [post(post_id)], [queued(post_id)], now=at)
    (row,) = store.claim_outbox("w", 10, at, LEASE)
    store.settle([Completed(row, {f"twitter:{post_id}": f"00T{post_id}"})], now=at)


def test_forgets_done_posts_of_the_window_and_keeps_the_rest(store: StateStore) -> None:
    _written(store, "a", "1", T0)  # before the window
    _written(store, "a", "2", T1)
    _written(store, "b", "3", T2)
    store.commit_batch("b", None, [post("4")], [queued("4", writes=False)], now=T2)  # skipped
    store.commit_batch("b", None, [post("5")], [queued("5")], now=T2)  # planned, waiting
    store.commit_batch("b", None, [post("6")], [queued("6")], now=T2)
    rows = store.claim_outbox("w", 10, T2, LEASE)
    six = next(r for r in rows if r.post_key == "twitter:6")
    store.settle([DeadLettered(six, Failure("INVALID_FIELD", "no such field"))], now=T2)  # failed
    store.release([r for r in rows if r is not six])

    assert store.forget_posts(T1) == {"a": 1, "b": 2}

    refs = [("twitter", str(n)) for n in range(1, 7)]
    left = store.ledger(refs)
    assert sorted(left) == [("twitter", "1"), ("twitter", "5"), ("twitter", "6")]
    assert left[("twitter", "5")].status is LedgerStatus.PLANNED
    assert left[("twitter", "6")].status is LedgerStatus.FAILED
    assert store.seen(refs) == set(left)
    # what the records are stays known: a replay updates them, never makes twins
    assert store.known_ids(["twitter:2", "twitter:3"]) == {
        "twitter:2": "00T2",
        "twitter:3": "00T3",
    }
    assert store.status(now=T2).outbox_depth == 1 and len(store.dead_letters()) == 1
    # a forgotten post is new again: committing it queues its plan again
    again = store.commit_batch("a", None, [post("2")], [queued("2")], now=T2)
    assert (again.new_posts, again.queued) == (1, 1)


def test_forgets_only_the_sources_named(store: StateStore) -> None:
    _written(store, "a", "1", T1)
    _written(store, "b", "2", T1)
    assert store.forget_posts(T0, sources=["b", "c"]) == {"b": 1}
    assert store.forget_posts(T0, sources=[]) == {}
    assert store.seen([("twitter", "1"), ("twitter", "2")]) == {("twitter", "1")}
    assert store.forget_posts(T2) == {}

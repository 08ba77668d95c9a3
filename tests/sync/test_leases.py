"""LeaseTracker: rows leased and not settled are what a shutdown gives back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sf_social.state import Completed, MemoryStateStore
from sf_social.sync.leases import LeaseTracker
from tests.state.plans import post, queued

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def test_release_all_gives_back_only_what_is_still_held() -> None:
    store = MemoryStateStore()
    store.commit_batch("src", None, [post(i) for i in "123"], [queued(i) for i in "123"], now=T0)
    tracker = LeaseTracker(store)
    rows = tracker.claim_outbox("me", 10, T0, timedelta(minutes=5))
    assert len(rows) == 3 and len(tracker.held) == 3
    tracker.settle([Completed(rows[0], {})], now=T0)
    assert {r.id for r in tracker.held} == {rows[1].id, rows[2].id}
    assert tracker.status(now=T0).outbox_leased == 2  # anything else goes to the store
    assert tracker.release_all() == 2
    assert tracker.held == [] and store.status(now=T0).outbox_leased == 0
    assert len(store.claim_outbox("other", 10, T0, timedelta(minutes=5))) == 2

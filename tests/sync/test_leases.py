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
    rows = tracker.claim("me", 10, T0, timedelta(minutes=5))
    assert len(rows) == 3 and len(tracker.held) == 3
    tracker.settle([Completed(rows[0], {})], now=T0)
    assert {r.id for r in tracker.held} == {rows[1].id, rows[2].id}
    assert store.status(now=T0).outbox_leased == 2
    assert tracker.release_all() == 2
    assert tracker.held == [] and store.status(now=T0).outbox_leased == 0
    assert len(store.claim_outbox("other", 10, T0, timedelta(minutes=5))) == 2


def test_a_worker_is_dead_only_when_its_process_is_gone_on_this_host() -> None:
    import subprocess
    import sys

    from sf_social.sync.leases import default_worker_id, worker_is_dead

    me = default_worker_id()
    host, _, rest = me.rpartition(":")
    namespace = rest.partition("@")[2]
    done = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    gone = f"{host}:{done.stdout.strip()}" + (f"@{namespace}" if namespace else "")
    assert not worker_is_dead(me)
    assert worker_is_dead(gone)
    assert not worker_is_dead(gone.replace(host, "elsewhere", 1))  # another host: its lease
    if namespace:
        assert not worker_is_dead(gone.replace(f"@{namespace}", "@1"))  # another container
    assert not worker_is_dead("driver")  # not ours to judge


def test_keep_leased_renews_the_lease_while_the_write_is_in_flight() -> None:
    import time

    from sf_social.sync.leases import keep_leased

    store = MemoryStateStore()
    store.commit_batch("src", None, [post("1")], [queued("1")], now=T0)
    lease = timedelta(seconds=0.6)
    rows = store.claim_outbox("me", 10, datetime.now(UTC), lease)
    with keep_leased(store, rows, lease, lambda: datetime.now(UTC)):
        time.sleep(1.5)  # longer than the lease: a heartbeat kept it
        assert store.lease_holders(datetime.now(UTC)) == {"me"}
    time.sleep(0.8)
    assert store.lease_holders(datetime.now(UTC)) == set()  # no heartbeat after the block

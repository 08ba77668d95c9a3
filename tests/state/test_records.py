"""Contract: threads, source status, run history and the status snapshot (every backend)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

from sf_social.state import Completed, RunCounts, StateStore, ThreadState
from tests.state.plans import LEASE, T0, post, queued


def test_thread_generations(store: StateStore) -> None:
    root = "twitter:thread:100"
    first = ThreadState(root, 1, root, author_key="twitter:user:7", last_activity_at=T0)
    store.commit_batch("src", None, [post("100")], [queued("100")], threads=[first], now=T0)
    assert store.threads([root, "twitter:thread:nope"]) == {
        root: ThreadState(
            root, 1, root, author_key="twitter:user:7", last_activity_at=T0, updated_at=T0
        )
    }
    # the Case is created: its Id lands on the thread
    (row,) = store.claim_outbox("w", 1, T0, LEASE)
    store.settle([Completed(row, {root: "500000000000100AAA", "twitter:100": "00T1"})], now=T0)
    assert store.threads([root])[root].case_id == "500000000000100AAA"
    # agents closed it long ago: the thread moves to generation 2, a new Case
    closed = T0 - timedelta(days=30)
    later = T0 + timedelta(days=1)
    second = ThreadState(
        root,
        2,
        root + "#2",
        status="Closed",
        closed_at=closed,
        first_response_at=T0 + timedelta(minutes=20),
        author_key="twitter:user:7",
        last_activity_at=later,
    )
    store.save_threads([second], now=later)
    now = store.threads([root])[root]
    assert (now.generation, now.case_key, now.case_id) == (2, root + "#2", None)
    assert (now.status, now.closed_at, now.updated_at) == ("Closed", closed, later)
    assert now.first_response_at == T0 + timedelta(minutes=20)


def test_a_save_after_a_concurrent_change_keeps_that_change(store: StateStore) -> None:
    """Push saves after intake changed the thread it had read: ``read`` keeps intake's
    change on every store (the in-memory one saved blindly)."""
    root = "twitter:thread:300"
    store.save_threads([ThreadState(root, 1, root)], now=T0)
    read = store.threads([root])
    sooner = replace(read[root], response_due_at=T0 + timedelta(minutes=30))
    store.commit_batch(
        "src", None, [post("301")], [queued("301")], threads=[sooner], threads_read=read, now=T0
    )
    pushed = replace(read[root], case_id="500000000000300AAA")
    store.save_threads([pushed], read=read, now=T0)
    now = store.threads([root])[root]
    assert (now.case_id, now.response_due_at) == ("500000000000300AAA", T0 + timedelta(minutes=30))


def test_two_writers_of_a_thread_keep_each_others_changes(store: StateStore) -> None:
    """Intake and push change one thread from what each read a moment before: with
    ``read``, neither undoes the other (a blind save would drop push's Case Id here and
    intake's earlier due time in the push's save)."""
    root = "twitter:thread:200"
    due = T0 + timedelta(hours=2)
    store.save_threads([ThreadState(root, 1, root, response_due_at=due)], now=T0)
    read = store.threads([root])
    # push learnt the Case's Id and status; intake, meanwhile, a post asking sooner
    pushed = replace(read[root], case_id="500000000000200AAA", status="New")
    sooner = replace(read[root], response_due_at=T0 + timedelta(minutes=30), last_activity_at=T0)
    store.save_threads([pushed], read=read, now=T0)
    store.commit_batch(
        "src", None, [post("201")], [queued("201")], threads=[sooner], threads_read=read, now=T0
    )
    now = store.threads([root])[root]
    assert (now.case_id, now.status) == ("500000000000200AAA", "New")
    assert (now.response_due_at, now.last_activity_at) == (T0 + timedelta(minutes=30), T0)
    # a field set back to None on purpose (a new generation's first response) stays None
    answered = replace(now, first_response_at=T0)
    store.save_threads([answered], read={root: now}, now=T0)
    reset = replace(answered, first_response_at=None, generation=2, case_key=root + "#2")
    store.save_threads([reset], read={root: answered}, now=T0)
    again = store.threads([root])[root]
    assert (again.first_response_at, again.generation, again.case_id) == (
        None,
        2,
        "500000000000200AAA",
    )


def test_threads_keep_their_response_facts_and_are_found_by_opening_time(
    store: StateStore,
) -> None:
    def opened(root: str, minutes: int) -> ThreadState:
        key = f"twitter:thread:{root}"
        return ThreadState(
            key,
            1,
            key,
            opened_at=T0 + timedelta(minutes=minutes),
            response_due_at=T0 + timedelta(minutes=minutes + 60),
            segment="Request",
            team="Customer Support",
            network="Twitter",
            tier="1,000+ Followers",
        )

    early, late, never = opened("1", 0), opened("2", 30), ThreadState("x", 1, "x")
    store.save_threads([late, never, early], now=T0)
    assert store.threads_opened_since(T0) == [
        replace(early, updated_at=T0),
        replace(late, updated_at=T0),
    ]
    assert [t.root_key for t in store.threads_opened_since(T0 + LEASE)] == [late.root_key]


def test_overdue_threads_are_the_unanswered_open_unflagged_ones_past_due(
    store: StateStore,
) -> None:
    def due(root: str, minutes: int, **facts: Any) -> ThreadState:
        return ThreadState(root, 1, root, response_due_at=T0 + timedelta(minutes=minutes), **facts)

    now = T0 + timedelta(hours=1)
    store.save_threads(
        [
            due("late", 30),
            due("later", 50),
            due("not yet", 90),
            due("answered", 10, first_response_at=T0),
            due("closed", 10, closed_at=T0),
            due("flagged", 10, overdue_at=now),
            ThreadState("no target", 1, "no target"),
        ],
        now=T0,
    )
    assert [t.root_key for t in store.overdue_threads(now)] == ["late", "later"]
    assert [t.root_key for t in store.overdue_threads(now, limit=1)] == ["late"]
    assert store.threads(["flagged"])["flagged"].overdue_at == now


def test_latest_thread_by_author(store: StateStore) -> None:
    old = ThreadState(
        "twitter:thread:1", 1, "twitter:thread:1", author_key="u", last_activity_at=T0
    )
    new = ThreadState(
        "twitter:thread:2", 1, "twitter:thread:2", author_key="u", last_activity_at=T0 + LEASE
    )
    other = ThreadState("twitter:thread:3", 1, "twitter:thread:3", author_key="v")
    store.save_threads([new, old, other], now=T0)
    found = store.latest_threads_by_author(["u", "v", "w"])
    assert {k: t.root_key for k, t in found.items()} == {
        "u": "twitter:thread:2",
        "v": "twitter:thread:3",
    }


def test_source_status_is_kept_beside_the_cursor(store: StateStore) -> None:
    store.set_source_status("x", {"rate_limited_until": "2026-01-05T09:15:00Z"}, now=T0)
    state = store.source("x")
    assert state is not None
    assert (state.cursor, state.status) == (None, {"rate_limited_until": "2026-01-05T09:15:00Z"})
    store.commit_batch("x", {"since_id": "5"}, [], [], now=T0 + LEASE)
    store.set_source_status("x", {"gap": "800-mention window exceeded", "reads": 1200}, now=T0)
    state = store.source("x")
    assert state is not None
    assert state.cursor == {"since_id": "5"}
    assert state.status == {"gap": "800-mention window exceeded", "reads": 1200}
    assert (state.cursor_updated_at, state.status_updated_at) == (T0 + LEASE, T0)


def test_run_history(store: StateStore) -> None:
    first = store.start_run("x", now=T0)
    second = store.start_run("feed", now=T0)
    store.finish_run(first, RunCounts(pulled=10, new=8, planned=8, written=7, retried=1), now=T0)
    third = store.start_run("x", now=T0 + LEASE)
    store.finish_run(third, RunCounts(pulled=1), error="TooManyRequests", now=T0 + LEASE)
    runs = store.runs()
    assert [r.id for r in runs] == [third, second, first]
    assert [r.id for r in store.runs(source="x", limit=1)] == [third]
    done = next(r for r in runs if r.id == first)
    assert done.counts == RunCounts(pulled=10, new=8, planned=8, written=7, retried=1)
    assert (done.started_at, done.finished_at, done.error) == (T0, T0, None)
    running = next(r for r in runs if r.id == second)
    assert (running.finished_at, running.counts) == (None, RunCounts())
    last = store.status(now=T0).last_runs
    assert {k: r.id for k, r in last.items()} == {"feed": second, "x": third}
    assert last["x"].error == "TooManyRequests"


def test_status_snapshot(store: StateStore) -> None:
    store.commit_batch("feed", {"offset": 3}, [post("1"), post("2")], [queued("1")], now=T0)
    later = T0 + timedelta(minutes=3)
    store.commit_batch("x", {"since_id": "3"}, [post("3")], [queued("3")], now=later)
    status = store.status(now=later + timedelta(minutes=1))
    assert [s.name for s in status.sources] == ["feed", "x"]
    assert status.sources[0].cursor == {"offset": 3}
    assert (status.outbox_depth, status.outbox_due, status.outbox_leased) == (2, 2, 0)
    assert status.oldest_outbox_at == T0
    assert status.oldest_outbox_age == timedelta(minutes=4)
    assert status.ledger_by_status == {"planned": 2, "skipped": 1}
    assert status.dead_letters_by_code == {}

"""Contract: dead letters listed, shown, retried (back in order) and dropped (every backend)."""

from __future__ import annotations

from datetime import timedelta

from sf_social.state import (
    Completed,
    DeadLettered,
    Failure,
    LedgerStatus,
    QueuedPlan,
    Rescheduled,
    StateStore,
)
from sf_social.state.deadletters import PARENT_FAILED
from tests.state.plans import LEASE, T0, plan, post, queued

PICKLIST = "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"


def bury(store: StateStore, *codes: str) -> None:
    """Queue one post per code, all on ordering key ``k``, and dead-letter each in turn."""
    ids = [str(n) for n in range(1, len(codes) + 1)]
    store.commit_batch("src", None, [post(i) for i in ids], [queued(i, "k") for i in ids], now=T0)
    rows = store.claim_outbox("w", 10, T0, LEASE, per_key=len(codes))
    assert len(rows) == len(codes)
    for n, (row, code) in enumerate(zip(rows, codes, strict=True)):
        store.settle(
            [DeadLettered(row, Failure(code, f"failure {n}"))], now=T0 + timedelta(seconds=n)
        )


def test_list_and_show(store: StateStore) -> None:
    bury(store, PICKLIST, "INVALID_FIELD", PICKLIST)
    listed = store.dead_letters()
    assert [d.post_key for d in listed] == ["twitter:1", "twitter:2", "twitter:3"]
    assert [d.post_key for d in store.dead_letters(code=PICKLIST)] == ["twitter:1", "twitter:3"]
    assert len(store.dead_letters(limit=1)) == 1
    shown = store.get_dead_letter(listed[1].id)
    assert shown == listed[1]
    assert shown is not None and shown.plan.post_key == "twitter:2"
    assert store.get_dead_letter(10_000) is None
    assert store.status(now=T0).dead_letters_by_code == {"INVALID_FIELD": 1, PICKLIST: 2}


def test_retry_moves_them_back_to_the_outbox_in_their_old_place(store: StateStore) -> None:
    bury(store, PICKLIST, "INVALID_FIELD")
    # a newer post on the same key arrives while the first two are parked
    store.commit_batch("src", None, [post("9")], [queued("9", "k")], now=T0)
    at = T0 + timedelta(hours=1)
    assert store.retry_dead_letters(code=PICKLIST, now=at) == 1
    assert [d.code for d in store.dead_letters()] == ["INVALID_FIELD"]
    assert store.ledger([("twitter", "1")])[("twitter", "1")].status is LedgerStatus.PLANNED
    # the retried row goes before the newer one on its key, attempts start over
    (row,) = store.claim_outbox("w", 10, at, LEASE)
    assert (row.post_key, row.attempts, row.created_at) == ("twitter:1", 1, T0)
    assert row.last_error is not None and PICKLIST in row.last_error
    store.settle([Completed(row, {})], now=at)
    assert store.ledger([("twitter", "1")])[("twitter", "1")].status is LedgerStatus.WRITTEN
    # the newer post still waits behind the other dead letter of its key, until it goes
    assert store.claim_outbox("w", 10, at, LEASE) == []
    assert store.status(now=at).outbox_held == 1
    assert store.drop_dead_letters(code="INVALID_FIELD") == 1
    assert [r.post_key for r in store.claim_outbox("w", 10, at, LEASE)] == ["twitter:9"]


def test_retry_by_id_and_all(store: StateStore) -> None:
    bury(store, "A", "B", "C")
    _, second, _ = store.dead_letters()
    assert store.retry_dead_letters([second.id, 12345], now=T0) == 1
    assert [d.code for d in store.dead_letters()] == ["A", "C"]
    assert store.retry_dead_letters(now=T0) == 2
    assert store.dead_letters() == []
    assert store.status(now=T0).outbox_depth == 3


def test_drop(store: StateStore) -> None:
    bury(store, "A", "B", "B")
    first = store.dead_letters()[0]
    assert store.drop_dead_letters([first.id]) == 1
    assert store.drop_dead_letters(code="B") == 2
    assert store.drop_dead_letters() == 0
    assert store.status(now=T0).outbox_depth == 0
    assert store.ledger([("twitter", "1")])[("twitter", "1")].status is LedgerStatus.FAILED


def test_retry_takes_along_what_waited_on_it(store: StateStore) -> None:
    """The PARENT_FAILED dead letters behind it or logging a Task on its records (and
    theirs, in turn) go back with it; the rows it held back are due at once."""
    later = T0 + timedelta(hours=1)
    store.commit_batch(
        "src",
        None,
        [post(str(n)) for n in range(1, 7)],
        [
            queued("1", "k"),  # refused for its own reason
            queued("2", "k"),  # behind it in its key, failed with it
            QueuedPlan(plan("3", thread="1"), "x"),  # a Task on 1's Case, in another key
            QueuedPlan(plan("4", thread="2"), "y"),  # a Task on 2's Case: waits on 1 in turn
            queued("5", "z"),  # failed because of something else
            queued("6", "k"),  # behind them, to be tried later
        ],
        now=T0,
    )
    rows = {r.post_key: r for r in store.claim_outbox("w", 10, T0, LEASE, per_key=3)}
    parent = Failure(PARENT_FAILED, "its Case was not written")
    store.settle(
        [
            DeadLettered(rows["twitter:1"], Failure("UNKNOWN_QUEUE", "no queue")),
            *(DeadLettered(rows[f"twitter:{n}"], parent) for n in (2, 3, 4, 5)),
            Rescheduled(rows["twitter:6"], "UNABLE_TO_LOCK_ROW", later),
        ],
        now=T0,
    )
    first = store.dead_letters(code="UNKNOWN_QUEUE")[0]

    assert store.retry_dead_letters([first.id], now=T0) == 4
    assert [d.post_key for d in store.dead_letters()] == ["twitter:5"]
    ledger = store.ledger([("twitter", str(n)) for n in range(1, 7)])
    statuses = [ledger[("twitter", str(n))].status for n in range(1, 7)]
    assert statuses == [LedgerStatus.PLANNED] * 4 + [LedgerStatus.FAILED, LedgerStatus.PLANNED]
    claimed = store.claim_outbox("w", 10, T0, LEASE, per_key=3)
    assert [r.post_key for r in claimed] == [f"twitter:{n}" for n in (1, 2, 3, 4, 6)]

"""Contract: claiming and settling outbox rows, per-key order, leases (every backend)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

import pytest

from sf_social.state import (
    Completed,
    DeadLettered,
    Failure,
    LedgerStatus,
    OutboxRow,
    Rescheduled,
    StateStore,
)
from tests.state.plans import LEASE, T0, post, queued


def fill(store: StateStore, *items: tuple[str, str | None]) -> None:
    """Queue one plan per (post id, ordering key), in this order."""
    ids = [post_id for post_id, _ in items]
    store.commit_batch(
        "src", None, [post(i) for i in ids], [queued(i, key) for i, key in items], now=T0
    )


def keys(rows: Sequence[OutboxRow]) -> list[str]:
    return [row.post_key for row in rows]


def test_claim_leases_oldest_first_and_counts_attempts(store: StateStore) -> None:
    fill(store, ("1", None), ("2", None), ("3", None))
    first = store.claim_outbox("w1", 2, T0, LEASE)
    assert keys(first) == ["twitter:1", "twitter:2"]
    assert all(r.attempts == 1 and r.claimed_by == "w1" for r in first)
    assert all(r.claimed_until == T0 + LEASE for r in first)
    assert keys(store.claim_outbox("w2", 5, T0, LEASE)) == ["twitter:3"]
    assert store.claim_outbox("w3", 5, T0, LEASE) == []
    assert store.claim_outbox("w3", 0, T0 + LEASE, LEASE) == []


def test_nothing_is_claimable_before_it_is_due(store: StateStore) -> None:
    fill(store, ("1", None))
    assert store.claim_outbox("w", 5, T0 - timedelta(seconds=1), LEASE) == []
    assert keys(store.claim_outbox("w", 5, T0, LEASE)) == ["twitter:1"]


def test_complete_removes_the_row_and_keeps_the_ids(store: StateStore) -> None:
    fill(store, ("1", None))
    (row,) = store.claim_outbox("w", 5, T0, LEASE)
    ids = {"twitter:thread:1": "500000000000001AAA", "twitter:1": "00T000000000001AAA"}
    assert store.settle([Completed(row, ids)], now=T0) == [True]
    assert store.claim_outbox("w", 5, T0 + LEASE * 2, LEASE) == []
    entry = store.ledger([("twitter", "1")])[("twitter", "1")]
    assert (entry.status, entry.sf_ids, entry.attempts) == (LedgerStatus.WRITTEN, ids, 1)
    assert store.known_ids(["twitter:1", "twitter:thread:1", "twitter:2"]) == ids
    assert store.status(now=T0).outbox_depth == 0


def test_reschedule_releases_the_row_until_its_time(store: StateStore) -> None:
    fill(store, ("1", None))
    (row,) = store.claim_outbox("w", 5, T0, LEASE)
    later = T0 + timedelta(seconds=30)
    assert store.settle([Rescheduled(row, "UNABLE_TO_LOCK_ROW: try again", later)], now=T0) == [
        True
    ]
    assert store.claim_outbox("w", 5, later - timedelta(seconds=1), LEASE) == []
    (again,) = store.claim_outbox("w2", 5, later, LEASE)
    assert (again.id, again.attempts, again.claimed_by) == (row.id, 2, "w2")
    assert again.last_error == "UNABLE_TO_LOCK_ROW: try again"
    assert again.first_failed_at == T0
    entry = store.ledger([("twitter", "1")])[("twitter", "1")]
    assert (entry.status, entry.attempts) == (LedgerStatus.PLANNED, 1)


def test_dead_letter_parks_the_row_with_its_reason(store: StateStore) -> None:
    fill(store, ("1", None))
    (row,) = store.claim_outbox("w", 5, T0, LEASE)
    store.settle([Rescheduled(row, "SERVER_UNAVAILABLE", T0 + timedelta(seconds=10))], now=T0)
    (row,) = store.claim_outbox("w", 5, T0 + timedelta(seconds=10), LEASE)
    failure = Failure("INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", "bad value: X", ("Type",))
    at = T0 + timedelta(seconds=11)
    assert store.settle([DeadLettered(row, failure)], now=at) == [True]
    assert store.claim_outbox("w", 5, at + LEASE, LEASE) == []
    (dead,) = store.dead_letters()
    assert (dead.code, dead.message, dead.fields) == (failure.code, failure.message, ("Type",))
    assert (dead.attempts, dead.first_failed_at, dead.last_failed_at) == (2, T0, at)
    assert (dead.outbox_id, dead.post_key, dead.plan) == (row.id, "twitter:1", row.plan)
    assert store.ledger([("twitter", "1")])[("twitter", "1")].status is LedgerStatus.FAILED


def test_rows_of_one_key_are_applied_in_order(store: StateStore) -> None:
    fill(store, ("1", "thread:A"), ("2", "thread:B"), ("3", "thread:A"), ("4", "thread:A"))
    first = store.claim_outbox("w1", 10, T0, LEASE)
    assert keys(first) == ["twitter:1", "twitter:2"]  # 3 and 4 wait behind 1
    assert store.claim_outbox("w2", 10, T0, LEASE) == []  # 1 is leased: A still blocked
    store.settle([Rescheduled(first[0], "transient", T0 + timedelta(minutes=1))], now=T0)
    assert store.claim_outbox("w2", 10, T0, LEASE) == []  # 1 is pending, just not due
    store.settle([Completed(first[1], {})], now=T0)
    (one,) = store.claim_outbox("w2", 10, T0 + timedelta(minutes=1), LEASE)
    assert one.post_key == "twitter:1"
    store.settle([Completed(one, {})], now=T0)
    assert keys(store.claim_outbox("w2", 10, T0 + timedelta(minutes=1), LEASE)) == ["twitter:3"]


def test_a_dead_letter_holds_its_key_until_it_is_retried(store: StateStore) -> None:
    fill(store, ("1", "k"), ("2", "k"), ("3", "other"))
    (row, other) = store.claim_outbox("w", 10, T0, LEASE)
    store.settle([DeadLettered(row, Failure("INVALID_FIELD", "no such field"))], now=T0)
    store.settle([Completed(other, {})], now=T0)
    status = store.status(now=T0)
    assert (status.outbox_depth, status.outbox_held, status.outbox_due) == (1, 1, 0)
    assert status.outbox_pending == 0
    assert store.claim_outbox("w", 10, T0 + LEASE, LEASE, per_key=5) == []
    assert store.retry_dead_letters(now=T0) == 1
    assert store.status(now=T0).outbox_held == 0
    # the retried row goes first again, then the row it held
    assert keys(store.claim_outbox("w", 10, T0 + LEASE, LEASE)) == ["twitter:1"]


def test_a_dropped_dead_letter_releases_its_key(store: StateStore) -> None:
    fill(store, ("1", "k"), ("2", "k"))
    (row,) = store.claim_outbox("w", 10, T0, LEASE)
    store.settle([DeadLettered(row, Failure("INVALID_FIELD", "no such field"))], now=T0)
    assert store.drop_dead_letters() == 1
    assert keys(store.claim_outbox("w", 10, T0, LEASE)) == ["twitter:2"]


def test_a_dead_letter_inside_a_claimed_chain_holds_the_rows_behind_it(
    store: StateStore,
) -> None:
    fill(store, ("1", "k"), ("2", "k"), ("3", "k"))
    one, two, three = store.claim_outbox("w", 10, T0, LEASE, per_key=3)
    store.settle(
        [
            Rescheduled(one, "later", T0),
            DeadLettered(two, Failure("INVALID_FIELD", "no such field")),
            Rescheduled(three, "later", T0),
        ],
        now=T0,
    )
    assert keys(store.claim_outbox("w", 10, T0, LEASE, per_key=3)) == ["twitter:1"]


def test_per_key_claims_take_a_contiguous_prefix(store: StateStore) -> None:
    fill(store, ("1", "A"), ("2", "A"), ("3", "B"), ("4", "A"), ("5", "A"))
    rows = store.claim_outbox("w", 10, T0, LEASE, per_key=3)
    assert keys(rows) == ["twitter:1", "twitter:2", "twitter:3", "twitter:4"]
    store.settle([Completed(r, {}) for r in rows], now=T0)
    assert keys(store.claim_outbox("w", 10, T0, LEASE, per_key=3)) == ["twitter:5"]


def test_per_key_chain_stops_at_a_row_that_is_not_available(store: StateStore) -> None:
    fill(store, ("1", "A"), ("2", "A"), ("3", "A"))
    rows = store.claim_outbox("w", 10, T0, LEASE, per_key=3)
    head, second, third = rows
    store.settle(
        [
            Completed(head, {}),
            Rescheduled(second, "later", T0 + timedelta(minutes=5)),
            Rescheduled(third, "later", T0),
        ],
        now=T0,
    )
    # 2 is not due: 3 (due) must not jump ahead of it
    assert store.claim_outbox("w", 10, T0, LEASE, per_key=3) == []
    assert keys(store.claim_outbox("w", 10, T0 + timedelta(minutes=5), LEASE, per_key=3)) == [
        "twitter:2",
        "twitter:3",
    ]


def test_claim_limit_counts_heads_first(store: StateStore) -> None:
    fill(store, ("1", "A"), ("2", "A"), ("3", "B"), ("4", "C"))
    rows = store.claim_outbox("w", 3, T0, LEASE, per_key=5)
    assert keys(rows) == ["twitter:1", "twitter:3", "twitter:4"]


def test_an_expired_lease_makes_the_row_claimable_again(store: StateStore) -> None:
    fill(store, ("1", "k"), ("2", "k"))
    (row,) = store.claim_outbox("crashed", 10, T0, LEASE)
    assert store.claim_outbox("w2", 10, T0 + LEASE - timedelta(seconds=1), LEASE) == []
    status = store.status(now=T0 + timedelta(seconds=1))
    assert (status.outbox_depth, status.outbox_leased, status.outbox_due) == (2, 1, 1)
    (again,) = store.claim_outbox("w2", 10, T0 + LEASE, LEASE)
    assert (again.id, again.claimed_by, again.attempts) == (row.id, "w2", 2)
    # the crashed worker comes back: its lease is gone, it can settle nothing
    assert store.settle([Completed(row, {"twitter:1": "00T000000000001AAA"})], now=T0) == [False]
    assert store.settle([Rescheduled(row, "x", T0)], now=T0) == [False]
    assert store.settle([DeadLettered(row, Failure("X", "y"))], now=T0) == [False]
    assert store.release([row]) == 0
    assert store.dead_letters() == []
    # its Ids are facts and are kept; the row stays with its new holder
    assert store.known_ids(["twitter:1"]) == {"twitter:1": "00T000000000001AAA"}
    assert store.ledger([("twitter", "1")])[("twitter", "1")].status is LedgerStatus.PLANNED
    assert store.settle([Completed(again, {})], now=T0) == [True]


def test_release_gives_rows_back_without_waiting_for_the_lease(store: StateStore) -> None:
    fill(store, ("1", None), ("2", None))
    rows = store.claim_outbox("w", 10, T0, LEASE)
    assert store.release(rows) == 2
    again = store.claim_outbox("w2", 10, T0, LEASE)
    assert keys(again) == ["twitter:1", "twitter:2"]
    assert [r.attempts for r in again] == [1, 1]  # the released claim was no attempt


def test_settle_applies_many_outcomes_at_once(store: StateStore) -> None:
    fill(store, ("1", None), ("2", None), ("3", None))
    one, two, three = store.claim_outbox("w", 10, T0, LEASE)
    held = store.settle(
        [
            Completed(one, {"twitter:1": "00T1"}),
            Rescheduled(two, "timeout", T0 + timedelta(minutes=1)),
            DeadLettered(three, Failure("REQUIRED_FIELD_MISSING", "LastName", ("LastName",))),
        ],
        now=T0,
    )
    assert held == [True, True, True]
    entries = store.ledger([("twitter", i) for i in "123"])
    assert [entries[("twitter", i)].status for i in "123"] == [
        LedgerStatus.WRITTEN,
        LedgerStatus.PLANNED,
        LedgerStatus.FAILED,
    ]
    assert store.status(now=T0).dead_letters_by_code == {"REQUIRED_FIELD_MISSING": 1}


def test_naive_times_are_refused(store: StateStore) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        store.claim_outbox("w", 1, T0.replace(tzinfo=None), LEASE)


def test_leases_are_extended_listed_and_expired_for_dead_holders(store: StateStore) -> None:
    fill(store, ("1", None), ("2", None), ("3", None))
    mine = store.claim_outbox("alive", 2, T0, LEASE)
    theirs = store.claim_outbox("dead", 1, T0, LEASE)
    later = T0 + LEASE + timedelta(seconds=1)
    assert store.extend_leases(mine, later + LEASE) == 2  # a heartbeat while writing
    assert store.lease_holders(later) == {"alive"}  # the dead one's lease ran out meanwhile
    assert store.lease_holders(T0) == {"alive", "dead"}
    assert store.expire_leases(["dead", "nobody"]) == 1
    assert store.lease_holders(T0) == {"alive"}
    (freed,) = store.claim_outbox("next", 10, T0, LEASE)
    assert freed.id == theirs[0].id and freed.attempts == 2  # it may have been tried
    assert store.settle([Completed(theirs[0], {})], now=T0) == [
        False
    ]  # the dead one can settle nothing
    assert store.extend_leases(theirs, later) == 0

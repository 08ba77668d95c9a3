"""Contract: dead letters listed, shown, retried (back in order) and dropped (every backend)."""

from __future__ import annotations

from datetime import timedelta

from sf_social.state import Failure, LedgerStatus, StateStore
from tests.state.plans import LEASE, T0, post, queued

PICKLIST = "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"


def bury(store: StateStore, *codes: str) -> None:
    """Queue one post per code, all on ordering key ``k``, and dead-letter each in turn."""
    ids = [str(n) for n in range(1, len(codes) + 1)]
    store.commit_batch("src", None, [post(i) for i in ids], [queued(i, "k") for i in ids], now=T0)
    rows = store.claim_outbox("w", 10, T0, LEASE, per_key=len(codes))
    assert len(rows) == len(codes)
    for n, (row, code) in enumerate(zip(rows, codes, strict=True)):
        store.dead_letter(row, Failure(code, f"failure {n}"), now=T0 + timedelta(seconds=n))


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
    store.complete(row, {}, now=at)
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

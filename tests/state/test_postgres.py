"""Replicas on PostgreSQL: SKIP LOCKED claims and advisory locks, with real connections."""

from __future__ import annotations

import itertools
import os
import threading
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from sf_social.state import CLAIM_CHECKPOINT, Completed, StateStore
from sf_social.state.sql import SqlStateStore
from tests.state.conftest import Backend, Faults, _make_backend, drop_schema, require_postgres
from tests.state.plans import LEASE, T0, post, queued


@pytest.fixture
def pg(tmp_path: Path) -> Iterator[Backend]:
    db = _make_backend("postgres", tmp_path, Faults())
    try:
        yield db
    finally:
        db.close()


def fill(store: StateStore, items: list[tuple[str, str]]) -> None:
    store.commit_batch(
        "src", None, [post(i) for i, _ in items], [queued(i, k) for i, k in items], now=T0
    )


def test_a_claim_in_progress_is_skipped_not_waited_for(pg: Backend) -> None:
    inside = threading.Event()
    go_on = threading.Event()

    def pause(name: str) -> None:
        if name == CLAIM_CHECKPOINT:
            inside.set()
            assert go_on.wait(10)

    slow = pg.open_sql(checkpoint=pause)
    fast = pg.open_sql()
    fill(slow, [(str(n), f"k{n}") for n in range(1, 7)])
    got: dict[str, list[int]] = {}
    worker = threading.Thread(
        target=lambda: got.setdefault("slow", [r.id for r in slow.claim_outbox("a", 3, T0, LEASE)])
    )
    worker.start()
    try:
        assert inside.wait(10)
        # the slow claim holds its rows locked, uncommitted: the fast one takes the others
        got["fast"] = [r.id for r in fast.claim_outbox("b", 10, T0, LEASE)]
    finally:
        go_on.set()
        worker.join(10)
    assert len(got["slow"]) == 3 and len(got["fast"]) == 3
    assert not set(got["slow"]) & set(got["fast"])


def test_concurrent_workers_never_share_a_row_and_keep_per_key_order(pg: Backend) -> None:
    # 240 rows: 120 alone on their key, 120 in 20 chains of 6
    items = [(f"s{n}", f"solo{n}") for n in range(120)]
    items += [(f"c{n}", f"chain{n % 20}") for n in range(120)]
    fill(pg.open_sql(), items)
    ticks = itertools.count()
    claimed: dict[int, list[tuple[str, int]]] = {}
    completing: dict[int, int] = {}
    guard = threading.Lock()
    errors: list[BaseException] = []

    def work(name: str, per_key: int) -> None:
        store = pg.open_sql()
        try:
            while True:
                rows = store.claim_outbox(name, 7, T0, timedelta(hours=1), per_key=per_key)
                if not rows:
                    if store.status(now=T0).outbox_depth == 0:
                        return
                    continue
                with guard:
                    for row in rows:
                        claimed.setdefault(row.id, []).append((name, next(ticks)))
                for row in rows:  # in order, as a writer applies a chain
                    with guard:
                        completing[row.id] = next(ticks)  # the commit comes after this
                    assert store.settle([Completed(row, {})], now=T0) == [True]
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    workers = [threading.Thread(target=work, args=(f"w{n}", 1 if n % 2 else 3)) for n in range(6)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(60)
    assert errors == []
    assert len(claimed) == 240
    assert {row_id: len(who) for row_id, who in claimed.items() if len(who) > 1} == {}
    assert len({who[0][0] for who in claimed.values()}) > 1  # the work was shared
    # within a chain, a row was claimed only after the previous one completed, or by the
    # same claim that took the previous one (per_key > 1). A claim's tick is taken after it
    # returns, so a claim ticked before the previous row's completion even began broke it.
    store = pg.open_sql()
    assert store.status(now=T0).ledger_by_status == {"written": 240}
    order = sorted(claimed)  # ids follow the queue order
    by_key: dict[str, list[int]] = {}
    for row_id, (_, key) in zip(order, items, strict=True):
        by_key.setdefault(key, []).append(row_id)
    for chain in by_key.values():
        for before, after in itertools.pairwise(chain):
            claim_after = claimed[after][0]
            claim_before = claimed[before][0]
            same_claim = claim_after[0] == claim_before[0] and claim_after[1] > claim_before[1]
            assert claim_after[1] > completing[before] or same_claim, (before, after)


def test_advisory_locks_exclude_other_sessions(pg: Backend) -> None:
    one, two = pg.open_sql(), pg.open_sql()
    held = one.try_lock_source("x-mentions")
    assert held is not None
    assert two.try_lock_source("x-mentions") is None
    assert one.try_lock_source("x-mentions") is None  # another session of the same process
    other = two.try_lock_source("linkedin-export")
    assert other is not None
    held.release()
    held.release()  # twice is harmless
    with two.try_lock_source("x-mentions") as again:  # type: ignore[union-attr]
        assert again is not None
        assert one.try_lock_source("x-mentions") is None
    assert one.try_lock_source("x-mentions") is not None
    other.release()


def test_advisory_locks_are_namespaced_by_schema(pg: Backend) -> None:
    url = require_postgres()
    elsewhere = SqlStateStore(url, schema=f"sfs_test_{os.getpid()}_{uuid.uuid4().hex[:10]}")
    try:
        here = pg.open_sql().try_lock_source("x")
        there = elsewhere.try_lock_source("x")
        assert here is not None and there is not None
        here.release()
        there.release()
    finally:
        elsewhere.close()
        assert elsewhere.schema is not None
        drop_schema(url, elsewhere.schema)


def test_replicas_need_no_daemon_lock(pg: Backend) -> None:
    with pg.open_sql().lock_for_daemon(), pg.open_sql().lock_for_daemon():
        pass


def test_settle_in_one_batch_after_concurrent_claims(pg: Backend) -> None:
    store = pg.open_sql()
    fill(store, [(str(n), "k") for n in range(5)])
    rows = store.claim_outbox("w", 10, T0, LEASE, per_key=5)
    assert len(rows) == 5
    assert store.settle([Completed(r, {}) for r in rows], now=T0) == [True] * 5

"""Claiming and settling outbox rows on SQL: the per-key rule, leases, fencing.

A claim runs in one transaction. On PostgreSQL its candidate rows are locked with
``FOR UPDATE SKIP LOCKED``: two replicas claiming at once never get the same row, and a
row whose lock was skipped takes the rows behind it in its key out of the claim
(``contiguous_prefixes``). Rows behind a dead letter of their key are held (``not_held``,
indexed by migration 2). Every lock query repeats the availability test on the row
itself, so PostgreSQL re-checks it against a row another claim just leased. On SQLite
the claim runs under ``BEGIN IMMEDIATE``: nobody else writes meanwhile.

Releasing (and settling, ``settle.py``) is fenced by ``(id, claimed_by, attempts)``: a
worker whose lease expired and was taken over cannot touch the row any more.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Row,
    and_,
    exists,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.orm import aliased

from sf_social.plan import RecordPlan
from sf_social.state.batch import CLAIM_CHECKPOINT, Checkpoint
from sf_social.state.clock import as_utc
from sf_social.state.codec import decode_plan
from sf_social.state.outbox import (
    OutboxRow,
    QueueSlot,
    contiguous_prefixes,
    select_claimable,
)
from sf_social.state.sql import tables as t
from sf_social.state.sql.chunks import chunks
from sf_social.state.sql.engine import is_postgres

o = t.outbox


def _available(now: datetime) -> ColumnElement[bool]:
    return and_(
        o.c.next_attempt_at <= now,
        or_(o.c.claimed_until.is_(None), o.c.claimed_until <= now),
    )


def not_held() -> ColumnElement[bool]:
    """The outbox row has no dead letter of its ordering key ahead of it (``is_held``)."""
    d = t.dead_letters
    return ~exists().where(d.c.ordering_key == o.c.ordering_key, d.c.outbox_id < o.c.id)


def claim(
    conn: Connection,
    worker_id: str,
    limit: int,
    now: datetime,
    lease: timedelta,
    per_key: int,
    checkpoint: Checkpoint,
    decode: Callable[[str], RecordPlan] = decode_plan,
) -> list[OutboxRow]:
    """Lease claimable rows (see ``outbox.select_claimable``) in the open transaction;
    their plans read with ``decode``."""
    if limit <= 0:
        return []
    now = as_utc(now, "now")
    pg = is_postgres(conn)
    earlier = aliased(o)
    head_query = (
        select(o.c.id, o.c.ordering_key)
        .where(
            _available(now),
            ~exists().where(earlier.c.ordering_key == o.c.ordering_key, earlier.c.id < o.c.id),
            not_held(),
        )
        .order_by(o.c.id)
        .limit(limit)
    )
    if pg:
        head_query = head_query.with_for_update(skip_locked=True, of=o)
    heads = [(row.id, row.ordering_key) for row in conn.execute(head_query)]
    ids = [row_id for row_id, _ in heads]
    if per_key > 1 and len(heads) < limit and heads:
        ids = _with_followers(conn, heads, now, limit, per_key, pg)
    if not ids:
        return []
    checkpoint(CLAIM_CHECKPOINT)
    for chunk in chunks(ids):
        conn.execute(
            update(o)
            .where(o.c.id.in_(chunk))
            .values(claimed_by=worker_id, claimed_until=now + lease, attempts=o.c.attempts + 1)
        )
    rows: list[OutboxRow] = []
    for chunk in chunks(ids):
        rows.extend(_public(r, decode) for r in conn.execute(select(o).where(o.c.id.in_(chunk))))
    return sorted(rows, key=lambda r: r.id)


def _with_followers(
    conn: Connection,
    heads: list[tuple[int, str]],
    now: datetime,
    limit: int,
    per_key: int,
    pg: bool,
) -> list[int]:
    """Heads plus the available rows right behind them in their keys, locked if PostgreSQL."""
    keys = [key for _, key in heads]
    rank = func.row_number().over(partition_by=o.c.ordering_key, order_by=o.c.id).label("rank")
    slots: list[QueueSlot] = []
    for chunk in chunks(keys):
        ranked = (
            select(o.c.id, o.c.ordering_key, o.c.next_attempt_at, o.c.claimed_until, rank)
            .where(o.c.ordering_key.in_(chunk))
            .subquery()
        )
        query = select(ranked).where(ranked.c.rank <= per_key)
        slots.extend(
            QueueSlot(r.id, r.ordering_key, r.next_attempt_at, r.claimed_until)
            for r in conn.execute(query)
        )
    head_ids = {row_id for row_id, _ in heads}
    wanted = select_claimable(slots, now, limit, per_key, _held(conn, keys))
    followers = [i for i in wanted if i not in head_ids]
    granted = set(head_ids)
    if followers and pg:
        for ids in chunks(followers):
            locked = conn.execute(
                select(o.c.id)
                .where(o.c.id.in_(ids), _available(now))
                .with_for_update(skip_locked=True)
            )
            granted.update(row.id for row in locked)
    else:
        granted.update(followers)
    by_id = {s.id: s.ordering_key for s in slots}
    candidates = [(i, by_id[i]) for i in wanted]
    return contiguous_prefixes(candidates, granted)


def _held(conn: Connection, keys: Sequence[str]) -> dict[str, int]:
    """Ordering key → the smallest outbox id of its dead letters, for ``keys``."""
    d = t.dead_letters
    held: dict[str, int] = {}
    for chunk in chunks(keys):
        query = (
            select(d.c.ordering_key, func.min(d.c.outbox_id))
            .where(d.c.ordering_key.in_(chunk))
            .group_by(d.c.ordering_key)
        )
        held.update({str(key): int(first) for key, first in conn.execute(query)})
    return held


def _public(row: Row[Any], decode: Callable[[str], RecordPlan]) -> OutboxRow:
    return OutboxRow(
        id=row.id,
        post_key=row.post_key,
        ordering_key=row.ordering_key,
        plan=decode(row.plan),
        attempts=row.attempts,
        next_attempt_at=row.next_attempt_at,
        created_at=row.created_at,
        claimed_by=row.claimed_by,
        claimed_until=row.claimed_until,
        last_error=row.last_error,
        first_failed_at=row.first_failed_at,
    )


def _fence(row: OutboxRow) -> ColumnElement[bool]:
    return and_(o.c.id == row.id, o.c.claimed_by == row.claimed_by, o.c.attempts == row.attempts)


def release(conn: Connection, rows: Sequence[OutboxRow]) -> int:
    """Clear the leases of rows still ours, their claim not counted as an attempt; how many."""
    count = 0
    for row in rows:
        result = conn.execute(
            update(o)
            .where(_fence(row))
            .values(claimed_by=None, claimed_until=None, attempts=o.c.attempts - 1)
        )
        count += result.rowcount
    return count


def extend(conn: Connection, rows: Sequence[OutboxRow], until: datetime) -> int:
    """Move the leases of rows still ours to ``until``; how many."""
    return sum(
        conn.execute(update(o).where(_fence(row)).values(claimed_until=until)).rowcount
        for row in rows
    )


def holders(conn: Connection, now: datetime) -> set[str]:
    """The workers with a lease running at ``now``."""
    query = select(o.c.claimed_by).where(o.c.claimed_until > now).distinct()
    return {str(worker) for (worker,) in conn.execute(query) if worker is not None}


def expire(conn: Connection, workers: set[str]) -> int:
    """End the leases of ``workers``; how many rows."""
    if not workers:
        return 0
    query = update(o).where(o.c.claimed_by.in_(sorted(workers)))
    return conn.execute(query.values(claimed_by=None, claimed_until=None)).rowcount

"""Claiming and settling outbox rows on SQL: the per-key rule, leases, fencing.

A claim runs in one transaction. On PostgreSQL its candidate rows are locked with
``FOR UPDATE SKIP LOCKED``: two replicas claiming at once never get the same row, and a
row whose lock was skipped takes the rows behind it in its key out of the claim
(``contiguous_prefixes``). Every lock query repeats the availability test on the row
itself, so PostgreSQL re-checks it against a row another claim just leased. On SQLite
the claim runs under ``BEGIN IMMEDIATE``: nobody else writes meanwhile.

Settling is fenced by ``(id, claimed_by, attempts)``: a worker whose lease expired and
was taken over cannot settle the row any more.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Row,
    and_,
    delete,
    exists,
    func,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.orm import aliased

from sf_social.state.batch import CLAIM_CHECKPOINT, Checkpoint
from sf_social.state.clock import as_utc
from sf_social.state.codec import decode_plan
from sf_social.state.ledger import LedgerStatus
from sf_social.state.outbox import (
    Completed,
    DeadLettered,
    OutboxRow,
    Outcome,
    QueueSlot,
    Rescheduled,
    contiguous_prefixes,
    select_claimable,
)
from sf_social.state.sql import tables as t
from sf_social.state.sql.batch import chunks
from sf_social.state.sql.engine import is_postgres, upsert_insert
from sf_social.state.sql.types import UtcDateTime, dump_json, load_json

o = t.outbox


def _available(now: datetime) -> ColumnElement[bool]:
    return and_(
        o.c.next_attempt_at <= now,
        or_(o.c.claimed_until.is_(None), o.c.claimed_until <= now),
    )


def claim(
    conn: Connection,
    worker_id: str,
    limit: int,
    now: datetime,
    lease: timedelta,
    per_key: int,
    checkpoint: Checkpoint,
) -> list[OutboxRow]:
    """Lease claimable rows (see ``outbox.select_claimable``) in the open transaction."""
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
        rows.extend(_public(r) for r in conn.execute(select(o).where(o.c.id.in_(chunk))))
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
    wanted = select_claimable(slots, now, limit, per_key)
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


def _public(row: Row[Any]) -> OutboxRow:
    return OutboxRow(
        id=row.id,
        post_key=row.post_key,
        ordering_key=row.ordering_key,
        plan=decode_plan(row.plan),
        attempts=row.attempts,
        next_attempt_at=row.next_attempt_at,
        created_at=row.created_at,
        claimed_by=row.claimed_by,
        claimed_until=row.claimed_until,
        last_error=row.last_error,
        first_failed_at=row.first_failed_at,
    )


def _utc(at: datetime) -> ColumnElement[datetime]:
    return literal(at, UtcDateTime())


def _fence(row: OutboxRow) -> ColumnElement[bool]:
    return and_(o.c.id == row.id, o.c.claimed_by == row.claimed_by, o.c.attempts == row.attempts)


def settle(conn: Connection, outcomes: Sequence[Outcome], at: datetime) -> list[bool]:
    """Apply outcomes in the open transaction; per outcome, whether the lease was held."""
    held: list[bool] = []
    done: dict[str, LedgerStatus | None] = {}  # post key -> status to set (None: keep)
    for outcome in outcomes:
        row = outcome.row
        if isinstance(outcome, Completed):
            gone = conn.execute(delete(o).where(_fence(row))).rowcount == 1
            _record_ids(conn, row.post_key, outcome.ids, at)
            if gone:
                done.setdefault(row.post_key, LedgerStatus.WRITTEN)
        elif isinstance(outcome, Rescheduled):
            gone = (
                conn.execute(
                    update(o)
                    .where(_fence(row))
                    .values(
                        next_attempt_at=as_utc(outcome.next_attempt_at, "next_at"),
                        last_error=outcome.error,
                        first_failed_at=func.coalesce(o.c.first_failed_at, _utc(at)),
                        claimed_by=None,
                        claimed_until=None,
                    )
                ).rowcount
                == 1
            )
            if gone:
                done.setdefault(row.post_key, None)
        else:
            gone = _bury(conn, outcome, at)
            if gone:
                done[row.post_key] = LedgerStatus.FAILED
        held.append(gone)
        if gone:
            _bump_attempts(conn, row.post_key)
    _settle_statuses(conn, done)
    return held


def _bury(conn: Connection, outcome: DeadLettered, at: datetime) -> bool:
    """Move a row to the dead letters if the lease is still ours."""
    taken = conn.execute(delete(o).where(_fence(outcome.row)).returning(*o.c)).first()
    if taken is None:
        return False
    failure = outcome.failure
    conn.execute(
        t.dead_letters.insert().values(
            outbox_id=taken.id,
            post_key=taken.post_key,
            ordering_key=taken.ordering_key,
            plan=taken.plan,
            code=failure.code,
            message=failure.message,
            fields=dump_json(list(failure.fields)),
            attempts=taken.attempts,
            created_at=taken.created_at,
            first_failed_at=taken.first_failed_at or at,
            last_failed_at=at,
        )
    )
    return True


def _bump_attempts(conn: Connection, post_key: str) -> None:
    conn.execute(
        update(t.ledger)
        .where(t.ledger.c.post_key == post_key)
        .values(attempts=t.ledger.c.attempts + 1)
    )


def _settle_statuses(conn: Connection, done: Mapping[str, LedgerStatus | None]) -> None:
    """Set ledger statuses: failed wins; written only once no row of the post is left."""
    pending: set[str] = set()
    keys = [k for k, status in done.items() if status is LedgerStatus.WRITTEN]
    for chunk in chunks(keys):
        pending.update(conn.execute(select(o.c.post_key).where(o.c.post_key.in_(chunk))).scalars())
    for post_key, status in done.items():
        if status is LedgerStatus.FAILED:
            conn.execute(
                update(t.ledger).where(t.ledger.c.post_key == post_key).values(status=status.value)
            )
        elif status is LedgerStatus.WRITTEN and post_key not in pending:
            conn.execute(
                update(t.ledger)
                .where(
                    t.ledger.c.post_key == post_key,
                    t.ledger.c.status == LedgerStatus.PLANNED.value,
                )
                .values(status=status.value)
            )


def _record_ids(conn: Connection, post_key: str, ids: Mapping[str, str], at: datetime) -> None:
    """Remember Salesforce Ids: the key map, the post's ledger entry, threads' Case Ids."""
    if not ids:
        return
    stmt = upsert_insert(conn, t.record_ids)
    stmt = stmt.on_conflict_do_update(
        index_elements=["key"], set_={"sf_id": stmt.excluded.sf_id, "updated_at": at}
    )
    conn.execute(stmt, [{"key": k, "sf_id": v, "updated_at": at} for k, v in ids.items()])
    _set_case_ids(conn, ids, at)
    current = conn.execute(
        select(t.ledger.c.sf_ids).where(t.ledger.c.post_key == post_key)
    ).scalar()
    if current is not None:
        merged = {**load_json(current), **ids}
        conn.execute(
            update(t.ledger).where(t.ledger.c.post_key == post_key).values(sf_ids=dump_json(merged))
        )


def _set_case_ids(conn: Connection, ids: Mapping[str, str], at: datetime) -> None:
    case_keys = list(
        conn.execute(
            select(t.threads.c.case_key).where(t.threads.c.case_key.in_(list(ids)))
        ).scalars()
    )
    for key in case_keys:
        conn.execute(
            update(t.threads)
            .where(t.threads.c.case_key == key)
            .values(case_id=ids[key], updated_at=at)
        )


def release(conn: Connection, rows: Sequence[OutboxRow]) -> int:
    """Clear the leases of rows still ours; how many."""
    count = 0
    for row in rows:
        result = conn.execute(
            update(o).where(_fence(row)).values(claimed_by=None, claimed_until=None)
        )
        count += result.rowcount
    return count

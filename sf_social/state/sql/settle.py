"""Settling claimed outbox rows on SQL, a whole batch of outcomes in a few statements.

Each outcome is fenced by ``(id, claimed_by, attempts)``: a worker whose lease expired and
was taken over settles nothing (``False``), though the Salesforce Ids it learned are kept
(they are facts). Ledger entries are read, merged and written back; on PostgreSQL they
are locked first (``FOR UPDATE``, in key order), so two workers settling rows of one
post serialize there, and the second sees the first's deletions when it decides whether
the post is fully written.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Connection,
    Row,
    bindparam,
    delete,
    func,
    literal,
    select,
    update,
)

from sf_social.state.clock import as_utc
from sf_social.state.ledger import LedgerStatus
from sf_social.state.outbox import Completed, DeadLettered, OutboxRow, Outcome, Rescheduled
from sf_social.state.sql import tables as t
from sf_social.state.sql.chunks import chunks
from sf_social.state.sql.engine import is_postgres, upsert_insert
from sf_social.state.sql.types import UtcDateTime, dump_json, load_json

o = t.outbox


def settle(conn: Connection, outcomes: Sequence[Outcome], at: datetime) -> list[bool]:
    """Apply outcomes in the open transaction; per outcome, whether the lease was held."""
    completed = [x for x in outcomes if isinstance(x, Completed)]
    buried = [x for x in outcomes if isinstance(x, DeadLettered)]
    delayed = [x for x in outcomes if isinstance(x, Rescheduled)]
    done = {row.id for row in _take(conn, [x.row for x in completed], o.c.id)}
    taken = _take(conn, [x.row for x in buried], *o.c)
    _bury(conn, buried, taken, at)
    late = {x.row.id for x in delayed if _delay(conn, x, at)}
    dead = {row.id for row in taken}
    held = [
        x.row.id
        in (done if isinstance(x, Completed) else dead if isinstance(x, DeadLettered) else late)
        for x in outcomes
    ]
    ids: dict[str, str] = {}
    ids_by_post: dict[str, dict[str, str]] = {}
    for x in completed:
        ids.update(x.ids)
        ids_by_post.setdefault(x.row.post_key, {}).update(x.ids)
    _record_ids(conn, ids, at)
    settled = [x.row.post_key for x, ok in zip(outcomes, held, strict=True) if ok]
    _update_ledger(
        conn,
        ids_by_post,
        Counter(settled),
        written={x.row.post_key for x in completed if x.row.id in done},
        failed={x.row.post_key for x in buried if x.row.id in dead},
    )
    return held


def _take(conn: Connection, rows: Sequence[OutboxRow], *columns: Any) -> list[Row[Any]]:
    """Delete the rows whose lease is still ours; ``columns`` of the deleted rows.

    Rows are fenced by lease in groups of one holder and attempt count (a claim's rows
    share them): ``id IN (...) AND claimed_by = ? AND attempts = ?``, found by primary key.
    """
    leases: dict[tuple[str | None, int], list[int]] = {}
    for row in rows:
        leases.setdefault((row.claimed_by, row.attempts), []).append(row.id)
    taken: list[Row[Any]] = []
    for (holder, attempts), ids in leases.items():
        for chunk in chunks(ids):
            fence = o.c.id.in_(chunk) & (o.c.claimed_by == holder) & (o.c.attempts == attempts)
            taken.extend(conn.execute(delete(o).where(fence).returning(*columns)))
    return taken


def _bury(
    conn: Connection, outcomes: Sequence[DeadLettered], taken: Sequence[Row[Any]], at: datetime
) -> None:
    failures = {x.row.id: x.failure for x in outcomes}
    rows = [
        {
            "outbox_id": row.id,
            "post_key": row.post_key,
            "ordering_key": row.ordering_key,
            "plan": row.plan,
            "code": failures[row.id].code,
            "message": failures[row.id].message,
            "fields": dump_json(list(failures[row.id].fields)),
            "attempts": row.attempts,
            "created_at": row.created_at,
            "first_failed_at": row.first_failed_at or at,
            "last_failed_at": at,
        }
        for row in taken
    ]
    if rows:
        conn.execute(t.dead_letters.insert(), rows)


def _delay(conn: Connection, outcome: Rescheduled, at: datetime) -> bool:
    row = outcome.row
    fence = (o.c.id == row.id) & (o.c.claimed_by == row.claimed_by) & (o.c.attempts == row.attempts)
    result = conn.execute(
        update(o)
        .where(fence)
        .values(
            next_attempt_at=as_utc(outcome.next_attempt_at, "next_at"),
            last_error=outcome.error,
            first_failed_at=func.coalesce(o.c.first_failed_at, literal(at, UtcDateTime())),
            claimed_by=None,
            claimed_until=None,
        )
    )
    return result.rowcount == 1


def _record_ids(conn: Connection, ids: Mapping[str, str], at: datetime) -> None:
    """Remember Salesforce Ids: the key map, and the Case Id of threads on those keys."""
    if not ids:
        return
    stmt = upsert_insert(conn, t.record_ids)
    stmt = stmt.on_conflict_do_update(
        index_elements=["key"], set_={"sf_id": stmt.excluded.sf_id, "updated_at": at}
    )
    # in key order: two replicas settling batches that share keys (a Contact refreshed by
    # both) then lock the rows in the same order and never deadlock
    rows = [{"key": k, "sf_id": v, "updated_at": at} for k, v in sorted(ids.items())]
    conn.execute(stmt, rows)
    cases: list[str] = []
    for chunk in chunks(sorted(ids)):
        query = select(t.threads.c.case_key).where(t.threads.c.case_key.in_(chunk))
        cases.extend(conn.execute(query).scalars())
    if cases:
        conn.execute(
            update(t.threads)
            .where(t.threads.c.case_key == bindparam("b_key"))
            .values(case_id=bindparam("b_id"), updated_at=at),
            [{"b_key": key, "b_id": ids[key]} for key in sorted(cases)],
        )


def _update_ledger(
    conn: Connection,
    ids_by_post: Mapping[str, Mapping[str, str]],
    attempts: Mapping[str, int],
    *,
    written: set[str],
    failed: set[str],
) -> None:
    """Merge Ids, count attempts, and move statuses: failed wins; written once nothing is left."""
    keys = sorted(set(ids_by_post) | set(attempts))
    if not keys:
        return
    entries = _lock_entries(conn, keys)
    pending = _pending(conn, written - failed)
    changes: list[dict[str, Any]] = []
    for entry in entries:
        key = entry.post_key
        status = entry.status
        if key in failed:
            status = LedgerStatus.FAILED.value
        elif key in written and key not in pending and status == LedgerStatus.PLANNED.value:
            status = LedgerStatus.WRITTEN.value
        merged = {**load_json(entry.sf_ids), **ids_by_post.get(key, {})}
        changes.append(
            {
                "b_key": key,
                "b_ids": dump_json(merged),
                "b_attempts": entry.attempts + attempts.get(key, 0),
                "b_status": status,
            }
        )
    if changes:
        conn.execute(
            update(t.ledger)
            .where(t.ledger.c.post_key == bindparam("b_key"))
            .values(
                sf_ids=bindparam("b_ids"),
                attempts=bindparam("b_attempts"),
                status=bindparam("b_status"),
            ),
            changes,
        )


def _lock_entries(conn: Connection, keys: Sequence[str]) -> list[Row[Any]]:
    """The ledger entries of ``keys``, locked in key order on PostgreSQL."""
    entries: list[Row[Any]] = []
    columns = (t.ledger.c.post_key, t.ledger.c.sf_ids, t.ledger.c.status, t.ledger.c.attempts)
    for chunk in chunks(keys):
        query = select(*columns).where(t.ledger.c.post_key.in_(chunk)).order_by(t.ledger.c.post_key)
        if is_postgres(conn):
            query = query.with_for_update()
        entries.extend(conn.execute(query))
    return entries


def _pending(conn: Connection, post_keys: Iterable[str]) -> set[str]:
    """Which of these posts still have rows in the outbox."""
    found: set[str] = set()
    for chunk in chunks(sorted(post_keys)):
        query = select(o.c.post_key).where(o.c.post_key.in_(chunk)).distinct()
        found.update(conn.execute(query).scalars())
    return found

"""``commit_batch`` on SQL: queue plans, mark posts seen, save threads, advance the cursor.

Runs inside the caller's transaction; the caller commits. Posts already in the ledger
(found first, or inserted meanwhile by a concurrent transaction: ``ON CONFLICT DO
NOTHING ... RETURNING`` tells) are skipped with their plans. Rows are written in key order,
so two replicas committing overlapping batches wait for each other instead of deadlocking.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select, update

from sf_social.plan import RecordPlan
from sf_social.state.batch import BatchPlan, Checkpoint, CommitResult
from sf_social.state.codec import encode_plan
from sf_social.state.ledger import PostRef
from sf_social.state.sql import reads
from sf_social.state.sql import tables as t
from sf_social.state.sql.chunks import chunks
from sf_social.state.sql.engine import upsert_insert
from sf_social.state.sql.types import dump_json
from sf_social.state.status import JsonObject
from sf_social.state.threads import ThreadState, merge_all


def existing_refs(conn: Connection, refs: Iterable[PostRef]) -> set[PostRef]:
    """Which of ``refs`` the ledger has."""
    found: set[PostRef] = set()
    for network, post_ids in _by_network(refs).items():
        for chunk in chunks(post_ids):
            rows = conn.execute(
                select(t.ledger.c.post_id).where(
                    t.ledger.c.network == network, t.ledger.c.post_id.in_(chunk)
                )
            )
            found.update((network, post_id) for post_id in rows.scalars())
    return found


def _by_network(refs: Iterable[PostRef]) -> dict[str, list[str]]:
    """Post ids by network, in order: ``network = ? AND post_id IN (...)`` finds them by
    the ledger's index (a pair ``IN`` list scans all of it on SQLite)."""
    grouped: dict[str, list[str]] = {}
    for network, post_id in sorted(refs):
        grouped.setdefault(network, []).append(post_id)
    return grouped


def commit_batch(
    conn: Connection,
    source: str,
    cursor: JsonObject | None,
    batch: BatchPlan,
    threads: tuple[Sequence[ThreadState], Mapping[str, ThreadState] | None],
    at: datetime,
    checkpoint: Checkpoint,
    encode: Callable[[RecordPlan], str] = encode_plan,
) -> CommitResult:
    """The batch's writes, in the open transaction of ``conn``; plans stored as ``encode``
    gives them (``encode_plan``, or a ``RecentPlans``' that remembers them)."""
    cursor_text = None if cursor is None else dump_json(cursor)
    known = existing_refs(conn, batch.posts)
    for network, post_ids in _by_network(known).items():
        for chunk in chunks(post_ids):
            ledger = t.ledger.c
            seen = (ledger.network == network) & ledger.post_id.in_(chunk)
            conn.execute(update(t.ledger).where(seen).values(last_seen=at))
    fresh = [
        {
            "network": str(post.network),
            "post_id": post.post_id,
            "post_key": post.post_key,
            "author": post.author,
            "source": source,
            "status": batch.status_of(ref).value,
            "keys": dump_json(list(batch.keys_of(ref))),
            "sf_ids": "{}",
            "first_seen": at,
            "last_seen": at,
            "attempts": 0,
        }
        for ref, post in sorted(batch.posts.items())
        if ref not in known
    ]
    inserted: set[PostRef] = set()
    if fresh:
        # no conflict target: a concurrent insert of the same post may trip either unique
        # index (the key pair or post_key); both mean "someone else has it"
        stmt = (
            upsert_insert(conn, t.ledger)
            .on_conflict_do_nothing()
            .returning(t.ledger.c.network, t.ledger.c.post_id)
        )
        rows = conn.execute(stmt, fresh)
        inserted = {(row.network, row.post_id) for row in rows}
    checkpoint("commit_batch:ledger")
    queued = _queue_plans(conn, batch, inserted, at, encode)
    checkpoint("commit_batch:outbox")
    save_threads(conn, *threads, at=at)
    _advance_cursor(conn, source, cursor_text, at)
    checkpoint("commit_batch:cursor")
    return CommitResult(
        new_posts=len(inserted), duplicates=len(batch.posts) - len(inserted), queued=queued
    )


def _queue_plans(
    conn: Connection,
    batch: BatchPlan,
    refs: set[PostRef],
    at: datetime,
    encode: Callable[[RecordPlan], str],
) -> int:
    """Insert one outbox row per plan with writes, in the order the plans were given."""
    rows: list[dict[str, Any]] = [
        {
            "post_key": queued.plan.post_key,
            "ordering_key": queued.effective_ordering_key,
            "plan": encode(queued.plan),
            "attempts": 0,
            "next_attempt_at": at,
            "created_at": at,
        }
        for queued in batch.to_queue(refs)
    ]
    # ids follow insertion order: the order of the plans is the per-key order
    for chunk in chunks(rows):
        conn.execute(t.outbox.insert(), chunk)
    return len(rows)


def _advance_cursor(conn: Connection, source: str, cursor_text: str | None, at: datetime) -> None:
    stmt = upsert_insert(conn, t.sources).values(
        name=source, cursor=cursor_text, cursor_updated_at=at
    )
    conn.execute(
        stmt.on_conflict_do_update(
            index_elements=["name"],
            set_={
                "cursor": stmt.excluded.cursor,
                "cursor_updated_at": stmt.excluded.cursor_updated_at,
            },
        )
    )


def save_threads(
    conn: Connection,
    states: Sequence[ThreadState],
    read: Mapping[str, ThreadState] | None = None,
    *,
    at: datetime,
) -> None:
    """Insert or replace thread states; with ``read``, merged over the stored ones, read
    here under a row lock (PostgreSQL; SQLite's write transaction is exclusive)."""
    if not states:
        return
    if read is not None:
        stored = reads.threads(conn, [s.root_key for s in states], lock=True)
        states = merge_all(states, read, stored)
    rows = [
        {
            "root_key": s.root_key,
            "generation": s.generation,
            "case_key": s.case_key,
            "case_id": s.case_id,
            "status": s.status,
            "closed_at": s.closed_at,
            "first_response_at": s.first_response_at,
            "author_key": s.author_key,
            "last_activity_at": s.last_activity_at,
            "updated_at": at,
            "opened_at": s.opened_at,
            "response_due_at": s.response_due_at,
            "segment": s.segment,
            "team": s.team,
            "network": s.network,
            "tier": s.tier,
            "overdue_at": s.overdue_at,
            "opened_by": s.opened_by,
        }
        for _, s in sorted({state.root_key: state for state in states}.items())
    ]
    stmt = upsert_insert(conn, t.threads)
    stmt = stmt.on_conflict_do_update(
        index_elements=["root_key"],
        set_={c: getattr(stmt.excluded, c) for c in rows[0] if c != "root_key"},
    )
    conn.execute(stmt, rows)

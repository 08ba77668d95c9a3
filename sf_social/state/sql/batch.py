"""``commit_batch`` on SQL: queue plans, mark posts seen, save threads, advance the cursor.

Runs inside the caller's transaction; the caller commits. Posts already in the ledger
(found first, or inserted meanwhile by a concurrent transaction: ``ON CONFLICT DO
NOTHING ... RETURNING`` tells) are skipped with their plans. Rows are written in key order,
so two replicas committing overlapping batches wait for each other instead of deadlocking.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Connection, select, tuple_, update

from sf_social.state.batch import BatchPlan, Checkpoint, CommitResult
from sf_social.state.codec import encode_plan
from sf_social.state.ledger import PostRef
from sf_social.state.sql import tables as t
from sf_social.state.sql.engine import upsert_insert
from sf_social.state.sql.types import dump_json
from sf_social.state.status import JsonObject
from sf_social.state.threads import ThreadState

CHUNK = 500
"""Rows per ``IN (...)`` list: well under SQLite's and PostgreSQL's parameter limits."""

T = TypeVar("T")


def chunks(items: Iterable[T], size: int = CHUNK) -> Iterator[list[T]]:
    """``items`` in lists of at most ``size``."""
    chunk: list[T] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def existing_refs(conn: Connection, refs: Iterable[PostRef]) -> set[PostRef]:
    """Which of ``refs`` the ledger has."""
    found: set[PostRef] = set()
    pair = tuple_(t.ledger.c.network, t.ledger.c.post_id)
    for chunk in chunks(refs):
        rows = conn.execute(select(t.ledger.c.network, t.ledger.c.post_id).where(pair.in_(chunk)))
        found.update((row.network, row.post_id) for row in rows)
    return found


def commit_batch(
    conn: Connection,
    source: str,
    cursor: JsonObject | None,
    batch: BatchPlan,
    threads: Sequence[ThreadState],
    at: datetime,
    checkpoint: Checkpoint,
) -> CommitResult:
    """The batch's writes, in the open transaction of ``conn``."""
    cursor_text = None if cursor is None else dump_json(cursor)
    known = existing_refs(conn, batch.posts)
    if known:
        pair = tuple_(t.ledger.c.network, t.ledger.c.post_id)
        for chunk in chunks(sorted(known)):
            conn.execute(update(t.ledger).where(pair.in_(chunk)).values(last_seen=at))
    fresh = [
        {
            "network": str(post.network),
            "post_id": post.post_id,
            "post_key": post.post_key,
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
    queued = _queue_plans(conn, batch, inserted, at)
    checkpoint("commit_batch:outbox")
    if threads:
        save_threads(conn, threads, at)
    _advance_cursor(conn, source, cursor_text, at)
    checkpoint("commit_batch:cursor")
    return CommitResult(
        new_posts=len(inserted), duplicates=len(batch.posts) - len(inserted), queued=queued
    )


def _queue_plans(conn: Connection, batch: BatchPlan, refs: set[PostRef], at: datetime) -> int:
    """Insert one outbox row per plan with writes, in the order the plans were given."""
    rows: list[dict[str, Any]] = [
        {
            "post_key": queued.plan.post_key,
            "ordering_key": queued.effective_ordering_key,
            "plan": encode_plan(queued.plan),
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


def save_threads(conn: Connection, states: Sequence[ThreadState], at: datetime) -> None:
    """Insert or replace thread states."""
    if not states:
        return
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
        }
        for _, s in sorted({state.root_key: state for state in states}.items())
    ]
    stmt = upsert_insert(conn, t.threads)
    stmt = stmt.on_conflict_do_update(
        index_elements=["root_key"],
        set_={c: getattr(stmt.excluded, c) for c in rows[0] if c != "root_key"},
    )
    conn.execute(stmt, rows)

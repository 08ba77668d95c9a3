"""Read-side queries on SQL: ledger, known Ids, sources, threads, runs, status."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, and_, func, or_, select, tuple_

from sf_social.state.ledger import LedgerEntry, LedgerStatus, PostRef
from sf_social.state.runs import RunCounts, RunRecord
from sf_social.state.sql import tables as t
from sf_social.state.sql.chunks import chunks
from sf_social.state.sql.claims import not_held
from sf_social.state.sql.engine import is_postgres
from sf_social.state.sql.types import load_json
from sf_social.state.status import SourceState, StoreStatus
from sf_social.state.threads import ThreadState, latest_per_author


def ledger_entries(conn: Connection, refs: Iterable[PostRef]) -> dict[PostRef, LedgerEntry]:
    found: dict[PostRef, LedgerEntry] = {}
    pair = tuple_(t.ledger.c.network, t.ledger.c.post_id)
    for chunk in chunks(refs):
        for row in conn.execute(select(t.ledger).where(pair.in_(chunk))):
            entry = LedgerEntry(
                network=row.network,
                post_id=row.post_id,
                post_key=row.post_key,
                source=row.source,
                status=LedgerStatus(row.status),
                keys=tuple(load_json(row.keys)),
                first_seen=row.first_seen,
                last_seen=row.last_seen,
                attempts=row.attempts,
                sf_ids=load_json(row.sf_ids),
                author=row.author,
            )
            found[entry.ref] = entry
    return found


def known_ids(conn: Connection, keys: Iterable[str]) -> dict[str, str]:
    r = t.record_ids
    found: dict[str, str] = {}
    for chunk in chunks(set(keys)):
        found.update(
            (row.key, row.sf_id) for row in conn.execute(select(r).where(r.c.key.in_(chunk)))
        )
    return found


def _source(row: Row[Any]) -> SourceState:
    return SourceState(
        name=row.name,
        cursor=load_json(row.cursor),
        cursor_updated_at=row.cursor_updated_at,
        status=load_json(row.status),
        status_updated_at=row.status_updated_at,
    )


def source(conn: Connection, name: str) -> SourceState | None:
    row = conn.execute(select(t.sources).where(t.sources.c.name == name)).first()
    return None if row is None else _source(row)


def _thread(row: Row[Any]) -> ThreadState:
    return ThreadState(
        root_key=row.root_key,
        generation=row.generation,
        case_key=row.case_key,
        case_id=row.case_id,
        status=row.status,
        closed_at=row.closed_at,
        first_response_at=row.first_response_at,
        author_key=row.author_key,
        last_activity_at=row.last_activity_at,
        updated_at=row.updated_at,
        opened_at=row.opened_at,
        response_due_at=row.response_due_at,
        segment=row.segment,
        team=row.team,
        network=row.network,
        tier=row.tier,
        overdue_at=row.overdue_at,
        opened_by=row.opened_by,
    )


def threads(
    conn: Connection, root_keys: Iterable[str], *, lock: bool = False
) -> dict[str, ThreadState]:
    """The stored threads by root key; ``lock``: locked for this transaction (PostgreSQL)."""
    found: dict[str, ThreadState] = {}
    for chunk in chunks(sorted(set(root_keys))):
        query = select(t.threads).where(t.threads.c.root_key.in_(chunk))
        if lock and is_postgres(conn):
            query = query.order_by(t.threads.c.root_key).with_for_update()
        rows = conn.execute(query)
        found.update((row.root_key, _thread(row)) for row in rows)
    return found


def threads_opened_since(conn: Connection, since: datetime) -> list[ThreadState]:
    opened = t.threads.c.opened_at
    rows = conn.execute(
        select(t.threads).where(opened >= since).order_by(opened, t.threads.c.root_key)
    )
    return [_thread(row) for row in rows]


def overdue_threads(conn: Connection, now: datetime, limit: int) -> list[ThreadState]:
    c = t.threads.c
    rows = conn.execute(
        select(t.threads)
        .where(
            c.response_due_at < now,
            c.first_response_at.is_(None),
            c.closed_at.is_(None),
            c.overdue_at.is_(None),
        )
        .order_by(c.response_due_at, c.root_key)
        .limit(limit)
    )
    return [_thread(row) for row in rows]


def latest_threads_by_author(
    conn: Connection, author_keys: Iterable[str]
) -> dict[str, ThreadState]:
    found: list[ThreadState] = []
    for chunk in chunks(set(author_keys)):
        rows = conn.execute(select(t.threads).where(t.threads.c.author_key.in_(chunk)))
        found.extend(_thread(row) for row in rows)
    return latest_per_author(found)


def _run(row: Row[Any]) -> RunRecord:
    return RunRecord(
        id=row.id,
        source=row.source,
        started_at=row.started_at,
        finished_at=row.finished_at,
        counts=RunCounts(
            pulled=row.pulled,
            new=row.new,
            planned=row.planned,
            written=row.written,
            retried=row.retried,
            dead=row.dead,
            rejected=row.rejected,
        ),
        error=row.error,
    )


def runs(conn: Connection, source: str | None, limit: int) -> list[RunRecord]:
    query = select(t.runs).order_by(t.runs.c.id.desc()).limit(limit)
    if source is not None:
        query = query.where(t.runs.c.source == source)
    return [_run(row) for row in conn.execute(query)]


def status(conn: Connection, at: datetime) -> StoreStatus:
    o = t.outbox
    leased = and_(o.c.claimed_until.is_not(None), o.c.claimed_until > at)
    free = or_(o.c.claimed_until.is_(None), o.c.claimed_until <= at)
    depth, oldest = conn.execute(select(func.count(), func.min(o.c.created_at))).one()
    due = conn.execute(
        select(func.count()).select_from(o).where(o.c.next_attempt_at <= at, free, not_held())
    ).scalar_one()
    leased_rows = conn.execute(select(func.count()).select_from(o).where(leased)).scalar_one()
    held = conn.execute(select(func.count()).select_from(o).where(~not_held())).scalar_one()
    by_code: dict[str, int] = {
        str(code): int(count)
        for code, count in conn.execute(
            select(t.dead_letters.c.code, func.count())
            .group_by(t.dead_letters.c.code)
            .order_by(t.dead_letters.c.code)
        )
    }
    by_status: dict[str, int] = {
        str(status): int(count)
        for status, count in conn.execute(
            select(t.ledger.c.status, func.count())
            .group_by(t.ledger.c.status)
            .order_by(t.ledger.c.status)
        )
    }
    latest = select(func.max(t.runs.c.id)).group_by(t.runs.c.source).scalar_subquery()
    last_runs = {
        run.source: run
        for run in map(_run, conn.execute(select(t.runs).where(t.runs.c.id.in_(latest))))
    }
    sources = [_source(row) for row in conn.execute(select(t.sources).order_by(t.sources.c.name))]
    return StoreStatus(
        now=at,
        sources=sources,
        outbox_depth=int(depth),
        outbox_due=int(due),
        outbox_leased=int(leased_rows),
        outbox_held=int(held),
        oldest_outbox_at=oldest,
        dead_letters_by_code=by_code,
        ledger_by_status=by_status,
        last_runs=dict(sorted(last_runs.items())),
    )

"""Dead letters on SQL: list, show, retry (back to the outbox under the original id, with
what waited on them: ``with_dependents``), drop."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, Row, and_, delete, select, true, update

from sf_social.state.deadletters import PARENT_FAILED, DeadLetter, holding, with_dependents
from sf_social.state.ledger import LedgerStatus
from sf_social.state.sql import tables as t
from sf_social.state.sql.chunks import chunks
from sf_social.state.sql.types import load_json

d = t.dead_letters


def _public(row: Row[Any]) -> DeadLetter:
    return DeadLetter(
        id=row.id,
        outbox_id=row.outbox_id,
        post_key=row.post_key,
        ordering_key=row.ordering_key,
        plan_json=row.plan,
        code=row.code,
        message=row.message,
        fields=tuple(load_json(row.fields)),
        attempts=row.attempts,
        created_at=row.created_at,
        first_failed_at=row.first_failed_at,
        last_failed_at=row.last_failed_at,
    )


def list_dead(conn: Connection, code: str | None, limit: int) -> list[DeadLetter]:
    query = select(d).order_by(d.c.id).limit(limit)
    if code is not None:
        query = query.where(d.c.code == code)
    return [_public(row) for row in conn.execute(query)]


def get_dead(conn: Connection, dead_letter_id: int) -> DeadLetter | None:
    row = conn.execute(select(d).where(d.c.id == dead_letter_id)).first()
    return None if row is None else _public(row)


def _select(conn: Connection, ids: Iterable[int] | None, code: str | None) -> list[DeadLetter]:
    by_code: ColumnElement[bool] = true() if code is None else d.c.code == code
    if ids is None:
        return [_public(r) for r in conn.execute(select(d).where(by_code).order_by(d.c.id))]
    found: list[DeadLetter] = []
    for chunk in chunks(sorted(set(ids))):
        query = select(d).where(and_(d.c.id.in_(chunk), by_code)).order_by(d.c.id)
        found.extend(_public(r) for r in conn.execute(query))
    return found


def retry_dead(conn: Connection, ids: Iterable[int] | None, code: str | None, at: datetime) -> int:
    chosen = with_dependents(_select(conn, ids, code), _select(conn, None, PARENT_FAILED))
    for dead in chosen:
        conn.execute(
            t.outbox.insert().values(
                id=dead.outbox_id,
                post_key=dead.post_key,
                ordering_key=dead.ordering_key,
                plan=dead.plan_json,
                attempts=0,
                next_attempt_at=at,
                last_error=f"retried after {dead.code}: {dead.message}",
                created_at=dead.created_at,
            )
        )
        conn.execute(delete(d).where(d.c.id == dead.id))
        conn.execute(
            update(t.ledger)
            .where(t.ledger.c.post_key == dead.post_key)
            .values(status=LedgerStatus.PLANNED.value)
        )
    for key, head in holding(chosen).items():  # the rows they held back are due with them
        o = t.outbox.c
        conn.execute(
            update(t.outbox)
            .where(o.ordering_key == key, o.id > head, o.next_attempt_at > at)
            .values(next_attempt_at=at)
        )
    return len(chosen)


def drop_dead(conn: Connection, ids: Iterable[int] | None, code: str | None) -> int:
    chosen = _select(conn, ids, code)
    for chunk in chunks([dead.id for dead in chosen]):
        conn.execute(delete(d).where(d.c.id.in_(chunk)))
    return len(chosen)

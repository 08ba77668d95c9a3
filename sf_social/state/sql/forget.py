"""``forget_posts`` on SQL: drop done posts of a window from the ledger (for a replay)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, delete, func, select

from sf_social.state.ledger import LedgerStatus
from sf_social.state.sql import tables as t

_DONE = (LedgerStatus.WRITTEN.value, LedgerStatus.SKIPPED.value)


def forget_posts(conn: Connection, since: datetime, sources: set[str] | None) -> dict[str, int]:
    """Delete the ``written``/``skipped`` ledger rows first seen at or after ``since``."""
    ledger = t.ledger
    where = [ledger.c.first_seen >= since, ledger.c.status.in_(_DONE)]
    if sources is not None:
        if not sources:
            return {}
        where.append(ledger.c.source.in_(sorted(sources)))
    counts = {
        row.source: int(row.n)
        for row in conn.execute(
            select(ledger.c.source, func.count().label("n")).where(*where).group_by(ledger.c.source)
        )
    }
    if counts:
        conn.execute(delete(ledger).where(*where))
    return dict(sorted(counts.items()))

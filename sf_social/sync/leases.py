"""Knowing which outbox rows this process holds, so a shutdown can give them back.

The engine claims rows (a lease) and settles them after the write. When the daemon must
leave before a write in flight comes back (SIGTERM with a short bound), its leases would
otherwise block those rows until they expire. :class:`LeaseTracker` wraps the store the
engine is given: it remembers the rows each claim returned and forgets them as they are
settled or released, and ``release_all()`` hands back whatever is still held.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sf_social.state import Failure, OutboxRow, Outcome, StateStore


class LeaseTracker:
    """A ``StateStore`` that remembers the outbox rows it leased and has not settled."""

    def __init__(self, store: StateStore) -> None:
        self.inner = store
        self._held: dict[int, OutboxRow] = {}
        self._lock = threading.Lock()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    @property
    def held(self) -> list[OutboxRow]:
        """Rows leased through this tracker and not settled yet."""
        with self._lock:
            return list(self._held.values())

    def claim_outbox(
        self,
        worker_id: str,
        limit: int,
        now: datetime,
        lease: timedelta,
        *,
        per_key: int = 1,
    ) -> list[OutboxRow]:
        rows = self.inner.claim_outbox(worker_id, limit, now, lease, per_key=per_key)
        with self._lock:
            self._held.update((row.id, row) for row in rows)
        return rows

    def _drop(self, rows: Sequence[OutboxRow]) -> None:
        with self._lock:
            for row in rows:
                self._held.pop(row.id, None)

    def settle(self, outcomes: Sequence[Outcome], *, now: datetime | None = None) -> list[bool]:
        held = self.inner.settle(outcomes, now=now)
        self._drop([outcome.row for outcome in outcomes])
        return held

    def complete(
        self, row: OutboxRow, ids: Mapping[str, str], *, now: datetime | None = None
    ) -> bool:
        held = self.inner.complete(row, ids, now=now)
        self._drop([row])
        return held

    def reschedule(
        self, row: OutboxRow, error: str, next_at: datetime, *, now: datetime | None = None
    ) -> bool:
        held = self.inner.reschedule(row, error, next_at, now=now)
        self._drop([row])
        return held

    def dead_letter(self, row: OutboxRow, failure: Failure, *, now: datetime | None = None) -> bool:
        held = self.inner.dead_letter(row, failure, now=now)
        self._drop([row])
        return held

    def release(self, rows: Sequence[OutboxRow]) -> int:
        count = self.inner.release(rows)
        self._drop(rows)
        return count

    def release_all(self) -> int:
        """Give back every row still held; how many were still ours."""
        rows = self.held
        return self.release(rows) if rows else 0

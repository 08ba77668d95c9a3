"""The webhook spool: accepted events, durable before Facebook gets its 200.

A SQLite file of its own (WAL, ``synchronous=FULL``: the commit is on disk when ``add``
returns). Each event has a stable id (Facebook sends no nonce: the comment id, the message
``mid``, else a digest of the event); a replayed event hits the unique index and is not
stored twice. Readers page through events by their sequence number (the source's cursor).
"""

from __future__ import annotations

import json
import sqlite3
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sf_social.errors import StateError
from sf_social.private_files import create_private

PRUNED = '{"pruned": true}'
"""The payload of an event past its retention: read back, it is no post and no deletion."""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS webhook_events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id TEXT NOT NULL UNIQUE,
    received_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    payload TEXT NOT NULL
)
"""


class WebhookSpool:
    """Durable, deduplicated storage of webhook events (thread-safe)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        create_private(path, "webhook spool")
        try:
            self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.execute("PRAGMA busy_timeout=5000")
            self._db.execute(_SCHEMA)
        except sqlite3.Error as exc:
            raise StateError(f"webhook spool {path}: {exc}") from None

    def add(self, events: list[tuple[str, dict[str, Any]]]) -> int:
        """Store ``(event_id, event)`` pairs in one durable transaction; how many were new."""
        rows = [(event_id, json.dumps(event, sort_keys=True)) for event_id, event in events]
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
                before = self._db.total_changes
                self._db.executemany(
                    "INSERT OR IGNORE INTO webhook_events (event_id, payload) VALUES (?, ?)", rows
                )
                new = self._db.total_changes - before
                self._db.execute("COMMIT")
            except sqlite3.Error as exc:
                if self._db.in_transaction:
                    self._db.execute("ROLLBACK")
                raise StateError(f"webhook spool {self.path}: {exc}") from None
        return new

    def read(self, after: int, limit: int) -> list[tuple[int, str, dict[str, Any]]]:
        """Up to ``limit`` events after sequence number ``after``: (seq, event id, event)."""
        with self._lock:
            rows = self._db.execute(
                "SELECT seq, event_id, payload FROM webhook_events WHERE seq > ? ORDER BY seq"
                " LIMIT ?",
                (after, limit),
            ).fetchall()
        return [(int(seq), str(eid), json.loads(payload)) for seq, eid, payload in rows]

    def prune(self, through: int, before: datetime) -> int:
        """Blank the payloads of events up to sequence ``through`` received before
        ``before`` (retention); their ids stay, so a redelivery is still not stored twice.
        How many were blanked."""
        stamp = before.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
        with self._lock:
            cursor = self._db.execute(
                "UPDATE webhook_events SET payload = ? WHERE seq <= ? AND received_at < ?"
                " AND payload != ?",
                (PRUNED, through, stamp, PRUNED),
            )
        return int(cursor.rowcount)

    def received(self, event_ids: list[str]) -> dict[str, datetime]:
        """When each of ``event_ids`` was stored (those never received are absent)."""
        found: dict[str, datetime] = {}
        with self._lock:
            for event_id in event_ids:  # the unique index answers each at once
                row = self._db.execute(
                    "SELECT received_at FROM webhook_events WHERE event_id = ?", (event_id,)
                ).fetchone()
                if row is not None:
                    when = datetime.fromisoformat(str(row[0]).replace("Z", "+00:00"))
                    found[event_id] = when.astimezone(UTC)
        return found

    def count(self) -> int:
        with self._lock:
            (n,) = self._db.execute("SELECT count(*) FROM webhook_events").fetchone()
        return int(n)

    def close(self) -> None:
        with self._lock:
            self._db.close()

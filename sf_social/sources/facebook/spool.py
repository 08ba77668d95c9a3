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
from pathlib import Path
from typing import Any

from sf_social.errors import StateError
from sf_social.private_files import create_private

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

    def count(self) -> int:
        with self._lock:
            (n,) = self._db.execute("SELECT count(*) FROM webhook_events").fetchone()
        return int(n)

    def close(self) -> None:
        with self._lock:
            self._db.close()

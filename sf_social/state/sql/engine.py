"""Engines for the state store: SQLite pragmas and transactions, PostgreSQL schemas.

SQLite: WAL (readers never block the writer), ``foreign_keys``, ``busy_timeout``, and
transactions opened with ``BEGIN IMMEDIATE`` so a transaction that will write takes the
write lock up front and a claim can never interleave with another; read-only work
(``read_only(conn)``) opens with a plain ``BEGIN``. The driver's own transaction
handling is switched off so that these statements are the ones that run.

PostgreSQL (``postgresql+psycopg://``): an optional schema for every table
(``schema_translate_map``), so several stores (or test runs) share one database.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.dialects import sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.sql.schema import Table

from sf_social.errors import ConfigError

BUSY_TIMEOUT_MS = 30_000
"""How long a SQLite connection waits for another's write lock before failing."""

_READ_ONLY = "sf_social_read_only"


def make_engine(url: str, *, schema: str | None = None) -> Engine:
    """An engine for ``url``: SQLite with its pragmas, or PostgreSQL in ``schema``.

    ``ConfigError`` (naming ``SF_SOCIAL_DB``) for a URL that is not one of those, or a
    PostgreSQL URL without its driver installed.
    """
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ConfigError(f"SF_SOCIAL_DB: not a database URL: {url!r}{_EXAMPLES}") from None
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        if schema is not None:
            raise ValueError("schema is for PostgreSQL; a SQLite file is its own namespace")
        engine = create_engine(parsed)
        event.listen(engine, "connect", _sqlite_on_connect)
        event.listen(engine, "begin", _sqlite_on_begin)
        return engine
    if backend == "postgresql":
        try:
            engine = create_engine(parsed, pool_pre_ping=True)
        except ModuleNotFoundError as exc:
            raise ConfigError(
                f"SF_SOCIAL_DB: the PostgreSQL driver is missing ({exc.name}): install the"
                " postgres extra (pip install 'sf_social[postgres]') and use postgresql+psycopg://"
            ) from None
        if schema is not None:
            engine = engine.execution_options(schema_translate_map={None: schema})
        return engine
    raise ConfigError(f"SF_SOCIAL_DB: unsupported database {parsed.drivername!r}{_EXAMPLES}")


_EXAMPLES = "; use sqlite:///path/state.db or postgresql+psycopg://user@host/db"


def sqlite_file(engine: Engine) -> Path | None:
    """The database file of a SQLite engine, ``None`` for an in-memory database."""
    database = engine.url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(os.path.abspath(database))  # a symlink is refused, not followed


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys = ON")
        _use_wal(cursor)
    finally:
        cursor.close()


def _use_wal(cursor: Any) -> None:
    """Switch the file to WAL (persistent) unless it is already.

    The switch needs the file to itself and SQLite does not wait for that with the busy
    timeout, so when several connections open a fresh file at once, try again a while.
    """
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            mode = cursor.execute("PRAGMA journal_mode").fetchone()[0]
            if str(mode).lower() in ("wal", "memory"):
                return
            cursor.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def _sqlite_on_begin(conn: Connection) -> None:
    read_only = conn.get_execution_options().get(_READ_ONLY, False)
    conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


def read_only(conn: Connection) -> Connection:
    """``conn`` marked read-only: on SQLite its transactions do not take the write lock."""
    return conn.execution_options(**{_READ_ONLY: True})


def upsert_insert(conn: Connection, table: Table) -> Any:
    """The dialect's ``INSERT`` with ``ON CONFLICT`` support (SQLite or PostgreSQL)."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects import postgresql  # not imported on SQLite (~80 ms at start)

        return postgresql.insert(table)
    return sqlite.insert(table)


def is_postgres(conn: Connection) -> bool:
    return conn.dialect.name == "postgresql"


def lock_key(*parts: str) -> int:
    """A stable signed 64-bit key for PostgreSQL advisory locks (not Python's salted hash)."""
    digest = hashlib.sha256("\x1f".join(("sf_social", *parts)).encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)

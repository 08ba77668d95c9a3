"""Schema versions, applied on start: ordered, transactional, idempotent.

``schema_version`` holds one row per applied migration. ``migrate`` applies the missing
ones in order inside one transaction (SQLite and PostgreSQL both roll DDL back), so a
failed migration leaves the previous version intact. On PostgreSQL, replicas starting
together serialize on an advisory lock; on SQLite ``BEGIN IMMEDIATE`` does it. A
database migrated by a newer sf_social is refused (``SchemaVersionError``), untouched.

To change the schema: append a migration (Core DDL; ``conn.execute(text("ALTER ..."))``
where Core has no construct), give ``tables.py`` the new table shape, and never edit a
released migration.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, Index, MetaData, func, select, text
from sqlalchemy.schema import CreateSchema

from sf_social.errors import SchemaVersionError
from sf_social.state.clock import utc_now
from sf_social.state.sql import schema_v1, tables
from sf_social.state.sql.engine import is_postgres, lock_key


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    description: str
    apply: Callable[[Connection], None]


def _v1(conn: Connection) -> None:
    md = MetaData()
    for table in schema_v1.ALL[1:]:  # schema_version exists already
        table(md)
    md.create_all(conn)


def _v2(conn: Connection) -> None:
    dead = schema_v1.dead_letters(MetaData())
    Index("dead_letters_ordering", dead.c.ordering_key, dead.c.outbox_id).create(conn)


def _table_name(conn: Connection, name: str) -> str:
    """``name`` qualified with the connection's schema (text() is not schema-translated)."""
    schema = (conn.get_execution_options().get("schema_translate_map") or {}).get(None)
    quote = conn.dialect.identifier_preparer.quote
    return f"{quote(schema)}.{name}" if schema else name


def _v3(conn: Connection) -> None:
    runs = _table_name(conn, "runs")
    conn.execute(text(f"ALTER TABLE {runs} ADD COLUMN rejected INTEGER NOT NULL DEFAULT 0"))


def _v4(conn: Connection) -> None:
    threads = _table_name(conn, "threads")
    for column in tables.THREAD_RESPONSE_COLUMNS:
        kind = column.type.compile(dialect=conn.dialect)
        conn.execute(text(f"ALTER TABLE {threads} ADD COLUMN {column.name} {kind}"))
    tables.threads_opened.create(conn)


def _v5(conn: Connection) -> None:
    threads = _table_name(conn, "threads")
    kind = tables.threads.c.overdue_at.type.compile(dialect=conn.dialect)
    conn.execute(text(f"ALTER TABLE {threads} ADD COLUMN overdue_at {kind}"))
    tables.threads_due.create(conn)


def _v6(conn: Connection) -> None:
    ledger = _table_name(conn, "ledger")
    conn.execute(text(f"ALTER TABLE {ledger} ADD COLUMN author TEXT"))
    tables.ledger_author.create(conn)
    tables.suppressions.create(conn)
    tables.audit.create(conn)


def _v7(conn: Connection) -> None:
    threads = _table_name(conn, "threads")
    conn.execute(text(f"ALTER TABLE {threads} ADD COLUMN opened_by TEXT"))


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "ledger, record ids, sources, outbox, dead letters, threads, runs", _v1),
    Migration(2, "dead letters by ordering key: they hold the rows behind them", _v2),
    Migration(3, "runs.rejected: items refused at the input boundary, per pass", _v3),
    Migration(
        4, "threads: opened, response due, segment, team, network, tier (response times)", _v4
    ),
    Migration(5, "threads.overdue_at: when the overdue sweep flagged the Case", _v5),
    Migration(6, "privacy: ledger.author digest, suppression list, audit log", _v6),
    Migration(7, "threads.opened_by: the post whose deletion blanks the Case", _v7),
)
LATEST = MIGRATIONS[-1].version


def current_version(conn: Connection) -> int:
    """The highest applied version, 0 for an empty database."""
    found = conn.execute(select(func.max(tables.schema_version.c.version))).scalar()
    return int(found or 0)


def migrate(
    engine: Engine,
    *,
    database: str,
    schema: str | None = None,
    migrations: tuple[Migration, ...] = MIGRATIONS,
) -> list[int]:
    """Apply the missing migrations; the versions applied. ``database`` names it in errors."""
    known = migrations[-1].version if migrations else 0
    applied: list[int] = []
    with engine.begin() as conn:
        if is_postgres(conn):
            # first the lock: even CREATE SCHEMA IF NOT EXISTS fails when two run at once
            conn.execute(select(func.pg_advisory_xact_lock(lock_key(schema or "", "migrate"))))
            if schema is not None:
                conn.execute(CreateSchema(schema, if_not_exists=True))
        tables.schema_version.create(conn, checkfirst=True)
        version = current_version(conn)
        if version > known:
            raise SchemaVersionError(database, version, known)
        for migration in migrations:
            if migration.version <= version:
                continue
            migration.apply(conn)
            conn.execute(
                tables.schema_version.insert().values(
                    version=migration.version,
                    description=migration.description,
                    applied_at=utc_now(),
                )
            )
            applied.append(migration.version)
    return applied

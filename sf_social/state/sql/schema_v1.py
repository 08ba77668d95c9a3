"""The tables as migration 1 creates them. Frozen: a later change is a new migration.

Each function adds one table to a ``MetaData``. ``tables.py`` uses them for the tables
that no migration has changed since; a migration that changes a table gives
``tables.py`` its own, newer definition and leaves this module alone.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    Table,
    Text,
)

from sf_social.state.sql.types import UtcDateTime

RowId = BigInteger().with_variant(Integer(), "sqlite")
"""64-bit ids; plain INTEGER on SQLite, where only ``INTEGER PRIMARY KEY`` is the rowid."""


def schema_version(md: MetaData) -> Table:
    return Table(
        "schema_version",
        md,
        Column("version", Integer, primary_key=True, autoincrement=False),
        Column("description", Text, nullable=False),
        Column("applied_at", UtcDateTime, nullable=False),
    )


def ledger(md: MetaData) -> Table:
    return Table(
        "ledger",
        md,
        Column("network", Text, nullable=False),
        Column("post_id", Text, nullable=False),
        Column("post_key", Text, nullable=False),
        Column("source", Text, nullable=False),
        Column("status", Text, nullable=False),
        Column("keys", Text, nullable=False),  # JSON list of external ids
        Column("sf_ids", Text, nullable=False),  # JSON object external id -> Salesforce Id
        Column("first_seen", UtcDateTime, nullable=False),
        Column("last_seen", UtcDateTime, nullable=False),
        Column("attempts", Integer, nullable=False, default=0),
        PrimaryKeyConstraint("network", "post_id", name="ledger_pk"),
        Index("ledger_post_key", "post_key", unique=True),
    )


def record_ids(md: MetaData) -> Table:
    return Table(
        "record_ids",
        md,
        Column("key", Text, primary_key=True),
        Column("sf_id", Text, nullable=False),
        Column("updated_at", UtcDateTime, nullable=False),
    )


def sources(md: MetaData) -> Table:
    return Table(
        "sources",
        md,
        Column("name", Text, primary_key=True),
        Column("cursor", Text),  # JSON, owned by the source
        Column("cursor_updated_at", UtcDateTime),
        Column("status", Text),  # JSON, reported by the source
        Column("status_updated_at", UtcDateTime),
    )


def outbox(md: MetaData) -> Table:
    return Table(
        "outbox",
        md,
        Column("id", RowId, primary_key=True, autoincrement=True),
        Column("post_key", Text, nullable=False),
        Column("ordering_key", Text, nullable=False),
        Column("plan", Text, nullable=False),  # RecordPlan, state.codec JSON
        Column("attempts", Integer, nullable=False, default=0),
        Column("next_attempt_at", UtcDateTime, nullable=False),
        Column("last_error", Text),
        Column("first_failed_at", UtcDateTime),
        Column("created_at", UtcDateTime, nullable=False),
        Column("claimed_by", Text),
        Column("claimed_until", UtcDateTime),
        Index("outbox_ordering", "ordering_key", "id"),
        Index("outbox_due", "next_attempt_at"),
        Index("outbox_post_key", "post_key"),
        sqlite_autoincrement=True,  # never reuse an id: ids are the per-key order
    )


def dead_letters(md: MetaData) -> Table:
    return Table(
        "dead_letters",
        md,
        Column("id", RowId, primary_key=True, autoincrement=True),
        Column("outbox_id", BigInteger, nullable=False),
        Column("post_key", Text, nullable=False),
        Column("ordering_key", Text, nullable=False),
        Column("plan", Text, nullable=False),
        Column("code", Text, nullable=False),
        Column("message", Text, nullable=False),
        Column("fields", Text, nullable=False),  # JSON list
        Column("attempts", Integer, nullable=False),
        Column("created_at", UtcDateTime, nullable=False),
        Column("first_failed_at", UtcDateTime, nullable=False),
        Column("last_failed_at", UtcDateTime, nullable=False),
        Index("dead_letters_code", "code"),
        sqlite_autoincrement=True,
    )


def threads(md: MetaData) -> Table:
    return Table(
        "threads",
        md,
        Column("root_key", Text, primary_key=True),
        Column("generation", Integer, nullable=False),
        Column("case_key", Text, nullable=False),
        Column("case_id", Text),
        Column("status", Text),
        Column("closed_at", UtcDateTime),
        Column("first_response_at", UtcDateTime),
        Column("author_key", Text),
        Column("last_activity_at", UtcDateTime),
        Column("updated_at", UtcDateTime, nullable=False),
        Index("threads_case_key", "case_key"),
        Index("threads_author", "author_key"),
    )


def runs(md: MetaData) -> Table:
    return Table(
        "runs",
        md,
        Column("id", RowId, primary_key=True, autoincrement=True),
        Column("source", Text, nullable=False),
        Column("started_at", UtcDateTime, nullable=False),
        Column("finished_at", UtcDateTime),
        Column("pulled", Integer, nullable=False, default=0),
        Column("new", Integer, nullable=False, default=0),
        Column("planned", Integer, nullable=False, default=0),
        Column("written", Integer, nullable=False, default=0),
        Column("retried", Integer, nullable=False, default=0),
        Column("dead", Integer, nullable=False, default=0),
        Column("error", Text),
        Index("runs_source", "source", "id"),
        sqlite_autoincrement=True,
    )


ALL = (schema_version, ledger, record_ids, sources, outbox, dead_letters, threads, runs)
"""Every table of version 1, in creation order."""

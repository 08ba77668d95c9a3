"""Schema versions on the SQL backends: from empty, idempotent, atomic, newer refused."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import Connection, inspect, select, text

from sf_social.errors import ConfigError, SchemaVersionError, StateError
from sf_social.state import MEMORY_URL, MemoryStateStore, open_store
from sf_social.state.clock import utc_now
from sf_social.state.sql import SqlStateStore, tables
from sf_social.state.sql.migrations import LATEST, MIGRATIONS, Migration, migrate
from tests.state.conftest import Backend


def test_migrates_an_empty_database_to_the_current_tables(sql_backend: Backend) -> None:
    store = sql_backend.open_sql(migrate=False)
    with store.engine.connect() as conn:
        assert not inspect(conn).has_table("outbox", schema=sql_backend.schema)
    assert store.migrate() == [m.version for m in MIGRATIONS]
    assert store.schema_version() == LATEST
    with store.engine.connect() as conn:
        found = inspect(conn)
        for table in tables.metadata.sorted_tables:
            columns = {c["name"] for c in found.get_columns(table.name, schema=sql_backend.schema)}
            assert columns == set(table.c.keys()), table.name
        indexes = {i["name"] for i in found.get_indexes("outbox", schema=sql_backend.schema)}
        assert {"outbox_ordering", "outbox_due", "outbox_post_key"} <= indexes
        dead = {i["name"] for i in found.get_indexes("dead_letters", schema=sql_backend.schema)}
        assert "dead_letters_ordering" in dead


def test_migrating_again_changes_nothing(sql_backend: Backend) -> None:
    store = sql_backend.open_sql()  # migrates on open
    assert store.migrate() == []
    assert sql_backend.open_sql().migrate() == []
    with store.engine.connect() as conn:
        versions = conn.execute(select(tables.schema_version.c.version)).scalars().all()
    assert versions == [m.version for m in MIGRATIONS]


def test_a_newer_database_is_refused_untouched(sql_backend: Backend) -> None:
    store = sql_backend.open_sql()
    with store.engine.begin() as conn:
        conn.execute(
            tables.schema_version.insert().values(
                version=LATEST + 5, description="from the future", applied_at=utc_now()
            )
        )
    with pytest.raises(SchemaVersionError) as caught:
        sql_backend.open_sql()
    message = str(caught.value)
    assert f"schema version {LATEST + 5}" in message and f"up to {LATEST}" in message
    assert store.database in message and "upgrade sf_social" in message
    assert store.schema_version() == LATEST + 5


def test_a_failing_migration_leaves_the_previous_version(sql_backend: Backend) -> None:
    store = sql_backend.open_sql()

    def half_done(conn: Connection) -> None:
        conn.execute(text("CREATE TABLE half_done (id INTEGER)"))
        raise RuntimeError("migration 2 failed")

    broken = (*MIGRATIONS, Migration(LATEST + 1, "breaks", half_done))
    with pytest.raises(RuntimeError, match="migration 2 failed"):
        migrate(store.engine, database=store.database, schema=sql_backend.schema, migrations=broken)
    assert store.schema_version() == LATEST
    with store.engine.connect() as conn:
        assert not inspect(conn).has_table("half_done", schema=sql_backend.schema)


def test_replicas_starting_together_migrate_once(sql_backend: Backend) -> None:
    errors: list[BaseException] = []
    applied: list[list[int]] = []
    stores = [sql_backend.open_sql(migrate=False) for _ in range(4)]
    barrier = threading.Barrier(len(stores))

    def start(index: int) -> None:
        barrier.wait()
        try:
            applied.append(stores[index].migrate())
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=start, args=(i,)) for i in range(len(stores))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    assert sorted(applied) == [[], [], [], [m.version for m in MIGRATIONS]]


def test_sqlite_pragmas(tmp_path: Path) -> None:
    store = SqlStateStore(f"sqlite:///{tmp_path / 'p.db'}")
    try:
        with store.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30_000
    finally:
        store.close()


def test_open_store_by_url(tmp_path: Path) -> None:
    assert isinstance(open_store(MEMORY_URL), MemoryStateStore)
    store = open_store(f"sqlite:///{tmp_path / 'opened.db'}")
    try:
        assert isinstance(store, SqlStateStore) and store.schema_version() == LATEST
    finally:
        store.close()
    with pytest.raises(ConfigError, match="SF_SOCIAL_DB: unsupported database 'mysql'"):
        open_store("mysql://u@h/db")
    with pytest.raises(ConfigError, match="SF_SOCIAL_DB: not a database URL"):
        open_store("state.db")


def test_an_unreachable_database_is_a_clear_state_error(tmp_path: Path) -> None:
    with pytest.raises(StateError, match=r"cannot open state database .*missing/dir/x\.db"):
        SqlStateStore(f"sqlite:///{tmp_path / 'missing' / 'dir' / 'x.db'}")
    with pytest.raises(
        StateError, match=r"cannot open state database postgresql\+psycopg://u:\*\*\*@"
    ):
        SqlStateStore("postgresql+psycopg://u:secret@127.0.0.1:1/db")

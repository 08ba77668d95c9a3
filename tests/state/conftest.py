"""Backends for the state store contract tests: memory, a real SQLite file, real PostgreSQL.

PostgreSQL: ``SF_SOCIAL_TEST_PG`` (a SQLAlchemy URL) if set, else 127.0.0.1:5432, database
``test``, user ``postgres`` or ``root``; each test gets a fresh schema, dropped afterwards. When no
server answers, the PostgreSQL cases are skipped with the reason.
"""

from __future__ import annotations

import functools
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from sf_social.state import Checkpoint, MemoryStateStore, StateStore
from sf_social.state.sql import SqlStateStore

PG_CANDIDATES = (
    "postgresql+psycopg://postgres@127.0.0.1:5432/test",
    "postgresql+psycopg://root@127.0.0.1:5432/test",
)


class InjectedFault(Exception):
    """Raised by ``Faults`` at the checkpoint it was armed for."""


@dataclass
class Faults:
    """A store checkpoint that raises once armed."""

    armed: str | None = None
    passed: list[str] = field(default_factory=list)

    def __call__(self, name: str) -> None:
        self.passed.append(name)
        if name == self.armed:
            raise InjectedFault(name)


@functools.cache
def postgres_url() -> tuple[str | None, str]:
    """A reachable PostgreSQL URL, or None and why not."""
    try:
        import psycopg
    except ImportError as exc:  # pragma: no cover - the postgres extra is missing
        return None, f"psycopg not installed ({exc})"
    override = os.environ.get("SF_SOCIAL_TEST_PG")
    candidates = [override] if override else list(PG_CANDIDATES)
    problems = []
    for url in candidates:
        plain = url.replace("postgresql+psycopg://", "postgresql://")
        try:
            psycopg.connect(plain, connect_timeout=3).close()
        except psycopg.Error as exc:
            problems.append(f"{url}: {str(exc).strip().splitlines()[0]}")
            continue
        return url, ""
    return None, "; ".join(problems)


def require_postgres() -> str:
    url, why = postgres_url()
    if url is None:
        pytest.skip(f"PostgreSQL not reachable: {why}")
    return url


@dataclass
class Backend:
    """One database under test; ``open()`` gives another store on the same data."""

    name: str
    url: str | None = None
    schema: str | None = None
    memory: MemoryStateStore | None = None
    opened: list[SqlStateStore] = field(default_factory=list)

    def open(self, checkpoint: Checkpoint | None = None) -> StateStore:
        """A store on this database (memory: the one store, whatever the checkpoint)."""
        if self.memory is not None:
            return self.memory
        return self.open_sql(checkpoint=checkpoint)

    def open_sql(
        self, *, checkpoint: Checkpoint | None = None, migrate: bool = True
    ) -> SqlStateStore:
        assert self.url is not None, "not a SQL backend"
        store = SqlStateStore(self.url, schema=self.schema, checkpoint=checkpoint, migrate=migrate)
        self.opened.append(store)
        return store

    def close(self) -> None:
        for store in self.opened:
            store.close()
        if self.schema is not None and self.url is not None:
            drop_schema(self.url, self.schema)


def drop_schema(url: str, schema: str) -> None:
    """Drop a test's PostgreSQL schema and everything in it."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    finally:
        engine.dispose()


def _make_backend(kind: str, tmp_path: Path, faults: Faults) -> Backend:
    if kind == "memory":
        return Backend(kind, memory=MemoryStateStore(checkpoint=faults))
    if kind == "sqlite":
        return Backend(kind, url=f"sqlite:///{tmp_path / 'state.db'}")
    schema = f"sfs_test_{os.getpid()}_{uuid.uuid4().hex[:10]}"
    return Backend(kind, url=require_postgres(), schema=schema)


@pytest.fixture
def faults() -> Faults:
    return Faults()


@pytest.fixture(params=["memory", "sqlite", "postgres"])
def backend(request: pytest.FixtureRequest, tmp_path: Path, faults: Faults) -> Iterator[Backend]:
    """Each backend in turn; its stores are closed and its PostgreSQL schema dropped after."""
    db = _make_backend(str(request.param), tmp_path, faults)
    try:
        yield db
    finally:
        db.close()


@pytest.fixture
def store(backend: Backend, faults: Faults) -> StateStore:
    """The store under test, with ``faults`` as its checkpoint."""
    return backend.open(faults)


@pytest.fixture(params=["sqlite", "postgres"])
def sql_backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    """The SQL backends only (migrations, locks, concurrency)."""
    db = _make_backend(str(request.param), tmp_path, Faults())
    try:
        yield db
    finally:
        db.close()

"""``SqlStateStore``: the state store on SQLite (default) or PostgreSQL, SQLAlchemy Core.

Every method is one transaction. The store migrates its schema when opened (unless told
not to). Concurrency: on PostgreSQL several processes may share the database (advisory
lock per source, ``SKIP LOCKED`` claims); on SQLite one daemon per file
(``lock_for_daemon``), other processes may read (``sf-social status``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta

from sqlalchemy import Connection, delete, insert, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

from sf_social.errors import StateError
from sf_social.private_files import create_private
from sf_social.redaction import hide_password, redact_optional, redact_values
from sf_social.state.batch import Checkpoint, CommitResult, prepare_batch
from sf_social.state.clock import EPOCH, as_utc, now_or
from sf_social.state.codec import RecentPlans
from sf_social.state.deadletters import DeadLetter
from sf_social.state.ledger import LedgerEntry, PostRef, SeenPost
from sf_social.state.locks import FileLock, HeldLock, NamedLock, NullLock
from sf_social.state.outbox import (
    OutboxRow,
    Outcome,
    QueuedPlan,
)
from sf_social.state.privacy import AuditEntry, LocalErasure, PersonMatch
from sf_social.state.runs import RunCounts, RunRecord
from sf_social.state.sql import batch as sql_batch
from sf_social.state.sql import claims, deadletters, erase, forget, migrations, reads
from sf_social.state.sql import settle as settling
from sf_social.state.sql import tables as t
from sf_social.state.sql.advisory import AdvisoryLock
from sf_social.state.sql.engine import make_engine, read_only, sqlite_file, upsert_insert
from sf_social.state.sql.types import dump_json
from sf_social.state.status import JsonObject, SourceState, StoreStatus
from sf_social.state.threads import ThreadState


def _no_checkpoint(_name: str) -> None:
    pass


class SqlStateStore:
    """A ``StateStore`` on a SQLAlchemy URL.

    ``url``: ``sqlite:///path/state.db`` or ``postgresql+psycopg://user@host/db``.
    ``schema``: PostgreSQL schema for the tables (created if missing); default the
    connection's search path. ``migrate``: apply migrations now (default).
    ``checkpoint``: fault injection for tests (see ``batch.Checkpoint``).
    """

    def __init__(
        self,
        url: str,
        *,
        schema: str | None = None,
        migrate: bool = True,
        checkpoint: Checkpoint | None = None,
    ) -> None:
        self.url = url
        self.schema = schema
        self.engine: Engine = make_engine(url, schema=schema)
        self._checkpoint = checkpoint or _no_checkpoint
        self._file = sqlite_file(self.engine) if self.engine.dialect.name == "sqlite" else None
        self._postgres = self.engine.dialect.name == "postgresql"
        self._recent = RecentPlans()
        """Plans queued here lately: a claim of them needs no decoding."""
        if self._file is not None:
            create_private(self._file, "state database")
        if migrate:
            try:
                self.migrate()
            except OperationalError as exc:
                self.engine.dispose()
                reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
                raise StateError(f"cannot open state database {self.database}: {reason}") from exc

    @property
    def database(self) -> str:
        """The database for messages: the SQLite file, or the URL without its password."""
        if self._file is not None:
            return str(self._file)
        shown = hide_password(self.url)
        return f"{shown} (schema {self.schema})" if self.schema else shown

    def __repr__(self) -> str:
        return f"SqlStateStore({self.database!r})"

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        with self.engine.begin() as conn:
            yield conn

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        with self.engine.connect() as conn:
            read_only(conn)
            with conn.begin():
                yield conn

    # -- lifecycle ------------------------------------------------------------------
    def migrate(self) -> list[int]:
        return migrations.migrate(self.engine, database=self.database, schema=self.schema)

    def schema_version(self) -> int:
        """The version the database is at."""
        with self._read() as conn:
            return migrations.current_version(conn)

    def close(self) -> None:
        self.engine.dispose()

    # -- THE transaction ------------------------------------------------------------
    def commit_batch(
        self,
        source: str,
        cursor: JsonObject | None,
        posts: Sequence[SeenPost],
        plans: Sequence[QueuedPlan],
        *,
        threads: Sequence[ThreadState] = (),
        threads_read: Mapping[str, ThreadState] | None = None,
        now: datetime | None = None,
    ) -> CommitResult:
        at = now_or(now)
        batch = prepare_batch(posts, plans)
        with self._write() as conn:
            return sql_batch.commit_batch(
                conn,
                source,
                cursor,
                batch,
                (threads, threads_read),
                at,
                self._checkpoint,
                self._recent.encode,
            )

    # -- ledger and known records -----------------------------------------------------
    def seen(self, refs: Iterable[PostRef]) -> set[PostRef]:
        with self._read() as conn:
            return sql_batch.existing_refs(conn, set(refs))

    def ledger(self, refs: Iterable[PostRef]) -> dict[PostRef, LedgerEntry]:
        with self._read() as conn:
            return reads.ledger_entries(conn, set(refs))

    def known_ids(self, keys: Iterable[str]) -> dict[str, str]:
        with self._read() as conn:
            return reads.known_ids(conn, keys)

    def forget_posts(
        self, since: datetime, *, sources: Iterable[str] | None = None
    ) -> dict[str, int]:
        with self._write() as conn:
            return forget.forget_posts(conn, since, None if sources is None else set(sources))

    def forget_org(self) -> dict[str, int]:
        with self._write() as conn:
            posts = forget.forget_posts(conn, EPOCH, None)
            ids = conn.execute(delete(t.record_ids)).rowcount
            threads = conn.execute(delete(t.threads)).rowcount
        return {"posts": sum(posts.values()), "record ids": ids, "threads": threads}

    # -- sources ----------------------------------------------------------------------
    def source(self, name: str) -> SourceState | None:
        with self._read() as conn:
            return reads.source(conn, name)

    def set_source_status(
        self, name: str, status: JsonObject | None, *, now: datetime | None = None
    ) -> None:
        at = now_or(now)
        text = None if status is None else dump_json(redact_values(status))
        with self._write() as conn:
            stmt = upsert_insert(conn, t.sources).values(
                name=name, status=text, status_updated_at=at
            )
            conn.execute(
                stmt.on_conflict_do_update(
                    index_elements=["name"],
                    set_={
                        "status": stmt.excluded.status,
                        "status_updated_at": stmt.excluded.status_updated_at,
                    },
                )
            )

    # -- outbox -----------------------------------------------------------------------
    def claim_outbox(
        self,
        worker_id: str,
        limit: int,
        now: datetime,
        lease: timedelta,
        *,
        per_key: int = 1,
    ) -> list[OutboxRow]:
        with self._write() as conn:
            return claims.claim(
                conn, worker_id, limit, now, lease, per_key, self._checkpoint, self._recent.decode
            )

    def settle(self, outcomes: Sequence[Outcome], *, now: datetime | None = None) -> list[bool]:
        at = now_or(now)
        with self._write() as conn:
            return settling.settle(conn, outcomes, at)

    def release(self, rows: Sequence[OutboxRow]) -> int:
        with self._write() as conn:
            return claims.release(conn, rows)

    def extend_leases(self, rows: Sequence[OutboxRow], until: datetime) -> int:
        with self._write() as conn:
            return claims.extend(conn, rows, as_utc(until, "until"))

    def lease_holders(self, now: datetime) -> set[str]:
        with self._read() as conn:
            return claims.holders(conn, as_utc(now, "now"))

    def expire_leases(self, workers: Iterable[str]) -> int:
        with self._write() as conn:
            return claims.expire(conn, set(workers))

    # -- dead letters -----------------------------------------------------------------
    def dead_letters(self, *, code: str | None = None, limit: int = 100) -> list[DeadLetter]:
        with self._read() as conn:
            return deadletters.list_dead(conn, code, limit)

    def get_dead_letter(self, dead_letter_id: int) -> DeadLetter | None:
        with self._read() as conn:
            return deadletters.get_dead(conn, dead_letter_id)

    def retry_dead_letters(
        self,
        ids: Iterable[int] | None = None,
        *,
        code: str | None = None,
        now: datetime | None = None,
    ) -> int:
        at = now_or(now)
        with self._write() as conn:
            return deadletters.retry_dead(conn, ids, code, at)

    def drop_dead_letters(
        self, ids: Iterable[int] | None = None, *, code: str | None = None
    ) -> int:
        with self._write() as conn:
            return deadletters.drop_dead(conn, ids, code)

    # -- threads ----------------------------------------------------------------------
    def threads(self, root_keys: Iterable[str]) -> dict[str, ThreadState]:
        with self._read() as conn:
            return reads.threads(conn, root_keys)

    def latest_threads_by_author(self, author_keys: Iterable[str]) -> dict[str, ThreadState]:
        with self._read() as conn:
            return reads.latest_threads_by_author(conn, author_keys)

    def save_threads(
        self,
        states: Sequence[ThreadState],
        *,
        read: Mapping[str, ThreadState] | None = None,
        now: datetime | None = None,
    ) -> None:
        at = now_or(now)
        with self._write() as conn:
            sql_batch.save_threads(conn, states, read, at=at)

    def threads_opened_since(self, since: datetime) -> list[ThreadState]:
        with self._read() as conn:
            return reads.threads_opened_since(conn, since)

    def overdue_threads(self, now: datetime, *, limit: int = 2000) -> list[ThreadState]:
        with self._read() as conn:
            return reads.overdue_threads(conn, now, limit)

    # -- privacy (design rule 11) -------------------------------------------------------
    def erase_person(
        self, match: PersonMatch, *, dry_run: bool = False, now: datetime | None = None
    ) -> LocalErasure:
        at = now_or(now)
        with self._write() as conn:
            return erase.erase_person(conn, match, dry_run, at)

    def suppressed(self, digests: Iterable[str]) -> set[str]:
        with self._read() as conn:
            return erase.suppressed(conn, digests)

    def held_posts(
        self, network: str, since: datetime, *, after: str | None = None, limit: int = 500
    ) -> list[str]:
        with self._read() as conn:
            return erase.held_posts(conn, network, since, after, limit)

    def record_audit(self, action: str, detail: JsonObject, *, now: datetime | None = None) -> int:
        at = now_or(now)
        with self._write() as conn:
            return erase.record_audit(conn, action, detail, at)

    def audit_log(self, *, limit: int = 100) -> list[AuditEntry]:
        with self._read() as conn:
            return erase.audit_log(conn, limit)

    # -- run history ------------------------------------------------------------------
    def start_run(self, source: str, *, now: datetime | None = None) -> int:
        at = now_or(now)
        with self._write() as conn:
            result = conn.execute(
                insert(t.runs).values(source=source, started_at=at).returning(t.runs.c.id)
            )
            return int(result.scalar_one())

    def finish_run(
        self,
        run_id: int,
        counts: RunCounts,
        *,
        error: str | None = None,
        now: datetime | None = None,
    ) -> None:
        at = now_or(now)
        with self._write() as conn:
            conn.execute(
                update(t.runs)
                .where(t.runs.c.id == run_id)
                .values(
                    finished_at=at,
                    pulled=counts.pulled,
                    new=counts.new,
                    planned=counts.planned,
                    written=counts.written,
                    retried=counts.retried,
                    dead=counts.dead,
                    rejected=counts.rejected,
                    error=redact_optional(error),
                )
            )

    def runs(self, *, source: str | None = None, limit: int = 20) -> list[RunRecord]:
        with self._read() as conn:
            return reads.runs(conn, source, limit)

    # -- status -----------------------------------------------------------------------
    def status(self, *, now: datetime | None = None) -> StoreStatus:
        at = now_or(now)
        with self._read() as conn:
            return reads.status(conn, at)

    # -- single-writer rules ------------------------------------------------------------
    def lock_for_daemon(self) -> HeldLock:
        if self._file is not None:
            return FileLock.acquire(self._file)
        return NullLock()

    def try_lock_source(self, name: str) -> HeldLock | None:
        if self._postgres:
            return AdvisoryLock.try_acquire(self.engine, self.schema or "", name)
        return NamedLock.try_acquire(f"{self.database}:source:{name}")

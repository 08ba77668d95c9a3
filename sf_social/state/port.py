"""The ``StateStore`` port: everything the sync engine keeps between passes.

Two adapters implement it with the same semantics, held to it by one contract test
suite: ``SqlStateStore`` (SQLite file or PostgreSQL) and ``MemoryStateStore`` (fast
engine tests). Times are aware datetimes; methods that take ``now`` default it to the
current UTC time.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Protocol

from sf_social.state.batch import CommitResult
from sf_social.state.deadletters import DeadLetter
from sf_social.state.ledger import LedgerEntry, PostRef, SeenPost
from sf_social.state.locks import HeldLock
from sf_social.state.outbox import Failure, OutboxRow, Outcome, QueuedPlan
from sf_social.state.runs import RunCounts, RunRecord
from sf_social.state.status import JsonObject, SourceState, StoreStatus
from sf_social.state.threads import ThreadState


class StateStore(Protocol):
    """Durable sync state: ledger, cursors, outbox, dead letters, threads, run history."""

    # -- lifecycle ------------------------------------------------------------------
    def migrate(self) -> list[int]:
        """Bring the schema up to date; the versions applied (none when current).

        ``SchemaVersionError`` if the database is newer than this code.
        """
        ...

    def close(self) -> None:
        """Release connections and locks."""
        ...

    # -- THE transaction ------------------------------------------------------------
    def commit_batch(
        self,
        source: str,
        cursor: JsonObject | None,
        posts: Sequence[SeenPost],
        plans: Sequence[QueuedPlan],
        *,
        threads: Sequence[ThreadState] = (),
        now: datetime | None = None,
    ) -> CommitResult:
        """In one transaction: queue plans, mark posts seen, save threads, advance the cursor.

        Posts already in the ledger are skipped together with their plans (the ledger
        deduplicates); their ``last_seen`` moves. Plans are queued in the order given
        (that order is the per-key order). Plans without writes queue nothing and mark
        their post ``skipped``. All or nothing.
        """
        ...

    # -- ledger and known records -----------------------------------------------------
    def seen(self, refs: Iterable[PostRef]) -> set[PostRef]:
        """Which of these (network, post id) the ledger already has."""
        ...

    def ledger(self, refs: Iterable[PostRef]) -> dict[PostRef, LedgerEntry]:
        """The ledger entries of these posts (absent ones left out)."""
        ...

    def known_ids(self, keys: Iterable[str]) -> dict[str, str]:
        """Salesforce Id per external id, for records known to exist."""
        ...

    def forget_ids(self, keys: Iterable[str]) -> int:
        """Stop treating these records as existing (e.g. deleted in Salesforce)."""
        ...

    def forget_posts(
        self, since: datetime, *, sources: Iterable[str] | None = None
    ) -> dict[str, int]:
        """Drop done posts first seen at or after ``since`` from the ledger; how many per source.

        For ``sf-social replay``: read again, those posts are planned and sent again. Only
        ``written`` and ``skipped`` posts are forgotten (``planned`` ones still wait in the
        outbox, ``failed`` ones in the dead letters). ``sources`` limits it to the posts those
        sources delivered (default: every source). Known record Ids, threads, the outbox and
        the dead letters are untouched, so a replay updates the records that exist (their
        sync-owned fields) and never makes a second one.
        """
        ...

    def forget_org(self) -> dict[str, int]:
        """Forget what this store knows of its org: done posts, record Ids, threads.

        For a store moved to another org (``--rebind``): the ledger's ``written``/``skipped``
        posts, every known Salesforce Id and every thread's Case are dropped; the cursors,
        the outbox and the dead letters stay. How many of each were forgotten.
        """
        ...

    # -- sources ----------------------------------------------------------------------
    def source(self, name: str) -> SourceState | None:
        """A source's cursor and status, or ``None`` if it never committed nor reported."""
        ...

    def set_source_status(
        self, name: str, status: JsonObject | None, *, now: datetime | None = None
    ) -> None:
        """Replace what a source reports about itself (rate limits, gaps, reads this month)."""
        ...

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
        """Lease up to ``limit`` due rows to ``worker_id`` until ``now + lease``, oldest first.

        Per-key ordering (``outbox.select_claimable``): only the head of each ordering
        key's queue, plus with ``per_key > 1`` the rows right behind it, in order. No two
        concurrent claims get the same row; an expired lease makes a row claimable again.
        """
        ...

    def complete(
        self, row: OutboxRow, ids: Mapping[str, str], *, now: datetime | None = None
    ) -> bool:
        """The row's writes landed: drop it, keep the Ids. ``False`` if the lease was lost.

        Ids are recorded even when the lease was lost (they are facts); the row itself is
        then left to its new holder.
        """
        ...

    def reschedule(
        self, row: OutboxRow, error: str, next_at: datetime, *, now: datetime | None = None
    ) -> bool:
        """A transient failure: release the row until ``next_at``. ``False`` if lease lost."""
        ...

    def dead_letter(self, row: OutboxRow, failure: Failure, *, now: datetime | None = None) -> bool:
        """A permanent failure: move the row to the dead letters. ``False`` if lease lost."""
        ...

    def settle(self, outcomes: Sequence[Outcome], *, now: datetime | None = None) -> list[bool]:
        """Apply many outcomes in one transaction; per outcome, whether the lease was held."""
        ...

    def release(self, rows: Sequence[OutboxRow]) -> int:
        """Give leased rows back unsent (shutdown, a blocked push); how many were still ours.

        Their claim does not count as an attempt: they were not tried.
        """
        ...

    def extend_leases(self, rows: Sequence[OutboxRow], until: datetime) -> int:
        """Keep leases of rows still ours until ``until`` (a heartbeat while a write is in
        flight); how many were still ours."""
        ...

    def lease_holders(self, now: datetime) -> set[str]:
        """The workers holding a lease that has not run out at ``now``."""
        ...

    def expire_leases(self, workers: Iterable[str]) -> int:
        """End every lease these (dead) workers hold: their rows are claimable at once and
        the workers can settle nothing more; how many rows."""
        ...

    # -- dead letters -----------------------------------------------------------------
    def dead_letters(self, *, code: str | None = None, limit: int = 100) -> list[DeadLetter]:
        """Dead letters, oldest first, optionally only one error code."""
        ...

    def get_dead_letter(self, dead_letter_id: int) -> DeadLetter | None:
        """One dead letter by id."""
        ...

    def retry_dead_letters(
        self,
        ids: Iterable[int] | None = None,
        *,
        code: str | None = None,
        now: datetime | None = None,
    ) -> int:
        """Move dead letters back to the outbox, due ``now``, attempts reset; how many.

        Selects by ``ids`` and/or ``code``; neither means all. Each goes back under its
        original outbox id, so it keeps its place in its ordering key's queue.
        """
        ...

    def drop_dead_letters(
        self, ids: Iterable[int] | None = None, *, code: str | None = None
    ) -> int:
        """Delete dead letters (their posts stay ``failed`` in the ledger); how many."""
        ...

    # -- threads ----------------------------------------------------------------------
    def threads(self, root_keys: Iterable[str]) -> dict[str, ThreadState]:
        """The current Case of these conversations, by root key."""
        ...

    def latest_threads_by_author(self, author_keys: Iterable[str]) -> dict[str, ThreadState]:
        """Per author key, the thread with the latest activity (a DM joins that Case)."""
        ...

    def save_threads(self, states: Sequence[ThreadState], *, now: datetime | None = None) -> None:
        """Insert or replace thread states (outside a batch, e.g. after reading Salesforce)."""
        ...

    # -- run history ------------------------------------------------------------------
    def start_run(self, source: str, *, now: datetime | None = None) -> int:
        """Record the start of a pass; its id."""
        ...

    def finish_run(
        self,
        run_id: int,
        counts: RunCounts,
        *,
        error: str | None = None,
        now: datetime | None = None,
    ) -> None:
        """Record the end of a pass, with what it did and how it failed, if it did."""
        ...

    def runs(self, *, source: str | None = None, limit: int = 20) -> list[RunRecord]:
        """The latest passes, newest first."""
        ...

    # -- status -----------------------------------------------------------------------
    def status(self, *, now: datetime | None = None) -> StoreStatus:
        """Cursors and source status, outbox depth and age, dead letters by code, last runs."""
        ...

    # -- single-writer rules ------------------------------------------------------------
    def lock_for_daemon(self) -> HeldLock:
        """The process-wide lock a daemon holds while it runs.

        SQLite: an exclusive lock on ``<db>.lock``; ``StoreLockedError`` naming the file
        and the holder's PID if another process has it. PostgreSQL and memory: nothing to
        hold (replicas coordinate per source and per outbox row).
        """
        ...

    def try_lock_source(self, name: str) -> HeldLock | None:
        """The right to poll source ``name``, or ``None`` if another worker has it.

        PostgreSQL: a session-level advisory lock (across replicas); elsewhere an
        in-process lock.
        """
        ...

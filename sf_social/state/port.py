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
from sf_social.state.outbox import OutboxRow, Outcome, QueuedPlan
from sf_social.state.privacy import AuditEntry, LocalErasure, PersonMatch
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
        threads_read: Mapping[str, ThreadState] | None = None,
        now: datetime | None = None,
    ) -> CommitResult:
        """In one transaction: queue plans, mark posts seen, save threads, advance the cursor.

        With ``threads_read`` (the states the threads were read as, by root key), the
        threads are merged over what is stored by then (``state.threads.merged``).

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

    def settle(self, outcomes: Sequence[Outcome], *, now: datetime | None = None) -> list[bool]:
        """Apply the outcomes of claimed rows in one transaction; per outcome, whether its
        lease was still held (a row whose lease was lost is left to its new holder).

        ``Completed``: the row leaves the outbox, its Ids are kept (even when the lease was
        lost: they are facts). ``Rescheduled``: the row waits until ``next_attempt_at``.
        ``DeadLettered``: the row moves to the dead letters with its failure.
        """
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

        Selects by ``ids`` and/or ``code``; neither means all. The ``PARENT_FAILED`` dead
        letters that wait on those go too, and the rows they held back are due ``now``
        (``deadletters.with_dependents``). Each goes back under its original outbox id, so
        it keeps its place in its ordering key's queue.
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

    def save_threads(
        self,
        states: Sequence[ThreadState],
        *,
        read: Mapping[str, ThreadState] | None = None,
        now: datetime | None = None,
    ) -> None:
        """Insert or replace thread states (outside a batch, e.g. after reading Salesforce);
        with ``read``, merged over the stored ones as in ``commit_batch``."""
        ...

    def threads_opened_since(self, since: datetime) -> list[ThreadState]:
        """The threads whose Case was opened at or after ``since``, oldest first."""
        ...

    def overdue_threads(self, now: datetime, *, limit: int = 2000) -> list[ThreadState]:
        """Up to ``limit`` threads past their due time at ``now``, unanswered, open as last
        read and not flagged yet (``overdue_at``); the earliest due first."""
        ...

    # -- privacy (design rule 11) -------------------------------------------------------
    def erase_person(
        self, match: PersonMatch, *, dry_run: bool = False, now: datetime | None = None
    ) -> LocalErasure:
        """Find a person's rows and, unless ``dry_run``, erase them in one transaction.

        Their posts are those whose ledger author is one of ``match.digests``, or whose
        pending plan or dead letter has their identity; plans naming them (``needles``)
        count too. Those outbox rows and dead letters are deleted; the posts' ledger
        entries become ``erased`` (kept: never planned again, never forgotten by a replay),
        without the person's profile keys; the Ids of their records (profile keys, post
        keys) are forgotten; the threads they opened lose their author key; their digests
        join the suppression list. Idempotent. What was found, for the org's part.
        """
        ...

    def suppressed(self, digests: Iterable[str]) -> set[str]:
        """Which of these author digests the suppression list holds."""
        ...

    def held_posts(
        self, network: str, since: datetime, *, after: str | None = None, limit: int = 500
    ) -> list[str]:
        """Ids of the network's posts whose records we wrote or will write (``planned``,
        ``written`` or ``failed``), first seen at or after ``since``, in id order after
        ``after``, at most ``limit``: what a compliance check asks the network about."""
        ...

    def record_audit(self, action: str, detail: JsonObject, *, now: datetime | None = None) -> int:
        """Append a line to the privacy audit log (never personal data); its id."""
        ...

    def audit_log(self, *, limit: int = 100) -> list[AuditEntry]:
        """The latest audit lines, newest first."""
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

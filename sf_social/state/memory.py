"""``MemoryStateStore``: the in-memory twin of the SQL store, for fast engine tests.

Same semantics as ``SqlStateStore`` (the contract tests run against both), nothing
durable. Plans are kept as JSON text (``codec``), as the SQL store keeps them, so a plan
that does not survive serialization fails here too. One lock makes every method atomic;
a transaction stages its changes and applies them only after its last checkpoint.
"""

from __future__ import annotations

import itertools
import json
import threading
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sf_social.redaction import redact_optional, redact_values
from sf_social.state.batch import CLAIM_CHECKPOINT, Checkpoint, CommitResult, prepare_batch
from sf_social.state.clock import EPOCH, as_utc, now_or
from sf_social.state.codec import decode_plan, encode_plan
from sf_social.state.deadletters import DeadLetter, holding, with_dependents
from sf_social.state.ledger import LedgerEntry, LedgerStatus, PostRef, SeenPost
from sf_social.state.locks import HeldLock, NamedLock, NullLock
from sf_social.state.memory_privacy import MemoryPrivacy
from sf_social.state.outbox import (
    Completed,
    Failure,
    OutboxRow,
    Outcome,
    QueuedPlan,
    QueueSlot,
    Rescheduled,
    is_available,
    is_held,
    select_claimable,
)
from sf_social.state.runs import RunCounts, RunRecord
from sf_social.state.status import JsonObject, SourceState, StoreStatus
from sf_social.state.threads import (
    ThreadState,
    latest_per_author,
    merge_all,
    opened_since,
    overdue,
)


@dataclass(slots=True)
class _Row:
    """A stored outbox row (mutable, private)."""

    id: int
    post_key: str
    ordering_key: str
    plan_json: str
    attempts: int
    next_attempt_at: datetime
    created_at: datetime
    claimed_by: str | None = None
    claimed_until: datetime | None = None
    last_error: str | None = None
    first_failed_at: datetime | None = None

    def slot(self) -> QueueSlot:
        return QueueSlot(self.id, self.ordering_key, self.next_attempt_at, self.claimed_until)

    def public(self) -> OutboxRow:
        return OutboxRow(
            id=self.id,
            post_key=self.post_key,
            ordering_key=self.ordering_key,
            plan=decode_plan(self.plan_json),
            attempts=self.attempts,
            next_attempt_at=self.next_attempt_at,
            created_at=self.created_at,
            claimed_by=self.claimed_by,
            claimed_until=self.claimed_until,
            last_error=self.last_error,
            first_failed_at=self.first_failed_at,
        )

    def fenced(self, row: OutboxRow) -> bool:
        """Whether ``row``'s lease is still this row's current lease."""
        return self.claimed_by == row.claimed_by and self.attempts == row.attempts


class MemoryStateStore(MemoryPrivacy):
    """A ``StateStore`` in memory; ``checkpoint`` is called at named points of transactions."""

    def __init__(self, *, checkpoint: Checkpoint | None = None) -> None:
        self._checkpoint = checkpoint
        self._lock = threading.RLock()
        self._ledger: dict[PostRef, LedgerEntry] = {}
        self._by_post_key: dict[str, PostRef] = {}
        self._records: dict[str, str] = {}
        self._sources: dict[str, SourceState] = {}
        self._outbox: dict[int, _Row] = {}
        self._rows_per_post: Counter[str] = Counter()
        self._outbox_ids = itertools.count(1)
        self._dead: dict[int, DeadLetter] = {}
        self._dead_ids = itertools.count(1)
        self._threads: dict[str, ThreadState] = {}
        self._runs: dict[int, RunRecord] = {}
        self._run_ids = itertools.count(1)
        self._lock_prefix = f"memory:{id(self)}:source:"
        self._init_privacy()

    def _point(self, name: str) -> None:
        if self._checkpoint is not None:
            self._checkpoint(name)

    # -- lifecycle ------------------------------------------------------------------
    def migrate(self) -> list[int]:
        return []

    def close(self) -> None:
        pass

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
        cursor_copy = None if cursor is None else json.loads(json.dumps(cursor))
        with self._lock:
            touched: dict[PostRef, LedgerEntry] = {}
            new: dict[PostRef, LedgerEntry] = {}
            for ref, post in batch.posts.items():
                known = self._ledger.get(ref)
                if known is not None:
                    touched[ref] = replace(known, last_seen=at)
                    continue
                new[ref] = LedgerEntry(
                    network=post.network,
                    post_id=post.post_id,
                    post_key=post.post_key,
                    source=source,
                    status=batch.status_of(ref),
                    keys=batch.keys_of(ref),
                    first_seen=at,
                    last_seen=at,
                    author=post.author,
                )
            self._point("commit_batch:ledger")
            rows = [(queued, encode_plan(queued.plan)) for queued in batch.to_queue(new)]
            self._point("commit_batch:outbox")
            saved_threads = [
                replace(t, updated_at=at) for t in merge_all(threads, threads_read, self._threads)
            ]
            self._point("commit_batch:cursor")
            # apply: nothing below can fail
            self._ledger.update(touched)
            self._ledger.update(new)
            self._by_post_key.update({e.post_key: ref for ref, e in new.items()})
            for queued, plan_json in rows:
                row_id = next(self._outbox_ids)
                self._rows_per_post[queued.plan.post_key] += 1
                self._outbox[row_id] = _Row(
                    id=row_id,
                    post_key=queued.plan.post_key,
                    ordering_key=queued.effective_ordering_key,
                    plan_json=plan_json,
                    attempts=0,
                    next_attempt_at=at,
                    created_at=at,
                )
            self._threads.update({t.root_key: t for t in saved_threads})
            old = self._sources.get(source)
            self._sources[source] = SourceState(
                name=source,
                cursor=cursor_copy,
                cursor_updated_at=at,
                status=old.status if old else None,
                status_updated_at=old.status_updated_at if old else None,
            )
            return CommitResult(new_posts=len(new), duplicates=len(touched), queued=len(rows))

    # -- ledger and known records -----------------------------------------------------
    def seen(self, refs: Iterable[PostRef]) -> set[PostRef]:
        with self._lock:
            return {ref for ref in refs if ref in self._ledger}

    def ledger(self, refs: Iterable[PostRef]) -> dict[PostRef, LedgerEntry]:
        with self._lock:
            return {
                ref: replace(self._ledger[ref], sf_ids=dict(self._ledger[ref].sf_ids))
                for ref in refs
                if ref in self._ledger
            }

    def known_ids(self, keys: Iterable[str]) -> dict[str, str]:
        with self._lock:
            return {key: self._records[key] for key in keys if key in self._records}

    def forget_posts(
        self, since: datetime, *, sources: Iterable[str] | None = None
    ) -> dict[str, int]:
        wanted = None if sources is None else set(sources)
        done = (LedgerStatus.WRITTEN, LedgerStatus.SKIPPED)
        forgotten: Counter[str] = Counter()
        with self._lock:
            for ref, entry in list(self._ledger.items()):
                if (
                    entry.first_seen >= since
                    and entry.status in done
                    and (wanted is None or entry.source in wanted)
                ):
                    del self._ledger[ref]
                    self._by_post_key.pop(entry.post_key, None)
                    forgotten[entry.source] += 1
        return dict(sorted(forgotten.items()))

    def forget_org(self) -> dict[str, int]:
        posts = sum(self.forget_posts(EPOCH).values())
        with self._lock:
            ids, threads = len(self._records), len(self._threads)
            self._records.clear()
            self._threads.clear()
        return {"posts": posts, "record ids": ids, "threads": threads}

    # -- sources ----------------------------------------------------------------------
    def source(self, name: str) -> SourceState | None:
        with self._lock:
            return self._sources.get(name)

    def set_source_status(
        self, name: str, status: JsonObject | None, *, now: datetime | None = None
    ) -> None:
        at = now_or(now)
        copy = None if status is None else json.loads(json.dumps(redact_values(status)))
        with self._lock:
            old = self._sources.get(name) or SourceState(name, None, None)
            self._sources[name] = replace(old, status=copy, status_updated_at=at)

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
        at = as_utc(now, "now")
        with self._lock:
            slots = (r.slot() for r in self._outbox.values())
            ids = select_claimable(slots, at, limit, per_key, holding(self._dead.values()))
            if ids:
                self._point(CLAIM_CHECKPOINT)
            claimed = []
            for row_id in ids:
                row = self._outbox[row_id]
                row.attempts += 1
                row.claimed_by = worker_id
                row.claimed_until = at + lease
                claimed.append(row.public())
            return claimed

    def settle(self, outcomes: Sequence[Outcome], *, now: datetime | None = None) -> list[bool]:
        at = now_or(now)
        held: list[bool] = []
        with self._lock:
            for outcome in outcomes:
                stored = self._outbox.get(outcome.row.id)
                ours = stored is not None and stored.fenced(outcome.row)
                held.append(ours)
                if isinstance(outcome, Completed):
                    self._record_ids(outcome.row.post_key, outcome.ids, at)
                if not ours or stored is None:
                    continue
                if isinstance(outcome, Completed):
                    self._remove(stored)
                    status = None if self._pending(stored.post_key) else LedgerStatus.WRITTEN
                    self._bump_ledger(stored.post_key, status, only_from=LedgerStatus.PLANNED)
                elif isinstance(outcome, Rescheduled):
                    stored.next_attempt_at = as_utc(outcome.next_attempt_at, "next_at")
                    stored.last_error = outcome.error
                    stored.first_failed_at = stored.first_failed_at or at
                    stored.claimed_by = stored.claimed_until = None
                    self._bump_ledger(stored.post_key, None)
                else:
                    self._remove(stored)
                    self._bury(stored, outcome.failure, at)
                    self._bump_ledger(stored.post_key, LedgerStatus.FAILED)
        return held

    def _pending(self, post_key: str) -> bool:
        return self._rows_per_post[post_key] > 0

    def _remove(self, row: _Row) -> None:
        del self._outbox[row.id]
        self._rows_per_post[row.post_key] -= 1

    def _record_ids(self, post_key: str, ids: Mapping[str, str], at: datetime) -> None:
        if not ids:
            return
        self._records.update(ids)
        for root, thread in self._threads.items():
            if thread.case_key in ids:
                self._threads[root] = replace(thread, case_id=ids[thread.case_key], updated_at=at)
        ref = self._by_post_key.get(post_key)
        if ref is not None:
            entry = self._ledger[ref]
            self._ledger[ref] = replace(entry, sf_ids={**entry.sf_ids, **ids})

    def _bump_ledger(
        self,
        post_key: str,
        status: LedgerStatus | None,
        only_from: LedgerStatus | None = None,
    ) -> None:
        ref = self._by_post_key.get(post_key)
        if ref is None:
            return
        entry = self._ledger[ref]
        if status is not None and (only_from is None or entry.status == only_from):
            entry = replace(entry, status=status)
        self._ledger[ref] = replace(entry, attempts=entry.attempts + 1)

    def _bury(self, row: _Row, failure: Failure, at: datetime) -> None:
        dead_id = next(self._dead_ids)
        self._dead[dead_id] = DeadLetter(
            id=dead_id,
            outbox_id=row.id,
            post_key=row.post_key,
            ordering_key=row.ordering_key,
            plan_json=row.plan_json,
            code=failure.code,
            message=failure.message,
            fields=tuple(failure.fields),
            attempts=row.attempts,
            created_at=row.created_at,
            first_failed_at=row.first_failed_at or at,
            last_failed_at=at,
        )

    def release(self, rows: Sequence[OutboxRow]) -> int:
        count = 0
        with self._lock:
            for row in rows:
                stored = self._outbox.get(row.id)
                if stored is not None and stored.fenced(row):
                    stored.claimed_by = stored.claimed_until = None
                    stored.attempts -= 1  # not tried: the claim is no attempt
                    count += 1
        return count

    def extend_leases(self, rows: Sequence[OutboxRow], until: datetime) -> int:
        at = as_utc(until, "until")
        count = 0
        with self._lock:
            for row in rows:
                stored = self._outbox.get(row.id)
                if stored is not None and stored.fenced(row):
                    stored.claimed_until = at
                    count += 1
        return count

    def lease_holders(self, now: datetime) -> set[str]:
        at = as_utc(now, "now")
        with self._lock:
            return {
                r.claimed_by
                for r in self._outbox.values()
                if r.claimed_by is not None and r.claimed_until is not None and r.claimed_until > at
            }

    def expire_leases(self, workers: Iterable[str]) -> int:
        gone = set(workers)
        count = 0
        with self._lock:
            for stored in self._outbox.values():
                if stored.claimed_by in gone:
                    stored.claimed_by = stored.claimed_until = None
                    count += 1
        return count

    # -- dead letters -----------------------------------------------------------------
    def dead_letters(self, *, code: str | None = None, limit: int = 100) -> list[DeadLetter]:
        with self._lock:
            found = [d for d in self._dead.values() if code is None or d.code == code]
        return sorted(found, key=lambda d: d.id)[:limit]

    def get_dead_letter(self, dead_letter_id: int) -> DeadLetter | None:
        with self._lock:
            return self._dead.get(dead_letter_id)

    def _select_dead(self, ids: Iterable[int] | None, code: str | None) -> list[DeadLetter]:
        wanted = None if ids is None else set(ids)
        return [
            d
            for d in self._dead.values()
            if (wanted is None or d.id in wanted) and (code is None or d.code == code)
        ]

    def retry_dead_letters(
        self,
        ids: Iterable[int] | None = None,
        *,
        code: str | None = None,
        now: datetime | None = None,
    ) -> int:
        at = now_or(now)
        with self._lock:
            chosen = with_dependents(self._select_dead(ids, code), self._dead.values())
            for dead in chosen:
                del self._dead[dead.id]
                self._rows_per_post[dead.post_key] += 1
                self._outbox[dead.outbox_id] = _Row(
                    id=dead.outbox_id,
                    post_key=dead.post_key,
                    ordering_key=dead.ordering_key,
                    plan_json=dead.plan_json,
                    attempts=0,
                    next_attempt_at=at,
                    created_at=dead.created_at,
                    last_error=f"retried after {dead.code}: {dead.message}",
                )
                ref = self._by_post_key.get(dead.post_key)
                if ref is not None:
                    self._ledger[ref] = replace(self._ledger[ref], status=LedgerStatus.PLANNED)
            heads = holding(chosen)
            for row in self._outbox.values():  # the rows they held back are due with them
                if is_held(row.slot(), heads):
                    row.next_attempt_at = min(row.next_attempt_at, at)
            return len(chosen)

    def drop_dead_letters(
        self, ids: Iterable[int] | None = None, *, code: str | None = None
    ) -> int:
        with self._lock:
            chosen = self._select_dead(ids, code)
            for dead in chosen:
                del self._dead[dead.id]
            return len(chosen)

    # -- threads ----------------------------------------------------------------------
    def threads(self, root_keys: Iterable[str]) -> dict[str, ThreadState]:
        with self._lock:
            return {k: self._threads[k] for k in root_keys if k in self._threads}

    def latest_threads_by_author(self, author_keys: Iterable[str]) -> dict[str, ThreadState]:
        wanted = set(author_keys)
        with self._lock:
            return latest_per_author(t for t in self._threads.values() if t.author_key in wanted)

    def save_threads(
        self,
        states: Sequence[ThreadState],
        *,
        read: Mapping[str, ThreadState] | None = None,
        now: datetime | None = None,
    ) -> None:
        at = now_or(now)
        with self._lock:
            merged = merge_all(states, read, self._threads)  # as the SQL store does
            self._threads.update({t.root_key: replace(t, updated_at=at) for t in merged})

    def threads_opened_since(self, since: datetime) -> list[ThreadState]:
        with self._lock:
            return opened_since(self._threads.values(), since)

    def overdue_threads(self, now: datetime, *, limit: int = 2000) -> list[ThreadState]:
        with self._lock:
            return overdue(self._threads.values(), now, limit)

    # -- run history ------------------------------------------------------------------
    def start_run(self, source: str, *, now: datetime | None = None) -> int:
        at = now_or(now)
        with self._lock:
            run_id = next(self._run_ids)
            self._runs[run_id] = RunRecord(run_id, source, at, None, RunCounts(), None)
            return run_id

    def finish_run(
        self,
        run_id: int,
        counts: RunCounts,
        *,
        error: str | None = None,
        now: datetime | None = None,
    ) -> None:
        at = now_or(now)
        with self._lock:
            run = self._runs[run_id]
            self._runs[run_id] = replace(
                run, finished_at=at, counts=counts, error=redact_optional(error)
            )

    def runs(self, *, source: str | None = None, limit: int = 20) -> list[RunRecord]:
        with self._lock:
            found = [r for r in self._runs.values() if source is None or r.source == source]
        return sorted(found, key=lambda r: r.id, reverse=True)[:limit]

    # -- status -----------------------------------------------------------------------
    def status(self, *, now: datetime | None = None) -> StoreStatus:
        at = now_or(now)
        with self._lock:
            rows = list(self._outbox.values())
            slots = [r.slot() for r in rows]
            held = holding(self._dead.values())
            by_code: dict[str, int] = {}
            for dead in self._dead.values():
                by_code[dead.code] = by_code.get(dead.code, 0) + 1
            by_status: dict[str, int] = {}
            for entry in self._ledger.values():
                by_status[entry.status.value] = by_status.get(entry.status.value, 0) + 1
            last: dict[str, RunRecord] = {}
            for run in sorted(self._runs.values(), key=lambda r: r.id):
                last[run.source] = run
            return StoreStatus(
                now=at,
                sources=sorted(self._sources.values(), key=lambda s: s.name),
                outbox_depth=len(rows),
                outbox_due=sum(
                    is_available(slot, at) and not is_held(slot, held) for slot in slots
                ),
                outbox_held=sum(is_held(slot, held) for slot in slots),
                outbox_leased=sum(
                    r.claimed_until is not None and r.claimed_until > at for r in rows
                ),
                oldest_outbox_at=min((r.created_at for r in rows), default=None),
                dead_letters_by_code=dict(sorted(by_code.items())),
                ledger_by_status=dict(sorted(by_status.items())),
                last_runs=dict(sorted(last.items())),
            )

    # -- single-writer rules ------------------------------------------------------------
    def lock_for_daemon(self) -> HeldLock:
        return NullLock()

    def try_lock_source(self, name: str) -> HeldLock | None:
        return NamedLock.try_acquire(self._lock_prefix + name)

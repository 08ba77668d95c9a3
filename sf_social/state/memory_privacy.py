"""Erasure, suppression and the audit log of ``MemoryStateStore`` (a part of it, kept apart
so the store's module stays readable). Same semantics as ``sql/erase.py``."""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import datetime
from typing import Any

from sf_social.state.clock import now_or
from sf_social.state.deadletters import DeadLetter
from sf_social.state.ledger import LedgerEntry, LedgerStatus, PostRef
from sf_social.state.privacy import (
    AuditEntry,
    LocalErasure,
    PersonMatch,
    Selection,
    StoredPlan,
    case_keys_of,
    erased_entry_values,
    is_held,
    thread_roots_of,
    widened,
)
from sf_social.state.status import JsonObject
from sf_social.state.threads import ThreadState


class MemoryPrivacy:
    """The privacy methods of the memory store, over its dictionaries."""

    _lock: threading.RLock
    _ledger: dict[PostRef, LedgerEntry]
    _by_post_key: dict[str, PostRef]
    _records: dict[str, str]
    _dead: dict[int, DeadLetter]
    _threads: dict[str, ThreadState]
    _outbox: dict[int, Any]
    """The store's outbox rows (``id``, ``post_key``, ``plan_json``)."""
    _remove: Callable[[Any], None]
    """Deletes one outbox row (the store's own bookkeeping)."""

    def _init_privacy(self) -> None:
        self._suppressions: dict[str, datetime] = {}
        self._audit: dict[int, AuditEntry] = {}
        self._audit_ids = itertools.count(1)

    def erase_person(
        self, match: PersonMatch, *, dry_run: bool = False, now: datetime | None = None
    ) -> LocalErasure:
        at = now_or(now)
        with self._lock:
            found = Selection(named_in=set(match.post_keys))
            found.own_posts.update(
                e.post_key for e in self._ledger.values() if e.author in match.digests
            )
            pending = (StoredPlan(r.id, r.post_key, r.plan_json) for r in self._outbox.values())
            found.pick(pending, match, dead=False)
            dead = (StoredPlan(d.id, d.post_key, d.plan_json) for d in self._dead.values())
            found.pick(dead, match, dead=True)
            roots = thread_roots_of(found.own_posts)
            match = widened(match, (t.author_key for r, t in self._threads.items() if r in roots))
            entries = [
                self._ledger[ref]
                for key in sorted(found.post_keys)
                if (ref := self._by_post_key.get(key)) is not None
            ]
            cases: set[str] = set()
            for entry in entries:
                if entry.post_key in found.own_posts:
                    cases |= case_keys_of(entry.keys)
            threads = [t for t in self._threads.values() if t.author_key in match.profile_keys]
            cases |= {t.case_key for t in threads}
            gone_ids = match.profile_keys | found.post_keys
            new_digests = match.digests - self._suppressions.keys()
            result = LocalErasure(
                post_keys=tuple(sorted(found.post_keys)),
                case_keys=tuple(sorted(cases)),
                outbox=len(found.outbox_ids),
                dead_letters=len(found.dead_ids),
                ledger=sum(e.status is not LedgerStatus.ERASED for e in entries),
                threads=len(threads),
                record_ids=len(gone_ids & self._records.keys()),
                suppressed=len(new_digests),
            )
            if dry_run:
                return result
            for row_id in found.outbox_ids:
                self._remove(self._outbox[row_id])
            for dead_id in found.dead_ids:
                del self._dead[dead_id]
            for entry in entries:
                keys, sf_ids = erased_entry_values(entry.keys, entry.sf_ids, match)
                self._ledger[entry.ref] = replace(
                    entry, status=LedgerStatus.ERASED, keys=tuple(keys), sf_ids=sf_ids
                )
            for thread in threads:
                self._threads[thread.root_key] = replace(thread, author_key=None, updated_at=at)
            for key in gone_ids:
                self._records.pop(key, None)
            self._suppressions.update(dict.fromkeys(new_digests, at))
            return result

    def suppressed(self, digests: Iterable[str]) -> set[str]:
        with self._lock:
            return {d for d in digests if d in self._suppressions}

    def held_posts(
        self, network: str, since: datetime, *, after: str | None = None, limit: int = 500
    ) -> list[str]:
        with self._lock:
            found = sorted(
                e.post_id
                for e in self._ledger.values()
                if e.network == network
                and e.first_seen >= since
                and is_held(e.post_id, e.status.value)
                and (after is None or e.post_id > after)
            )
        return found[:limit]

    def record_audit(self, action: str, detail: JsonObject, *, now: datetime | None = None) -> int:
        at = now_or(now)
        copy = json.loads(json.dumps(detail))
        with self._lock:
            audit_id = next(self._audit_ids)
            self._audit[audit_id] = AuditEntry(audit_id, at, action, copy)
            return audit_id

    def audit_log(self, *, limit: int = 100) -> list[AuditEntry]:
        with self._lock:
            return sorted(self._audit.values(), key=lambda a: a.id, reverse=True)[:limit]

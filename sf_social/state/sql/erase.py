"""Erasure, suppression and the audit log on SQL (``state.privacy`` has the rules)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, delete, insert, select, update

from sf_social.state.ledger import LedgerStatus
from sf_social.state.privacy import (
    HELD,
    AuditEntry,
    LocalErasure,
    PersonMatch,
    Selection,
    StoredPlan,
    case_keys_of,
    erased_entry_values,
    thread_roots_of,
    widened,
)
from sf_social.state.sql import tables as t
from sf_social.state.sql.chunks import chunks
from sf_social.state.sql.engine import upsert_insert
from sf_social.state.sql.types import dump_json, load_json
from sf_social.state.status import JsonObject


def erase_person(conn: Connection, match: PersonMatch, dry_run: bool, at: datetime) -> LocalErasure:
    """Find the person's rows; unless ``dry_run``, erase them (the caller commits)."""
    ledger = t.ledger
    found = Selection(named_in=set(match.post_keys))
    if match.digests:
        rows = conn.execute(
            select(ledger.c.post_key).where(ledger.c.author.in_(sorted(match.digests)))
        )
        found.own_posts.update(row.post_key for row in rows)
    for table, is_dead in ((t.outbox, False), (t.dead_letters, True)):
        query = select(table.c.id, table.c.post_key, table.c.plan)
        if match.by_keys_only:  # a deletion: only those posts' rows, no plan read
            stored = [
                r
                for chunk in chunks(sorted(match.post_keys))
                for r in conn.execute(query.where(table.c.post_key.in_(chunk)))
            ]
        else:
            stored = list(conn.execute(query))
        found.pick((StoredPlan(r.id, r.post_key, r.plan) for r in stored), match, dead=is_dead)
    roots = sorted(thread_roots_of(found.own_posts))
    for chunk in chunks(roots):
        rows = conn.execute(select(t.threads.c.author_key).where(t.threads.c.root_key.in_(chunk)))
        match = widened(match, (row.author_key for row in rows))
    entries: list[Row[Any, Any, Any, Any]] = []
    for chunk in chunks(sorted(found.post_keys)):
        entries += conn.execute(
            select(ledger.c.post_key, ledger.c["keys"], ledger.c.sf_ids, ledger.c.status).where(
                ledger.c.post_key.in_(chunk)
            )
        ).all()
    cases = set()
    for entry in entries:
        if entry.post_key in found.own_posts:
            cases |= case_keys_of(load_json(entry.keys))
    threads: Sequence[Row[Any, Any]] = []
    if match.profile_keys:
        threads = conn.execute(
            select(t.threads.c.root_key, t.threads.c.case_key).where(
                t.threads.c.author_key.in_(sorted(match.profile_keys))
            )
        ).all()
        cases |= {row.case_key for row in threads}
    gone_ids = sorted(match.profile_keys | found.post_keys)
    known_ids = 0
    for chunk in chunks(gone_ids):
        known_ids += len(
            conn.execute(select(t.record_ids.c.key).where(t.record_ids.c.key.in_(chunk))).all()
        )
    new_digests = sorted(match.digests - suppressed(conn, match.digests))
    result = LocalErasure(
        post_keys=tuple(sorted(found.post_keys)),
        case_keys=tuple(sorted(cases)),
        outbox=len(found.outbox_ids),
        dead_letters=len(found.dead_ids),
        ledger=sum(e.status != LedgerStatus.ERASED.value for e in entries),
        threads=len(threads),
        record_ids=known_ids,
        suppressed=len(new_digests),
    )
    if dry_run:
        return result
    for ids in chunks(found.outbox_ids):
        conn.execute(delete(t.outbox).where(t.outbox.c.id.in_(ids)))
    for ids in chunks(found.dead_ids):
        conn.execute(delete(t.dead_letters).where(t.dead_letters.c.id.in_(ids)))
    for entry in entries:
        keys, sf_ids = erased_entry_values(load_json(entry.keys), load_json(entry.sf_ids), match)
        conn.execute(
            update(ledger)
            .where(ledger.c.post_key == entry.post_key)
            .values(
                status=LedgerStatus.ERASED.value, keys=dump_json(keys), sf_ids=dump_json(sf_ids)
            )
        )
    if threads:
        conn.execute(
            update(t.threads)
            .where(t.threads.c.root_key.in_([row.root_key for row in threads]))
            .values(author_key=None, updated_at=at)
        )
    for chunk in chunks(gone_ids):
        conn.execute(delete(t.record_ids).where(t.record_ids.c.key.in_(chunk)))
    if new_digests:
        conn.execute(
            upsert_insert(conn, t.suppressions).on_conflict_do_nothing(),
            [{"digest": digest, "created_at": at} for digest in new_digests],
        )
    return result


def suppressed(conn: Connection, digests: Iterable[str]) -> set[str]:
    """Which of ``digests`` the suppression list holds."""
    found: set[str] = set()
    s = t.suppressions
    for chunk in chunks(sorted(set(digests))):
        found.update(
            row.digest for row in conn.execute(select(s.c.digest).where(s.c.digest.in_(chunk)))
        )
    return found


def held_posts(
    conn: Connection, network: str, since: datetime, after: str | None, limit: int
) -> list[str]:
    """``StateStore.held_posts``: ledger ids, not the entries of deletion events."""
    ledger = t.ledger
    query = (
        select(ledger.c.post_id)
        .where(
            ledger.c.network == network,
            ledger.c.first_seen >= since,
            ledger.c.status.in_(HELD),
            ~ledger.c.post_id.contains("#"),
        )
        .order_by(ledger.c.post_id)
        .limit(limit)
    )
    if after is not None:
        query = query.where(ledger.c.post_id > after)
    return [row.post_id for row in conn.execute(query)]


def record_audit(conn: Connection, action: str, detail: JsonObject, at: datetime) -> int:
    """Append one audit line; its id."""
    result = conn.execute(
        insert(t.audit)
        .values(at=at, action=action, detail=dump_json(detail))
        .returning(t.audit.c.id)
    )
    return int(result.scalar_one())


def audit_log(conn: Connection, limit: int) -> list[AuditEntry]:
    """The latest audit lines, newest first."""
    query = select(t.audit).order_by(t.audit.c.id.desc()).limit(limit)
    return [AuditEntry(r.id, r.at, r.action, load_json(r.detail)) for r in conn.execute(query)]

"""Threads: which Case a conversation currently lands on, for the threading rules (design rule 3).

A thread is known by its root key (``twitter:thread:<root id>``, no generation suffix).
Its current Case key carries the generation (``...#2`` once the thread outlived its
reopen window). The engine reads the Case's status and close date from Salesforce, decides,
and stores the decision here in the same transaction as the plans that depend on it
(``commit_batch(..., threads=...)``). Completed writes fill in ``case_id`` automatically.

Two writers change a thread at once — intake (due times, activity, first responses) and
push (Case Ids, generations, what Salesforce said), on one process or several replicas —
each from the state it read a moment before. A writer that passes what it read
(``read=``) has its state merged field by field inside the saving transaction
(:func:`merged`): what it changed wins, every other field keeps the stored value, so
neither undoes the other's change.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from datetime import datetime


@dataclass(frozen=True, slots=True)
class ThreadState:
    """The current Case of one conversation."""

    root_key: str
    generation: int
    case_key: str
    case_id: str | None = None
    status: str | None = None
    """The Case status last read from Salesforce (agents close Cases there)."""
    closed_at: datetime | None = None
    first_response_at: datetime | None = None
    author_key: str | None = None
    """The profile key of the person who opened it (a later direct message joins it)."""
    last_activity_at: datetime | None = None
    updated_at: datetime | None = None
    """Set by the store when saved."""
    opened_at: datetime | None = None
    """When the post that opened the Case was written (response times count from it)."""
    response_due_at: datetime | None = None
    """When the first reply is due: the Case's ``Social_Response_Due__c``."""
    segment: str | None = None
    team: str | None = None
    network: str | None = None
    tier: str | None = None
    """The influence tier of the person who opened it."""
    overdue_at: datetime | None = None
    """When the overdue sweep flagged the Case (``Social_Response_Overdue__c``)."""
    opened_by: str | None = None
    """The key of the post that opened the current Case (its subject and description are
    that post's): a deletion of that post blanks them."""


_MERGED = tuple(f.name for f in fields(ThreadState) if f.name not in ("root_key", "updated_at"))


def merged(read: ThreadState | None, mine: ThreadState, stored: ThreadState | None) -> ThreadState:
    """``mine``, written by someone who read ``read`` (None: the thread was new to them),
    over ``stored``, what the store holds now: each field ``mine`` changed since ``read``
    takes its value, the others keep the stored one."""
    if stored is None or stored == read:
        return mine
    base = read or ThreadState(mine.root_key, 0, "")
    changes = {
        name: getattr(mine, name) for name in _MERGED if getattr(mine, name) != getattr(base, name)
    }
    return ThreadState(
        **{**{n: getattr(stored, n) for n in _MERGED}, **changes},
        root_key=mine.root_key,
        updated_at=stored.updated_at,
    )


def merge_all(
    states: Iterable[ThreadState],
    read: Mapping[str, ThreadState] | None,
    stored: Mapping[str, ThreadState],
) -> list[ThreadState]:
    """``states`` merged over ``stored`` (see :func:`merged`); without ``read``, as given."""
    if read is None:
        return list(states)
    return [merged(read.get(s.root_key), s, stored.get(s.root_key)) for s in states]


def opened_since(threads: Iterable[ThreadState], since: datetime) -> list[ThreadState]:
    """The threads whose Case was opened at or after ``since``, oldest first."""
    found = [t for t in threads if t.opened_at is not None and t.opened_at >= since]
    return sorted(found, key=lambda t: (t.opened_at, t.root_key))


def overdue(threads: Iterable[ThreadState], now: datetime, limit: int) -> list[ThreadState]:
    """Up to ``limit`` threads past their due time at ``now``, unanswered, open as last
    read and not flagged yet; the earliest due first."""
    found = [
        t
        for t in threads
        if t.response_due_at is not None
        and t.response_due_at < now
        and t.first_response_at is None
        and t.closed_at is None
        and t.overdue_at is None
    ]
    return sorted(found, key=lambda t: (t.response_due_at, t.root_key))[:limit]


def latest_per_author(threads: Iterable[ThreadState]) -> dict[str, ThreadState]:
    """Per author key, the thread with the latest activity (then the highest generation).

    A thread never active counts by ``updated_at``; one with neither time comes first.
    """
    found: dict[str, ThreadState] = {}
    for thread in sorted(threads, key=_activity_order):
        if thread.author_key is not None:
            found[thread.author_key] = thread
    return found


def _activity_order(thread: ThreadState) -> tuple[float, int, str]:
    at = thread.last_activity_at or thread.updated_at
    return (at.timestamp() if at else float("-inf"), thread.generation, thread.root_key)

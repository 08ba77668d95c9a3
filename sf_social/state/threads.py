"""Threads: which Case a conversation currently lands on, for the threading rules (design rule 3).

A thread is known by its root key (``twitter:thread:<root id>``, no generation suffix).
Its current Case key carries the generation (``...#2`` once the thread outlived its
reopen window). The engine reads the Case's status and close date from Salesforce, decides,
and stores the decision here in the same transaction as the plans that depend on it
(``commit_batch(..., threads=...)``). Completed writes fill in ``case_id`` automatically.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
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

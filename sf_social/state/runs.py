"""Run history: one row per pass of a sync job, for logs, ``status`` and post-mortems."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class RunCounts:
    """What one pass did."""

    pulled: int = 0
    new: int = 0
    planned: int = 0
    written: int = 0
    retried: int = 0
    dead: int = 0
    rejected: int = 0
    """Items a source refused at the input boundary (each named in the log and on stderr)."""


@dataclass(frozen=True, slots=True)
class RunRecord:
    """One pass; ``finished_at`` is ``None`` while it runs (or if it crashed)."""

    id: int
    source: str
    started_at: datetime
    finished_at: datetime | None
    counts: RunCounts
    error: str | None

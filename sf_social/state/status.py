"""What ``sf-social status`` shows: sources, outbox, dead letters, last passes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sf_social.state.runs import RunRecord

JsonObject = dict[str, Any]
"""A JSON object the store keeps without looking inside (cursors, source status)."""


@dataclass(frozen=True, slots=True)
class SourceState:
    """A source's cursor (owned by the source) and its self-reported status."""

    name: str
    cursor: JsonObject | None
    cursor_updated_at: datetime | None
    status: JsonObject | None = None
    """E.g. ``{"rate_limited_until": ..., "gap": "800-mention window exceeded"}``."""
    status_updated_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class StoreStatus:
    """A snapshot of the store for operators."""

    now: datetime
    sources: list[SourceState]
    outbox_depth: int
    outbox_due: int
    """Rows due now and not leased."""
    outbox_leased: int
    oldest_outbox_at: datetime | None
    dead_letters_by_code: dict[str, int]
    ledger_by_status: dict[str, int]
    last_runs: dict[str, RunRecord] = field(default_factory=dict)

    @property
    def oldest_outbox_age(self) -> timedelta | None:
        """How long the oldest queued write has waited."""
        return None if self.oldest_outbox_at is None else self.now - self.oldest_outbox_at

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
    """Rows due now, not leased and not held."""
    outbox_leased: int
    oldest_outbox_at: datetime | None
    dead_letters_by_code: dict[str, int]
    ledger_by_status: dict[str, int]
    last_runs: dict[str, RunRecord] = field(default_factory=dict)
    outbox_held: int = 0
    """Rows held behind a dead letter of their ordering key (they wait for its retry/drop)."""

    @property
    def outbox_pending(self) -> int:
        """Rows that will be sent without anyone's help: the depth less the held rows."""
        return self.outbox_depth - self.outbox_held

    @property
    def oldest_outbox_age(self) -> timedelta | None:
        """How long the oldest queued write has waited."""
        return None if self.oldest_outbox_at is None else self.now - self.oldest_outbox_at

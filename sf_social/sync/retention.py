"""Retention: personal data leaves the local state when the configuration says (rule 11).

Post text and authors live in the outbox only until their write lands: the row goes then.
What outlives that is pruned here, by the daemon every ``retention.interval``:

- raw payloads a source keeps (the Facebook webhook spool), ``retention.raw_grace`` after
  the source read them (``KeepsRaw.prune``);
- dead letters, ``retention.dead_letters`` after they last failed (their posts stay
  ``failed`` in the ledger; the ledger's keys stay, so nothing is ever written twice).

Each pass that pruned something leaves an audit line (counts only).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime

from sf_social.config.model import RetentionConfig
from sf_social.logs import event
from sf_social.sources.base import KeepsRaw, Source
from sf_social.state import StateStore

log = logging.getLogger(__name__)

RETENTION_LOCK = "@retention"
"""The lock a daemon takes to prune (among PostgreSQL replicas, one prunes at a time)."""
MAX_DEAD_LETTERS = 1_000_000
"""Dead letters looked at in one pass (far more than any store holds)."""


@dataclass
class PruneCounts:
    """What one pass pruned."""

    raw: int = 0
    dead_letters: int = 0


def prune(
    store: StateStore, sources: Sequence[Source], config: RetentionConfig, now: datetime
) -> PruneCounts:
    """One retention pass over the sources' raw payloads and the dead letters."""
    counts = PruneCounts()
    for source in sources:
        if isinstance(source, KeepsRaw):
            state = store.source(source.name)
            counts.raw += source.prune(state.cursor if state else None, now - config.raw_grace)
    cutoff = now - config.dead_letters
    old = [d.id for d in store.dead_letters(limit=MAX_DEAD_LETTERS) if d.last_failed_at < cutoff]
    if old:
        counts.dead_letters = store.drop_dead_letters(old)
    if counts.raw or counts.dead_letters:
        detail = {**asdict(counts), "raw_grace_s": config.raw_grace.total_seconds()}
        detail["dead_letters_s"] = config.dead_letters.total_seconds()
        store.record_audit("prune", detail, now=now)
        event(log, "pruned", **asdict(counts))
    return counts

"""Durable sync state: ledger, cursors, outbox, dead letters, threads, run history.

The ``StateStore`` port and its two adapters, ``SqlStateStore`` (SQLite file by default,
PostgreSQL for replicas) and ``MemoryStateStore`` (in-memory twin for fast tests).
``commit_batch`` is the transaction of design rule 2: plans queued, posts marked seen and
the cursor advanced together, or not at all.
"""

from sf_social.state.batch import CHECKPOINTS, CLAIM_CHECKPOINT, Checkpoint, CommitResult
from sf_social.state.deadletters import DeadLetter
from sf_social.state.ledger import LedgerEntry, LedgerStatus, PostRef, SeenPost
from sf_social.state.locks import HeldLock
from sf_social.state.memory import MemoryStateStore
from sf_social.state.open import MEMORY_URL, open_store
from sf_social.state.outbox import (
    Completed,
    DeadLettered,
    Failure,
    OutboxRow,
    Outcome,
    QueuedPlan,
    Rescheduled,
)
from sf_social.state.port import StateStore
from sf_social.state.runs import RunCounts, RunRecord
from sf_social.state.status import JsonObject, SourceState, StoreStatus
from sf_social.state.threads import ThreadState

__all__ = [
    "CHECKPOINTS",
    "CLAIM_CHECKPOINT",
    "MEMORY_URL",
    "Checkpoint",
    "CommitResult",
    "Completed",
    "DeadLetter",
    "DeadLettered",
    "Failure",
    "HeldLock",
    "JsonObject",
    "LedgerEntry",
    "LedgerStatus",
    "MemoryStateStore",
    "OutboxRow",
    "Outcome",
    "PostRef",
    "QueuedPlan",
    "Rescheduled",
    "RunCounts",
    "RunRecord",
    "SeenPost",
    "SourceState",
    "StateStore",
    "StoreStatus",
    "ThreadState",
    "open_store",
]

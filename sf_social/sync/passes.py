"""The one road for running the sync: one source's intake, one push, a whole pass.

``intake_pass`` reads one source batch by batch through an :class:`Intake` (each batch
committed with its cursor; no Salesforce needed), stops between batches when asked (the
cursor is the checkpoint), records a run, and logs one line. ``push_pass`` runs the
engine's push, records what the org told us about its API usage, and logs one line.
``sync_pass`` is both for every source: a source that fails is recorded and the others go
on; push sends whatever intake managed to store. ``sync --once``, ``import``, ``replay``,
``dead-letters retry``, ``webhook sync``, each daemon job and the library are made of these.
"""

from __future__ import annotations

import gc
import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime

from sf_social.errors import SfSocialError
from sf_social.logs import event
from sf_social.salesforce.api import OrgApi
from sf_social.sources.base import Interrupted, Source
from sf_social.state import HeldLock, RunCounts, StateStore
from sf_social.state.locks import NullLock
from sf_social.sync.engine import (
    BatchHook,
    IntakeResult,
    PassReport,
    StopCheck,
    SyncEngine,
    never,
)
from sf_social.sync.intake import Intake
from sf_social.sync.push import PushCounts, utc_now

log = logging.getLogger(__name__)

ORG_STATUS = "@salesforce"
"""The state store's status entry where the org's API usage is kept, as last seen.

It lives beside the sources' status (``set_source_status``); commands that list sources
leave out names starting with ``@``.
"""


YOUNG_COLLECTION_EVERY = 10_000
"""Allocations between the garbage collector's young collections while a pass runs
(CPython's default is 700). A pass holds thousands of plans and rows at once; at the
default, each push batch set off full collections over all of them, ~15% of an import's
CPU. Reference counting still frees everything that is not in a cycle at once."""

_passes = 0
_passes_lock = threading.Lock()
_threshold: tuple[int, int, int] = gc.get_threshold()


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Collect cyclic garbage less often while any pass of this process runs."""
    global _passes, _threshold
    with _passes_lock:
        if _passes == 0:
            _threshold = gc.get_threshold()
            gc.set_threshold(max(_threshold[0], YOUNG_COLLECTION_EVERY), *_threshold[1:])
        _passes += 1
    try:
        yield
    finally:
        with _passes_lock:
            _passes -= 1
            if _passes == 0:
                gc.set_threshold(*_threshold)


def intake_pass(
    store: StateStore,
    intake: Intake,
    source: Source,
    *,
    should_stop: StopCheck = never,
    on_batch: BatchHook | None = None,
    clock: Callable[[], datetime] = utc_now,
) -> IntakeResult:
    """Pull ``source`` from its stored cursor, commit batch by batch, log one line.

    Stops between batches when ``should_stop()`` (each batch's cursor is its checkpoint);
    a source's ``SfSocialError`` is recorded in the result and its run, not raised.
    """
    with fewer_collections():
        result = _intake(store, intake, source, should_stop, on_batch, clock)
    counts = result.counts
    event(
        log,
        "intake",
        logging.ERROR if result.error else logging.INFO,
        source=source.name,
        pulled=counts.pulled,
        rejected=counts.rejected,
        new=counts.new,
        duplicates=counts.duplicates,
        planned=counts.queued,
        stopped=result.stopped or None,
        error=result.error,
        seconds=round(result.seconds, 3),
    )
    return result


def _intake(
    store: StateStore,
    intake: Intake,
    source: Source,
    should_stop: StopCheck,
    on_batch: BatchHook | None,
    clock: Callable[[], datetime],
) -> IntakeResult:
    started = time.monotonic()
    result = IntakeResult(source.name)
    run_id = store.start_run(source.name, now=clock())
    try:
        state = store.source(source.name)
        batches = source.pull(state.cursor if state else None)
        try:
            for batch in batches:
                intake.commit(source.name, batch, result.counts)
                if on_batch is not None:
                    on_batch(batch, result.counts)
                if should_stop():
                    result.stopped = True
                    break
        finally:
            close = getattr(batches, "close", None)
            if close is not None:
                close()
    except Interrupted:
        result.stopped = True
    except SfSocialError as exc:
        result.error = str(exc)
    finally:
        counts = result.counts
        store.finish_run(
            run_id,
            RunCounts(
                pulled=counts.pulled,
                new=counts.new,
                planned=counts.queued,
                rejected=counts.rejected,
            ),
            error=result.error,
            now=clock(),
        )
        result.seconds = time.monotonic() - started
    return result


def wait_for_source(
    store: StateStore, name: str, *, wait: float = 0.0, poll: float = 0.25
) -> HeldLock | None:
    """The right to read source ``name`` (``try_lock_source``), waiting up to ``wait`` s.

    On PostgreSQL another replica may be polling it; ``None`` if it still is.
    """
    deadline = time.monotonic() + wait
    while True:
        lock = store.try_lock_source(name)
        if lock is not None or time.monotonic() >= deadline:
            return lock
        time.sleep(poll)


def push_pass(
    engine: SyncEngine,
    *,
    should_stop: StopCheck = never,
    on_batch: Callable[[PushCounts], None] | None = None,
) -> PushCounts:
    """Drain the outbox (what is due), keep the org's API usage in the store, log one line.

    ``on_batch(counts)`` after each batch (progress). ``SfSocialError`` from the push (the
    store failed) is logged and raised.
    """
    started = time.monotonic()
    try:
        with fewer_collections():
            counts = engine.push_outbox(should_stop, on_batch)
    except SfSocialError as exc:
        event(log, "push", logging.ERROR, error=str(exc))
        raise
    finally:
        record_org_status(engine.store, engine.org)
    event(
        log,
        "push",
        logging.WARNING if counts.dead or counts.stopped else logging.INFO,
        claimed=counts.claimed,
        written=counts.written,
        records=counts.records,
        retried=counts.retried,
        dead=counts.dead,
        api_calls=counts.api_calls,
        stopped=counts.stopped,
        seconds=round(time.monotonic() - started, 3),
    )
    for reason in counts.dead_reasons:
        event(log, "dead letter", logging.WARNING, reason=reason)
    return counts


def record_org_status(store: StateStore, org: OrgApi) -> None:
    """Store the org's API usage as last seen (``sf-social status`` shows it).

    Nothing is stored while this process has not seen the usage yet (no call made).
    """
    budget = org.budget
    if budget.used is None:
        return
    try:
        store.set_source_status(
            ORG_STATUS,
            {
                "api_usage_used": budget.used,
                "api_usage_limit": budget.limit,
                "paused": budget.paused,
                "api_calls_this_process": org.api_calls,
            },
        )
    except SfSocialError as exc:  # status is a nicety: never let it break a pass
        log.warning("could not record the org's API usage: %s", exc)


def pass_report(intakes: list[IntakeResult], push: PushCounts) -> PassReport:
    """The engine's report of a whole pass (its ``summary()`` is the pass's log line)."""
    report = PassReport(push=push)
    for result in intakes:
        report.intake[result.source] = result.counts
        if result.error:
            report.errors[result.source] = result.error
    return report


def sync_pass(
    engine: SyncEngine,
    sources: Sequence[Source] | None = None,
    *,
    should_stop: StopCheck = never,
    lock_sources: bool = True,
) -> PassReport:
    """Intake of each source (the engine's unless given), then push.

    A source another replica is polling (PostgreSQL) is skipped and named in the report;
    ``lock_sources=False`` reads it anyway, leaving duplicates to the ledger alone; what a
    post takes from its thread at intake (its Case's due time, the minutes our first reply
    took) then depends on which replica planned the thread's posts first.
    """
    intakes: list[IntakeResult] = []
    skipped: list[str] = []
    for source in engine.sources if sources is None else sources:
        if should_stop():
            break
        lock = wait_for_source(engine.store, source.name) if lock_sources else NullLock()
        if lock is None:
            skipped.append(source.name)
            continue
        with lock:
            intakes.append(
                intake_pass(
                    engine.store, engine.intake, source, should_stop=should_stop, clock=engine.clock
                )
            )
    report = pass_report(intakes, push_pass(engine, should_stop=should_stop))
    report.skipped = skipped
    return report

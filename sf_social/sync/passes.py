"""The steps every operator command runs: intake of one source, push of the outbox.

``intake_pass`` reads one source batch by batch through the engine's :class:`Intake`
(each batch committed with its cursor), stops between batches when asked (the cursor is
the checkpoint), records a run, and logs one line. ``push_pass`` runs the engine's push,
records what the org told us about its API usage, and logs one line. ``sync --once``,
``import``, ``replay``, ``dead-letters retry`` and each daemon job are made of these.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime

from sf_social.errors import SfSocialError
from sf_social.logs import event
from sf_social.salesforce.api import OrgApi
from sf_social.sources.base import Source
from sf_social.state import HeldLock, StateStore
from sf_social.sync.engine import (
    BatchHook,
    IntakeResult,
    PassReport,
    StopCheck,
    SyncEngine,
    intake_source,
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


def intake_pass(
    store: StateStore,
    intake: Intake,
    source: Source,
    *,
    should_stop: StopCheck = never,
    on_batch: BatchHook | None = None,
    clock: Callable[[], datetime] = utc_now,
) -> IntakeResult:
    """The engine's intake of one source, logged as one line."""
    result = intake_source(
        store, intake, source, should_stop=should_stop, on_batch=on_batch, clock=clock
    )
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
    org: OrgApi,
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
        counts = engine.push_outbox(should_stop, on_batch)
    except SfSocialError as exc:
        event(log, "push", logging.ERROR, error=str(exc))
        raise
    finally:
        record_org_status(engine.store, org)
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

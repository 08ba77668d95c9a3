"""One sync pass: intake from every source, then push the outbox to Salesforce.

``SyncEngine.sync_once()`` is what ``sf-social sync --once``, ``import`` and each daemon
tick run. A source that fails is recorded and the others go on; push runs whatever intake
managed to store. Every pass leaves one run record per source (and one for push) and one
log line with what it did.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from sf_social.errors import SfSocialError
from sf_social.logs import event
from sf_social.pipeline import Pipeline
from sf_social.salesforce.api import OrgApi
from sf_social.salesforce.writer import Writer
from sf_social.sources.base import Interrupted, Source, SourceBatch
from sf_social.state import RunCounts, StateStore
from sf_social.sync.intake import Intake, IntakeCounts
from sf_social.sync.push import Clock, Push, PushCounts, PushPolicy, utc_now

log = logging.getLogger(__name__)

PUSH_RUN = "push"
"""The run-history name of the push step."""

PUSH_STATUS = "@push"
"""The status entry saying whether writes are blocked until an operator acts (and why)."""


@dataclass
class PassReport:
    """What one pass did, per source and for push."""

    intake: dict[str, IntakeCounts] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    push: PushCounts = field(default_factory=PushCounts)

    def fields(self) -> dict[str, object]:
        """Posts pulled, rejected, new; plans made and written; records written; and so on."""
        p = self.push
        return {
            "pulled": sum(c.pulled for c in self.intake.values()),
            "rejected": sum(c.rejected for c in self.intake.values()),
            "new": sum(c.new for c in self.intake.values()),
            "planned": sum(c.queued for c in self.intake.values()),
            "written": p.written,
            "records": p.records,
            "retried": p.retried,
            "dead": p.dead,
            "api_calls": p.api_calls,
        }

    def summary(self) -> str:
        """One line: ``key=value`` of :meth:`fields`, then why writes stopped, source errors."""
        line = " ".join(f"{k}={v}" for k, v in self.fields().items())
        if self.push.stopped:
            line += f" stopped={self.push.stopped!r}"
        if self.errors:
            line += " errors=" + "; ".join(f"{k}: {v}" for k, v in self.errors.items())
        return line


StopCheck = Callable[[], bool]
BatchHook = Callable[[SourceBatch, IntakeCounts], None]


def never() -> bool:
    """A ``should_stop`` that never asks to stop."""
    return False


@dataclass
class IntakeResult:
    """What one intake pass of one source did."""

    source: str
    counts: IntakeCounts = field(default_factory=IntakeCounts)
    error: str | None = None
    stopped: bool = False
    seconds: float = 0.0


def intake_source(
    store: StateStore,
    intake: Intake,
    source: Source,
    *,
    should_stop: StopCheck = never,
    on_batch: BatchHook | None = None,
    clock: Clock = utc_now,
) -> IntakeResult:
    """Pull ``source`` from its stored cursor and commit batch by batch, with a run record.

    Stops between batches when ``should_stop()`` (each batch's cursor is its checkpoint);
    a source's ``SfSocialError`` is recorded in the result, not raised.
    """
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


class SyncEngine:
    """Sources, store, pipeline and writer wired together."""

    def __init__(
        self,
        store: StateStore,
        pipeline: Pipeline,
        writer: Writer,
        org: OrgApi,
        sources: Sequence[Source] = (),
        policy: PushPolicy | None = None,
        worker_id: str | None = None,
        clock: Clock = utc_now,
    ) -> None:
        self.store = store
        self.sources = list(sources)
        self.clock = clock
        self.intake = Intake(store, pipeline, clock)
        self.push = Push(store, writer, org, pipeline.playbook.threading, policy, worker_id, clock)

    def intake_source(
        self,
        source: Source,
        should_stop: StopCheck = never,
        on_batch: BatchHook | None = None,
    ) -> IntakeResult:
        """Intake of one source, batch by batch, stopping between batches when asked."""
        return intake_source(
            self.store,
            self.intake,
            source,
            should_stop=should_stop,
            on_batch=on_batch,
            clock=self.clock,
        )

    def sync_once(self, should_stop: StopCheck = never) -> PassReport:
        """Intake every source, then push until the outbox has nothing due."""
        report = PassReport()
        for source in self.sources:
            if should_stop():
                break
            result = self.intake_source(source, should_stop)
            report.intake[source.name] = result.counts
            if result.error:
                report.errors[source.name] = result.error
                log.error("source %s failed: %s", source.name, result.error)
        report.push = self.push_outbox(should_stop)
        event(
            log,
            "pass",
            logging.WARNING if report.errors or report.push.stopped else logging.INFO,
            **report.fields(),
            stopped=report.push.stopped,
            errors=report.errors or None,
        )
        return report

    def push_outbox(
        self, should_stop: StopCheck = never, on_batch: Callable[[PushCounts], None] | None = None
    ) -> PushCounts:
        """Only the push step (the daemon's push job, ``dead-letters retry``)."""
        run_id = self.store.start_run(PUSH_RUN, now=self.clock())
        counts = PushCounts()
        error = None
        try:
            counts = self.push.run(should_stop, on_batch)
            self.store.set_source_status(PUSH_STATUS, {"blocked": counts.blocked}, now=self.clock())
        except SfSocialError as exc:
            error = str(exc)
            log.error("push failed: %s", exc)
            raise
        finally:
            self.store.finish_run(
                run_id,
                RunCounts(written=counts.written, retried=counts.retried, dead=counts.dead),
                error=error or counts.stopped,
                now=self.clock(),
            )
        return counts

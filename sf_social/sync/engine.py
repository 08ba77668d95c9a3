"""Sources, store, pipeline and writer wired together, and what a pass reports.

The engine holds the two halves of the sync: its ``intake`` (posts to plans in the local
outbox, no Salesforce needed) and its ``push`` (the outbox to the org). The passes that
run them — one source's intake, one push, a whole pass — are in :mod:`sf_social.sync.passes`,
the one road every command, the daemon and the library take.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from sf_social.errors import SfSocialError
from sf_social.pipeline import Pipeline
from sf_social.salesforce.api import OrgApi
from sf_social.salesforce.writer import Writer
from sf_social.sources.base import Source, SourceBatch
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
    skipped: list[str] = field(default_factory=list)
    """Sources not read: another replica was polling them."""

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
        if self.skipped:
            line += " skipped=" + ",".join(self.skipped)
        return line


StopCheck = Callable[[], bool]
BatchHook = Callable[[SourceBatch, IntakeCounts], None]


@dataclass
class IntakeResult:
    """What one intake pass of one source did."""

    source: str
    counts: IntakeCounts = field(default_factory=IntakeCounts)
    error: str | None = None
    stopped: bool = False
    seconds: float = 0.0


def never() -> bool:
    """A ``should_stop`` that never asks to stop."""
    return False


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
        self.org = org
        self.sources = list(sources)
        self.clock = clock
        self.intake = Intake(store, pipeline, clock)
        self.push = Push(store, writer, org, pipeline.playbook.threading, policy, worker_id, clock)
        self.push.notify = pipeline.playbook.escalation.notify_queue

    def push_outbox(
        self, should_stop: StopCheck = never, on_batch: Callable[[PushCounts], None] | None = None
    ) -> PushCounts:
        """The push step with its run record (``passes.push_pass`` logs it)."""
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

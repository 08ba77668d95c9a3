"""The daemon: APScheduler 3 runs one intake job per source and the push job until a signal.

- ``BlockingScheduler`` (the scheduler is the whole process), jobs in the in-memory job
  store (they come from the configuration; sync state lives in our own store), each job
  ``max_instances=1`` and ``coalesce=True`` (a slow pass is never run twice at once, and
  missed runs collapse into one).
- At start: the store's daemon lock (SQLite: a second daemon on the same file is refused,
  ``StoreLockedError``), then a login to Salesforce (missing settings: ``ConfigError``; an
  unreachable org only delays push, intake goes on).
- Each intake job takes its source's lock first (PostgreSQL: an advisory lock, so among
  replicas one polls a source at a time; a replica that does not get it skips the turn).
  When intake queued something, push runs right away.
- SIGTERM/SIGINT: intake stops between batches (each batch's cursor is the checkpoint),
  push finishes the batch in flight (the engine's ``should_stop``), the scheduler shuts
  down. The daemon waits for running jobs up to ``daemon.shutdown_timeout``; rows still
  leased are then released for the next run, and the process exits 0. A second signal
  stops waiting. If a job is still in a call at the deadline, the process leaves without
  it (its rows released first; the write, if it happened, is an upsert the next run
  repeats harmlessly). A signal while the process still starts (store, model, start-up
  checks) is caught too (:mod:`sf_social.sync.early_stop`): exit 0 before anything runs.
- After every job: one structured log line, the metrics updated (file and/or port). A job
  that outlasted its interval skipped turns: one ``job overran`` line counts them
  (:mod:`sf_social.sync.overruns`) instead of APScheduler's warning per turn.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from types import FrameType
from typing import Any, NoReturn

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers import SchedulerNotRunningError
from apscheduler.schedulers.blocking import BlockingScheduler

from sf_social.errors import ConfigError, OtherOrgError, SfSocialError
from sf_social.logs import event
from sf_social.salesforce.selection import RecordReader
from sf_social.social_reply import ReplyPoster
from sf_social.sources.base import Source
from sf_social.sync.early_stop import EarlyStop
from sf_social.sync.engine import SyncEngine
from sf_social.sync.health import check_health
from sf_social.sync.metrics import Metrics, MetricsFile, MetricsServer
from sf_social.sync.overruns import Overruns
from sf_social.sync.passes import intake_pass, push_pass, wait_for_source
from sf_social.sync.replies import REPLY_LOCK, ReplyJob, reply_posters
from sf_social.sync.retention import RETENTION_LOCK, prune
from sf_social.sync.runtime import Runtime
from sf_social.sync.sweep import SWEEP_LOCK, OverdueSweep

log = logging.getLogger(__name__)

PUSH_JOB = "push"
SWEEP_JOB = "sweep"
RETENTION_JOB = "retention"
REPLY_JOB = "replies"


def _hard_exit(code: int) -> NoReturn:
    logging.shutdown()
    os._exit(code)


class Daemon:
    """Runs the configured jobs until ``stop()`` (a signal); ``run()`` returns the exit code."""

    def __init__(
        self,
        runtime: Runtime,
        *,
        metrics: Metrics | None = None,
        hard_exit: Callable[[int], NoReturn] = _hard_exit,
    ) -> None:
        self.runtime = runtime
        self.config = runtime.config
        self.metrics = metrics or Metrics()
        file = self.config.metrics.file
        self.metrics_file = MetricsFile(file) if file is not None else None
        self.metrics_server: MetricsServer | None = None
        self.stopping = runtime.stopping
        self._hard_exit = hard_exit
        self._deadline: float | None = None
        self._running = 0
        self._idle = threading.Condition()
        self._blocking_over = threading.Event()
        """Set once ``scheduler.start()`` returned (or was never reached)."""
        self._push_state = threading.Lock()
        self._push_running = False
        self._push_pending = False
        self._intake = runtime.intake()
        self.scheduler = BlockingScheduler(
            timezone=UTC,
            executors={"default": ThreadPoolExecutor(max_workers=len(runtime.sources) + 2)},
            job_defaults={"max_instances": 1, "coalesce": True, "misfire_grace_time": None},
        )
        self.overruns = Overruns()

    # -- start ------------------------------------------------------------------------

    def run(self, early: EarlyStop | None = None) -> int:
        """Lock, log in, schedule, block until stopped, shut down; the exit code.

        ``early``: the handler that caught signals while the process started; a signal it
        caught before this run's handlers took over stops the run."""
        self.runtime.lock()
        self._connect(at_start=True)
        self._schedule()
        self.overruns.install(self.scheduler)
        if self.config.metrics.port is not None:
            self.metrics_server = MetricsServer(
                self.metrics,
                self.config.metrics.host,
                self.config.metrics.port,
                probes={"/healthz": self._alive, "/readyz": self._ready},
            ).start()
        previous = self._install_signals()
        if early is not None and early.reason is not None:
            self.stop(early.reason)
        event(
            log,
            "daemon started",
            pid=os.getpid(),
            worker=self.runtime.worker_id,
            sources=[s.name for s in self.runtime.sources],
            push_interval=self.config.push.interval.total_seconds(),
            metrics_url=self.metrics_server.url if self.metrics_server else None,
            metrics_file=str(self.metrics_file.path) if self.metrics_file else None,
        )
        self._observe()
        try:
            if not self.stopping.is_set():  # a signal before this: the scheduler never runs
                self.scheduler.start()
        finally:
            self._blocking_over.set()
            self.overruns.uninstall()
            for number, handler in previous.items():
                signal.signal(number, handler)
        return self._shut_down()

    def _alive(self) -> tuple[bool, str]:
        """``/healthz``: the process answers and its scheduler runs."""
        if self.stopping.is_set():
            return False, "stopping"
        if not self.scheduler.running:
            return False, "the scheduler is not running"
        return True, "alive"

    def _ready(self) -> tuple[bool, str]:
        """``/readyz``: the checks of ``sf-social health``, with the configured limits."""
        report = check_health(
            self.runtime.store,
            [s.name for s in self.runtime.sources],
            max_pass_age=self.config.max_pass_age(),
            max_outbox_age=self.config.health.max_outbox_age,
            max_dead_letters=self.config.health.max_dead_letters,
            now=datetime.now(UTC),
        )
        return report.healthy, report.render()

    def _schedule(self) -> None:
        now = datetime.now(UTC)
        for source in self.runtime.sources:
            job = f"intake:{source.name}"
            body = partial(self._intake_job, source)
            self._every(job, f"intake {source.name}", body, self._interval_of(source), now)
        push = self.config.push.interval.total_seconds()
        self._every(PUSH_JOB, "push", self._push_job, push, now)
        sweep = self.config.daemon.sweep_interval.total_seconds()
        self._every(SWEEP_JOB, "overdue sweep", self._sweep_job, sweep, now)
        keep = self.config.retention.interval.total_seconds()
        self._every(RETENTION_JOB, "retention", self._retention_job, keep, now)
        replies = self.config.replies
        if replies.enabled:
            posters = reply_posters(replies)  # ConfigError at start, not later
            body = partial(self._reply_job, posters)
            self._every(REPLY_JOB, "replies", body, replies.interval.total_seconds(), now)

    def _every(
        self, job: str, name: str, body: Callable[[], None], seconds: float, first: datetime
    ) -> None:
        """Run ``body`` as job ``job`` every ``seconds``, the first time at ``first``."""
        self.scheduler.add_job(
            self._job,
            "interval",
            args=[job, body],
            seconds=seconds,
            id=job,
            name=name,
            next_run_time=first,
        )

    def _interval_of(self, source: Source) -> float:
        for configured in self.config.sources:
            if configured.source_name == source.name:
                return configured.interval(self.config.daemon.poll_interval).total_seconds()
        return self.config.daemon.poll_interval.total_seconds()

    def _install_signals(self) -> dict[int, Any]:
        if threading.current_thread() is not threading.main_thread():
            return {}
        previous: dict[int, Any] = {}
        for number in (signal.SIGTERM, signal.SIGINT):
            previous[number] = signal.signal(number, self._on_signal)
        return previous

    def _on_signal(self, number: int, frame: FrameType | None) -> None:
        self.stop(signal.Signals(number).name)

    # -- stop -------------------------------------------------------------------------

    def stop(self, reason: str = "stop requested") -> None:
        """Stop taking work and shut down (safe from a signal handler); twice: leave now."""
        if self.stopping.is_set():
            self._deadline = time.monotonic()
            event(log, "daemon stopping now", logging.WARNING, reason=reason)
            return
        self._deadline = time.monotonic() + self.config.daemon.shutdown_timeout.total_seconds()
        self.stopping.set()
        event(
            log,
            "daemon stopping",
            reason=reason,
            timeout=self.config.daemon.shutdown_timeout.total_seconds(),
        )
        # Not from the handler itself: shutdown takes locks the interrupted code may hold.
        threading.Thread(target=self._stop_scheduler, name="stop", daemon=True).start()

    def _stop_scheduler(self) -> None:
        """Shut the scheduler down; a stop that came between the signal handlers' install
        and ``scheduler.start()`` waits for the start (else start would block forever)."""
        while not self._blocking_over.is_set():
            try:
                self.scheduler.shutdown(wait=False)
                return
            except SchedulerNotRunningError:
                time.sleep(0.01)

    def _shut_down(self) -> int:
        started = time.monotonic()
        with self._idle:
            while self._running and time.monotonic() < (self._deadline or 0):
                self._idle.wait(0.05)
            left = self._running
        released = self.runtime.release_leases()
        self.metrics.set_gauge("sf_social_up", 0)
        self._observe()
        if self.metrics_server is not None:
            self.metrics_server.stop()
        event(
            log,
            "daemon stopped",
            logging.WARNING if left else logging.INFO,
            waited=round(time.monotonic() - started, 3),
            jobs_abandoned=left or None,
            leases_released=released,
        )
        if left:
            self._hard_exit(0)  # a job is stuck in a call: do not wait for its thread
        self.runtime.close()
        return 0

    # -- jobs -------------------------------------------------------------------------

    def _job(self, name: str, body: Callable[[], None]) -> None:
        with self._idle:
            if self.stopping.is_set():
                return
            self._running += 1
        try:
            body()
        except Exception as exc:  # a job never takes the daemon down: log, next turn
            event(log, "job failed", logging.ERROR, job=name, error=f"{type(exc).__name__}: {exc}")
            log.debug("job %s failed", name, exc_info=True)
        finally:
            skipped = self.overruns.take(name)
            if skipped:
                event(log, "job overran", job=name, skipped_turns=skipped)
            self._observe()  # before the job counts as done: the shut-down's write comes last
            with self._idle:
                self._running -= 1
                self._idle.notify_all()

    def _intake_job(self, source: Source) -> None:
        lock = wait_for_source(self.runtime.store, source.name)
        if lock is None:
            event(
                log,
                "intake skipped",
                logging.DEBUG,
                source=source.name,
                reason="another replica is polling it",
            )
            return
        try:
            result = intake_pass(
                self.runtime.store,
                self._intake,
                source,
                should_stop=self.stopping.is_set,
                clock=self.runtime.clock,
            )
        finally:
            lock.release()
        self.metrics.count_intake(result)
        if result.counts.queued:
            self._wake_push()

    def _wake_push(self) -> None:
        with self._push_state:
            if self._push_running:
                self._push_pending = True
                return
        if not self.stopping.is_set():
            try:
                self.scheduler.modify_job(PUSH_JOB, next_run_time=datetime.now(UTC))
            except Exception:  # shutting down meanwhile
                log.debug("could not wake push", exc_info=True)

    def _push_job(self) -> None:
        engine = self._connect(at_start=False)
        if engine is None:
            self.metrics.count_push(None)
            return
        with self._push_state:
            self._push_running = True
        try:
            while True:
                with self._push_state:
                    self._push_pending = False
                try:
                    counts = push_pass(engine, should_stop=self.stopping.is_set)
                except SfSocialError:
                    self.metrics.count_push(None)
                    return
                self.metrics.count_push(counts)
                with self._push_state:
                    if not self._push_pending or self.stopping.is_set() or counts.stopped:
                        return
        finally:
            with self._push_state:
                self._push_running = False

    def _sweep_job(self) -> None:
        """The overdue sweep, then the response-time gauges (a month of threads: read every
        sweep, not after every job)."""
        try:
            self._sweep()
        finally:
            hours = self.runtime.pipeline.playbook.response_targets.business_hours
            self.metrics.observe_response_times(self.runtime.store, datetime.now(UTC), hours)

    def _sweep(self) -> None:
        if not self.runtime.connected:  # the push job logs in (never two logins at once)
            return
        lock = self.runtime.store.try_lock_source(SWEEP_LOCK)
        if lock is None:  # another replica sweeps
            return
        try:
            sweep = OverdueSweep(
                self.runtime.store,
                self.runtime.org,
                escalate=self.runtime.pipeline.playbook.response_targets.escalate_overdue,
                notify=self.runtime.pipeline.playbook.response_targets.notify_overdue,
                clock=self.runtime.clock,
            )
            try:
                counts = sweep.run()
            except SfSocialError as exc:
                event(log, "overdue sweep failed", logging.WARNING, error=str(exc))
                counts = None
            self.metrics.count_sweep(counts)
        finally:
            lock.release()

    def _reply_job(self, posters: list[ReplyPoster]) -> None:
        """Post the replies approved in Salesforce; one replica at a time."""
        org = self.runtime.org if self.runtime.connected else None
        if not isinstance(org, RecordReader):  # the push job logs in
            return
        lock = self.runtime.store.try_lock_source(REPLY_LOCK)
        if lock is None:  # another replica sends
            return
        try:
            job = ReplyJob(self.runtime.org, org, posters, settle=self.config.replies.settle)
            report = job.run_once()
            event(log, "replies", logging.INFO, **vars(report))
        except SfSocialError as exc:
            event(log, "reply pass failed", logging.WARNING, error=str(exc))
        finally:
            lock.release()

    def _retention_job(self) -> None:
        """Prune what the retention settings say has been kept long enough."""
        lock = self.runtime.store.try_lock_source(RETENTION_LOCK)
        if lock is None:  # another replica prunes
            return
        try:
            prune(
                self.runtime.store,
                self.runtime.sources,
                self.config.retention,
                datetime.now(UTC),
            )
        finally:
            lock.release()

    def _connect(self, *, at_start: bool) -> SyncEngine | None:
        if self.runtime.connected:
            return self.runtime.connect()
        try:
            return self.runtime.connect()
        except (ConfigError, OtherOrgError) as exc:  # no retry can fix these
            if at_start:
                raise
            event(log, "salesforce login failed", logging.ERROR, error=str(exc))
        except SfSocialError as exc:
            event(
                log,
                "salesforce unreachable",
                logging.WARNING,
                error=str(exc),
                retry_in=self.config.push.interval.total_seconds(),
            )
        return None

    def _observe(self) -> None:
        try:
            self.metrics.observe_store(self.runtime.store.status())
            if self.runtime.connected:
                self.metrics.observe_org(self.runtime.org)
        except SfSocialError as exc:
            log.warning("cannot read the store's status for metrics: %s", exc)
        if self.metrics_file is not None:
            self.metrics_file.write(self.metrics)

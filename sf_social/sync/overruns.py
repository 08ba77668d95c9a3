"""APScheduler's "maximum number of running instances reached", as one counted line.

A job still running when its next turn comes is skipped (``max_instances=1``; with
``coalesce`` the missed turns make one run), and APScheduler logs a warning each time:
during a long backfill, most of the log. Those warnings, and only those, are dropped;
the skipped turns are counted per job, and the daemon logs the count once, when the job
ends (``job overran``, ``skipped_turns``).
"""

from __future__ import annotations

import logging
import threading
from collections import Counter

from apscheduler.events import EVENT_JOB_MAX_INSTANCES, JobSubmissionEvent
from apscheduler.schedulers.base import BaseScheduler

SCHEDULER_LOGGER = "apscheduler.scheduler"
NOISE = "maximum number of running instances reached"


class Overruns(logging.Filter):
    """Counts the turns each job skipped while it ran; drops APScheduler's warning of each."""

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self._skipped: Counter[str] = Counter()

    def install(self, scheduler: BaseScheduler) -> None:
        """Count ``scheduler``'s skipped turns; drop their warnings (until ``uninstall``)."""
        scheduler.add_listener(self._on_skip, EVENT_JOB_MAX_INSTANCES)
        logging.getLogger(SCHEDULER_LOGGER).addFilter(self)

    def uninstall(self) -> None:
        logging.getLogger(SCHEDULER_LOGGER).removeFilter(self)

    def filter(self, record: logging.LogRecord) -> bool:
        return NOISE not in str(record.msg)

    def take(self, job_id: str) -> int:
        """The turns job ``job_id`` skipped since the last ``take`` (then zero)."""
        with self._lock:
            return self._skipped.pop(job_id, 0)

    def _on_skip(self, event: JobSubmissionEvent) -> None:
        with self._lock:
            self._skipped[event.job_id] += 1

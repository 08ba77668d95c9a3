"""A job that outlasts its interval: its skipped turns counted, APScheduler's warnings dropped."""

from __future__ import annotations

import logging
import threading
import time
from datetime import UTC, datetime

import pytest
from apscheduler.schedulers.background import BackgroundScheduler

from sf_social.sync.overruns import SCHEDULER_LOGGER, Overruns


def test_skipped_turns_are_counted_and_only_their_warnings_dropped(
    caplog: pytest.LogCaptureFixture,
) -> None:
    scheduler = BackgroundScheduler(
        timezone=UTC, job_defaults={"max_instances": 1, "coalesce": True}
    )
    overruns = Overruns()
    overruns.install(scheduler)
    done = threading.Event()

    def slow() -> None:  # 0.6 s every 0.05 s: about a dozen turns skipped
        time.sleep(0.6)
        done.set()

    scheduler.add_job(slow, "interval", seconds=0.05, id="slow", next_run_time=datetime.now(UTC))
    try:
        with caplog.at_level(logging.WARNING, logger=SCHEDULER_LOGGER):
            scheduler.start()
            assert done.wait(5)
            scheduler.shutdown(wait=True)
            logging.getLogger(SCHEDULER_LOGGER).warning("a real warning")
    finally:
        overruns.uninstall()
    skipped = overruns.take("slow")
    assert skipped >= 5, skipped
    assert overruns.take("slow") == 0  # taken once
    assert [r.getMessage() for r in caplog.records] == ["a real warning"]

    logging.getLogger(SCHEDULER_LOGGER).warning(  # uninstalled: the warning is back
        'Execution of job "%s" skipped: maximum number of running instances reached (%d)',
        "slow",
        1,
    )
    assert "maximum number of running instances reached" in caplog.records[-1].getMessage()

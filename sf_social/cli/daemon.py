"""``sf-social daemon``: poll the configured sources and push to Salesforce until stopped."""

from __future__ import annotations

import logging
import os
import sys
from functools import partial
from pathlib import Path

import click

from sf_social import logs
from sf_social.cli.common import (
    config_model_option,
    config_option,
    load,
    rebind_option,
    skip_checks_option,
)
from sf_social.config import Config
from sf_social.sync.daemon import Daemon
from sf_social.sync.early_stop import EarlyStop
from sf_social.sync.runtime import Runtime

log = logging.getLogger(__name__)


@click.command()
@config_option
@config_model_option
@rebind_option
@skip_checks_option
@click.option(
    "--log-format",
    type=click.Choice(["text", "json"]),
    help="Log lines as text or JSON (default: daemon.log_format, $SF_SOCIAL_LOG_FORMAT).",
)
def daemon(
    config_path: Path | None,
    model: Path | None,
    rebind: bool,
    skip_checks: bool,
    log_format: str | None,
) -> None:
    """Run in the foreground: one job per source, the push job, until SIGTERM/SIGINT.

    Starts with the checks of `sf-social doctor` and exits 2 naming each failing one
    (--skip-checks: start anyway). Exits 0 after a clean stop (within
    daemon.shutdown_timeout), 2 when the configuration is invalid (an unusable model
    included), Salesforce settings are missing, a start-up check fails or another daemon
    holds the SQLite file.
    """
    config = load(config_path, model)
    run_daemon(config, log_format, rebind=rebind, checks=not skip_checks)


def run_daemon(
    config: Config, log_format: str | None = None, *, rebind: bool = False, checks: bool = True
) -> None:
    """Configure logging as asked, check, run the daemon, exit with its code."""
    level = min(logging.getLogger().getEffectiveLevel(), logging.INFO)
    logs.configure(log_format or config.daemon.log_format.value, level)
    if level > logging.DEBUG:  # its "Running job ..." lines every tick: only with -vv
        logging.getLogger("apscheduler").setLevel(logging.WARNING)
    with EarlyStop() as early:
        runtime = Runtime(config, rebind=rebind)
        try:
            runtime.pipeline  # noqa: B018 (an unusable playbook or model: exit 2, no API call)
            start_up = partial(start_up_checks_pass, config, rebind)
            passed = early.interruptibly(start_up) if checks else True
            if passed and early.reason is None:
                code = Daemon(runtime).run(early)  # it closes the runtime
            else:
                code = 2 if passed is False else 0
                if code == 0:
                    logs.event(log, "daemon stopped before it started", reason=early.reason)
                runtime.close()
        except BaseException:
            runtime.close()
            raise
    sys.exit(code)


def start_up_checks_pass(config: Config, rebind: bool) -> bool:
    """The doctor's checks, as the daemon starts: each failing one logged with its fix."""
    from sf_social.doctor.report import Status
    from sf_social.doctor.run import run_checks

    results = run_checks(config, os.environ, starting=True, rebind=rebind)
    for check in results:
        if check.status is not Status.OK:
            level = logging.ERROR if check.status is Status.FAIL else logging.WARNING
            logs.event(
                log,
                f"start-up check {check.status.value}",
                level,
                area=check.area,
                check=check.name,
                detail=check.detail,
                fix=check.fix or None,
            )
    failing = sum(c.status is Status.FAIL for c in results)
    if failing:
        logs.event(
            log,
            "not starting",
            logging.ERROR,
            failed_checks=failing,
            fix="fix each failing check (`sf-social doctor` lists them all), or start with"
            " --skip-checks",
        )
    return not failing

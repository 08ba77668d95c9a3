"""``sf-social daemon``: poll the configured sources and push to Salesforce until stopped."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import click

from sf_social import logs
from sf_social.cli.common import config_model_option, config_option, load, rebind_option
from sf_social.config import Config
from sf_social.sync.daemon import Daemon
from sf_social.sync.runtime import Runtime


@click.command()
@config_option
@config_model_option
@rebind_option
@click.option(
    "--log-format",
    type=click.Choice(["text", "json"]),
    help="Log lines as text or JSON (default: daemon.log_format, $SF_SOCIAL_LOG_FORMAT).",
)
def daemon(
    config_path: Path | None, model: Path | None, rebind: bool, log_format: str | None
) -> None:
    """Run in the foreground: one job per source, the push job, until SIGTERM/SIGINT.

    Exits 0 after a clean stop (within daemon.shutdown_timeout), 2 when the configuration
    is invalid (an unusable model included), Salesforce settings are missing or another
    daemon holds the SQLite file.
    """
    run_daemon(load(config_path, model), log_format, rebind=rebind)


def run_daemon(config: Config, log_format: str | None = None, *, rebind: bool = False) -> None:
    """Configure logging as asked, run the daemon, exit with its code."""
    level = min(logging.getLogger().getEffectiveLevel(), logging.INFO)
    logs.configure(log_format or config.daemon.log_format.value, level)
    if level > logging.DEBUG:  # its "Running job ..." lines every tick: only with -vv
        logging.getLogger("apscheduler").setLevel(logging.WARNING)
    runtime = Runtime(config, rebind=rebind)
    try:
        code = Daemon(runtime).run()
    except BaseException:
        runtime.close()
        raise
    sys.exit(code)

"""``sf-social sync --once``: one pass — every configured source, then push."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from sf_social import logs
from sf_social.cli.common import (
    config_model_option,
    config_option,
    load,
    plural,
    rebind_option,
    skip_checks_option,
    stop_flag,
)
from sf_social.cli.daemon import run_daemon
from sf_social.sync.passes import sync_pass
from sf_social.sync.runtime import Runtime


@click.command()
@click.option("--once", is_flag=True, help="One pass, then exit (without it: run as the daemon).")
@config_option
@config_model_option
@rebind_option
@skip_checks_option
def sync(
    once: bool, config_path: Path | None, model: Path | None, rebind: bool, skip_checks: bool
) -> None:
    """Intake every configured source, then push the outbox to Salesforce.

    Prints the pass's line (pulled, rejected, new, planned, written, retried, dead, API
    calls). Exits 0 when the pass went through, 1 when a source failed, writes stopped or
    went to the dead letters, 2 on configuration problems (missing Salesforce settings
    and an unusable --model included), when a daemon holds the SQLite state file or when
    the state belongs to another org (--rebind).
    """
    config = load(config_path, model)
    if not once:
        run_daemon(config, rebind=rebind, checks=not skip_checks)
        return
    runtime = Runtime(config, rebind=rebind)
    try:
        runtime.lock()
        engine = runtime.connect()
        if not runtime.sources:
            click.echo(
                "no sources configured ([[sources]] in the config file, or SF_SOCIAL_FEEDS):"
                " pushing the outbox only",
                err=True,
            )
        with logs.echoed("rejected", "dead letter"), stop_flag() as stop:  # printed below
            report = sync_pass(engine, should_stop=stop)
        counts = report.push
        for name in report.skipped:
            click.echo(f"{name}: polled by another replica now, skipped", err=True)
        click.echo(report.summary())
        for intake in report.intake.values():
            for rejection in intake.rejections:
                click.echo(f"rejected {rejection}", err=True)
        for reason in counts.dead_reasons:
            click.echo(f"dead letter {reason}", err=True)
        failed = bool(report.errors) or counts.stopped is not None or counts.dead > 0
        if counts.dead:
            click.echo(
                f"{plural(counts.dead, 'write')} went to the dead letters:"
                " see `sf-social dead-letters list`",
                err=True,
            )
        if stop():
            click.echo("interrupted: the next pass continues where this one stopped", err=True)
            failed = True
    finally:
        runtime.close()
    sys.exit(1 if failed else 0)

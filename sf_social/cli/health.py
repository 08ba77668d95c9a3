"""``sf-social health``: exit 0 when the sync keeps up, 1 when not (for probes and alerts)."""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path

import click

from sf_social.cli.common import (
    config_option,
    emit_json,
    load,
    sqlite_missing,
    utc_now,
)
from sf_social.cli.params import DURATION, count
from sf_social.errors import StateError
from sf_social.state import open_store
from sf_social.sync.health import Check, HealthReport, check_health


@click.command()
@config_option
@click.option("--max-pass-age", type=DURATION, help="Override health.max_pass_age (e.g. 10m).")
@click.option("--max-outbox-age", type=DURATION, help="Override health.max_outbox_age (e.g. 1h).")
@click.option(
    "--max-dead-letters",
    type=count(10**9, -1),
    help="Override health.max_dead_letters (-1: not checked).",
)
@click.option("--json", "as_json", is_flag=True, help="The checks as JSON.")
def health(
    config_path: Path | None,
    max_pass_age: timedelta | None,
    max_outbox_age: timedelta | None,
    max_dead_letters: int | None,
    as_json: bool,
) -> None:
    """Check the last passes, the outbox age and the dead letters; exit 0 healthy, 1 not.

    A pass is every configured source's intake and the push job; it must have succeeded
    within max_pass_age (default three poll intervals, at least 5 minutes).
    """
    config = load(config_path)
    pass_age = max_pass_age or config.max_pass_age()
    outbox_age = max_outbox_age or config.health.max_outbox_age
    dead = config.health.max_dead_letters if max_dead_letters is None else max_dead_letters
    missing = sqlite_missing(config.db_url)
    if missing is not None:
        report = HealthReport([Check("state", False, f"no state database at {missing}: never ran")])
    else:
        try:
            store = open_store(config.db_url, schema=config.db_schema)
        except StateError as exc:
            report = HealthReport([Check("state", False, str(exc))])
        else:
            try:
                report = check_health(
                    store,
                    [s.source_name for s in config.sources],
                    max_pass_age=pass_age,
                    max_outbox_age=outbox_age,
                    max_dead_letters=dead,
                    now=utc_now(),
                )
            finally:
                store.close()
    if as_json:
        emit_json(
            {
                "healthy": report.healthy,
                "checks": [{"name": c.name, "ok": c.ok, "detail": c.detail} for c in report.checks],
            }
        )
    else:
        click.echo(report.render())
    sys.exit(0 if report.healthy else 1)

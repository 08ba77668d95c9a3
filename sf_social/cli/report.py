"""``sf-social report``: figures from the local state (no Salesforce call)."""

from __future__ import annotations

import csv
import sys
from datetime import timedelta
from pathlib import Path

import click

from sf_social.cli.common import config_option, emit_json, load, sqlite_missing, table, utc_now
from sf_social.cli.params import DURATION
from sf_social.playbook import load_playbook
from sf_social.state import open_store
from sf_social.sync.response_times import GroupBy, ResponseTimes, response_times

COLUMNS = (
    "group",
    "cases",
    "answered",
    "median_minutes",
    "p90_minutes",
    "within_target",
    "overdue_now",
)


@click.group()
def report() -> None:
    """Reports from the local state (read only; no API calls)."""


@report.command("response-times")
@config_option
@click.option(
    "--since",
    type=DURATION,
    default="30d",
    show_default=True,
    help="Cases opened this long ago or later (2h, 7d).",
)
@click.option(
    "--by",
    type=click.Choice([g.value for g in GroupBy]),
    help="One row per segment, team, network or influence tier (default: one row).",
)
@click.option("--json", "as_json", is_flag=True, help="JSON rows instead of a table.")
@click.option("--csv", "as_csv", is_flag=True, help="CSV rows instead of a table.")
def response_times_command(
    config_path: Path | None, since: timedelta, by: str | None, as_json: bool, as_csv: bool
) -> None:
    """Minutes to our first reply, share within target and overdue Cases.

    Counts the Cases opened in the window: median and p90 of the minutes to the first
    reply, the share answered by the due time (of those answered or past due), and the
    open Cases past due without a reply now.
    """
    if as_json and as_csv:
        raise click.UsageError("choose one of --json and --csv")
    config = load(config_path)
    now = utc_now()
    missing = sqlite_missing(config.db_url)
    threads = []
    if missing is None:
        store = open_store(config.db_url, schema=config.db_schema)
        try:
            threads = store.threads_opened_since(now - since)
        finally:
            store.close()
    hours = load_playbook(config.playbook).response_targets.business_hours
    rows = response_times(threads, now, GroupBy(by) if by else None, hours)
    if as_json:
        emit_json({"since": now - since, "now": now, "by": by, "rows": [_json(r) for r in rows]})
    elif as_csv:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(COLUMNS)
        writer.writerows([_cell(getattr(r, c)) for c in COLUMNS] for r in rows)
    else:
        if missing is not None:
            click.echo(f"no state database at {missing} yet: no Case to report on")
        click.echo(f"Cases opened since {(now - since):%Y-%m-%d %H:%M} UTC")
        header = ("group", "cases", "answered", "median min", "p90 min", "in target", "overdue")
        click.echo(table(header, [_text(r) for r in rows]))


def _json(row: ResponseTimes) -> dict[str, object]:
    return {c: getattr(row, c) for c in COLUMNS}


def _cell(value: object) -> str:
    return "" if value is None else str(value)


def _text(row: ResponseTimes) -> list[str]:
    share = row.within_target
    return [
        row.group,
        f"{row.cases:,}",
        f"{row.answered:,}",
        "-" if row.median_minutes is None else f"{row.median_minutes:g}",
        "-" if row.p90_minutes is None else str(row.p90_minutes),
        "-" if share is None else f"{share:.1%}",
        f"{row.overdue_now:,}",
    ]

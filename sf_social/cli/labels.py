"""``sf-social labels export``: agents' corrections in the org as training labels."""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from sf_social.cli.common import config_option, load, parse_since, plural, utc_now
from sf_social.cli.params import DURATION, count, output_file
from sf_social.sync.labels_export import BULK_THRESHOLD

if TYPE_CHECKING:
    from sf_social.sync.labels_export import ExportReport

F = TypeVar("F", bound=Callable[..., Any])


def _since(ctx: click.Context, param: click.Parameter, value: str) -> datetime:
    return parse_since(value, utc_now())


def since_option(help: str) -> Callable[[F], F]:
    """``--since WHEN`` (default 90 days back), read as a time at once: a bad value is a
    usage error whatever else the command is given."""
    return click.option(
        "--since", default="90d", show_default=True, metavar="WHEN", callback=_since, help=help
    )


@click.group()
def labels() -> None:
    """Training labels from the org: what agents corrected of the sync's predictions."""


@labels.command("export")
@since_option("Read records modified since WHEN: a duration back (90d) or an ISO time.")
@click.option(
    "--output",
    "-o",
    required=True,
    type=output_file(),
    help="The JSONL file to write (the `train` format), replaced atomically.",
)
@click.option(
    "--confirm-after",
    type=DURATION,
    help="Also export records nobody corrected for this long (e.g. 14d) as confirmations.",
)
@click.option(
    "--bulk-threshold",
    type=count(10**9, 0),
    default=BULK_THRESHOLD,
    show_default=True,
    help="Read an sObject through a Bulk API 2.0 query above this many records.",
)
@config_option
def export(
    since: datetime,
    output: Path,
    confirm_after: object,
    bulk_threshold: int,
    config_path: Path | None,
) -> None:
    """Write the Cases and Tasks whose prediction an agent corrected as labelled posts.

    A correction is a Case or Task we created whose Social Segment (on Cases also Social
    Complaint or Social Sentiment) differs from what we predicted, or a Case closed with a
    Case Reason the playbook's labels.not_an_issue names. Each line carries the post, the
    agent's labels and its source (org, record, prediction, model). Costs: one COUNT()
    query per sObject, then one call per 2,000 records (a Bulk API 2.0 query job above
    --bulk-threshold). Exit 0, 1 when the API budget is paused, 2 on a usage error.
    """
    from sf_social.sync.labels_export import write_lines

    report = read_from_org(config_path, since, confirm_after, bulk_threshold)
    write_lines(output, report.examples)
    click.echo(f"wrote {output}: {plural(len(report.examples), 'labelled post')}", err=True)


def read_from_org(
    config_path: Path | None, start: datetime, confirm_after: object, bulk_threshold: int
) -> ExportReport:
    """The org's labelled examples (``labels export``, ``train --from-org``), with what was
    read reported on stderr; exit 1 when the API budget is paused."""
    from datetime import timedelta

    from sf_social.errors import SalesforceApiError
    from sf_social.salesforce.codes import setup_fix
    from sf_social.salesforce.delivery import Stop, budget_gate
    from sf_social.salesforce.selection import RecordReader
    from sf_social.sync.labels_export import ExportSettings, export_labels
    from sf_social.sync.runtime import Runtime

    now = utc_now()
    assert confirm_after is None or isinstance(confirm_after, timedelta)
    runtime = Runtime(load(config_path))
    try:
        runtime.connect()
        org = runtime.org
        if not isinstance(org, RecordReader):
            raise click.UsageError(f"{type(org).__name__} cannot read records in bulk")
        settings = ExportSettings(start, confirm_after, bulk_threshold)
        try:
            report = export_labels(
                org,
                runtime.pipeline.playbook,
                settings,
                now=now,
                org_id=org.org_id,
                gate=lambda: budget_gate(org),
            )
        except Stop as stop:
            click.echo(f"not exported: {stop.reason}", err=True)
            sys.exit(1)
        except SalesforceApiError as exc:
            fix = setup_fix(exc.code)  # the org lacks our fields: say how to set it up
            if fix is None:
                raise
            raise SalesforceApiError(
                exc.call, exc.code, f"{exc.message} (fix: {fix})", status=exc.status
            ) from None
    finally:
        runtime.close()
    tally = report.tally
    how = ", ".join(f"{sobject} by {way}" for sobject, way in report.read_by.items())
    kinds = ", ".join(f"{n:,} {kind}" for kind, n in tally.kinds.items()) or "none"
    click.echo(
        f"read {plural(tally.read, 'record')} modified since {start.isoformat()} ({how})"
        f" in {plural(report.api_calls, 'API call')}: {kinds}",
        err=True,
    )
    for reason, n in sorted(tally.skipped.items()):
        click.echo(f"  skipped {n:,}: {reason}", err=True)
    return report

"""``sf-social linkedin import DIR_OR_ZIP``: a member's LinkedIn data export into Salesforce.

Leads keyed by profile URL with ``LinkedIn_Lead_Activity__c`` (only ever moving forward),
each event a Task on the Lead or on the known Contact. Settings come from the environment
(``SF_*``, ``SF_SOCIAL_DB``, ``SF_SOCIAL_PLAYBOOK``). The source is named after the
export's path, so an interrupted import continues where it stopped and a re-import of the
same export changes nothing. Rejected rows are printed as FILE:LINE: column: reason.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from sf_social.cli.feedio import playbook_option
from sf_social.playbook import load_playbook
from sf_social.salesforce.writer import SalesforceWriter, WriterConfig
from sf_social.settings import Settings
from sf_social.sources.linkedin import ForwardOnlyPipeline, LinkedInExportSource
from sf_social.state import open_store
from sf_social.sync.engine import SyncEngine


@click.group()
def linkedin() -> None:
    """LinkedIn: import a member's data export (connections, invitations, messages)."""


@linkedin.command("import")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option(
    "--me",
    "member_url",
    help="Your own profile URL (found from Invitations.csv when omitted).",
)
@playbook_option
@click.option("--batch-size", default=500, show_default=True, help="Events per transaction.")
def import_export(
    path: Path, member_url: str | None, playbook: Path | None, batch_size: int
) -> None:
    """Import a LinkedIn data export (the folder or the ZIP LinkedIn mailed)."""
    settings = Settings.from_env()
    book = load_playbook(playbook or settings.playbook)
    source = LinkedInExportSource(path, member_profile_url=member_url, batch_size=batch_size)
    store = open_store(settings.db_url)
    try:
        lock = store.lock_for_daemon()
        try:
            writer = SalesforceWriter.connect(settings.salesforce, WriterConfig.from_playbook(book))
            engine = SyncEngine(store, ForwardOnlyPipeline(book), writer, writer.api, [source])
            report = engine.sync_once()
        finally:
            lock.release()
    finally:
        store.close()
    counts = report.intake.get(source.name)
    for line in counts.rejections if counts else []:
        click.echo(f"rejected {line}", err=True)
    if counts is not None:
        click.echo(
            f"imported {path}: {counts.pulled:,} events read ({counts.new:,} new,"
            f" {counts.duplicates:,} already known, {counts.rejected:,} rejected,"
            f" {source.skipped:,} drafts skipped); {report.push.written:,} written,"
            f" {report.push.dead:,} dead, {report.push.api_calls:,} API calls"
        )
    if report.errors:
        for name, error in report.errors.items():
            click.echo(f"error: {name}: {error}", err=True)
        sys.exit(2)
    if report.push.dead or (counts and counts.rejected):
        sys.exit(1)

"""``sf-social linkedin import DIR_OR_ZIP``: a member's LinkedIn data export into Salesforce.

Leads keyed by profile URL with ``LinkedIn_Lead_Activity__c`` (only ever moving forward),
each event a Task on the Lead or on the known Contact. Settings come from ``--config`` and
the environment, as for every command (``[state]``, the login, the playbook). The source is
named after the export's path, so an interrupted import continues where it stopped and a
re-import of the same export changes nothing. Rejected rows are printed as FILE:LINE:
column: reason.
"""

from __future__ import annotations

import os
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
)
from sf_social.cli.feedio import playbook_option
from sf_social.cli.params import FilePath, count
from sf_social.cli.progress import Progress, push_shown
from sf_social.config.sources import LinkedInPageSourceConfig
from sf_social.pipeline import classifier_for
from sf_social.playbook import load_playbook
from sf_social.sources.base import SourceBatch
from sf_social.sources.linkedin import ForwardOnlyPipeline, LinkedInExportSource
from sf_social.sources.linkedin_api.check import check_page
from sf_social.sync.intake import IntakeCounts
from sf_social.sync.passes import intake_pass
from sf_social.sync.runtime import Runtime


@click.group()
def linkedin() -> None:
    """LinkedIn: import a member's data export (connections, invitations, messages)."""


@linkedin.command("import")
@click.argument("path", type=FilePath(exists=True))
@click.option(
    "--me",
    "member_url",
    help="Your own profile URL (found from Invitations.csv when omitted).",
)
@config_option
@playbook_option
@config_model_option
@rebind_option
@click.option(
    "--batch-size",
    type=count(100_000),
    default=500,
    show_default=True,
    help="Events per transaction.",
)
def import_export(
    path: Path,
    member_url: str | None,
    config_path: Path | None,
    playbook: Path | None,
    model: Path | None,
    rebind: bool,
    batch_size: int,
) -> None:
    """Import a LinkedIn data export (the folder or the ZIP LinkedIn mailed)."""
    config = load(config_path, model)
    book = load_playbook(playbook or config.playbook)
    pipeline = ForwardOnlyPipeline(book, classifier_for(book, config.model))
    source = LinkedInExportSource(path, member_profile_url=member_url, batch_size=batch_size)
    runtime = Runtime(config, rebind=rebind, pipeline=pipeline)
    try:
        runtime.lock()
        engine = runtime.connect()
        with logs.echoed("rejected"), _ExportProgress(source) as shown:
            intake = intake_pass(runtime.store, engine.intake, source, on_batch=shown.batch)
        push = push_shown(engine)
    finally:
        runtime.close()
    counts = intake.counts
    for line in counts.rejections:
        click.echo(f"rejected {line}", err=True)
    click.echo(
        f"imported {path}: {counts.pulled:,} events read ({counts.new:,} new,"
        f" {counts.duplicates:,} already known, {counts.rejected:,} rejected,"
        f" {source.skipped:,} drafts skipped); {counts.queued:,} planned, {push.written:,}"
        f" written ({plural(push.records, 'record write')}), {push.dead:,} dead,"
        f" {push.api_calls:,} API calls"
    )
    for reason in push.dead_reasons:
        click.echo(f"dead letter {reason}", err=True)
    if intake.error is not None:
        click.echo(f"error: {source.name}: {intake.error}", err=True)
        sys.exit(2)
    if push.dead or counts.rejected:
        sys.exit(1)


class _ExportProgress:
    """Events read of the export's (known once it is read), with posts and plans beside."""

    def __init__(self, source: LinkedInExportSource) -> None:
        self.source = source
        self.progress: Progress | None = None

    def __enter__(self) -> _ExportProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.progress is not None:
            self.progress.close()

    def batch(self, batch: SourceBatch, counts: IntakeCounts) -> None:
        served = batch.cursor.get("served") if batch.cursor else None
        if not isinstance(served, int):
            return
        if self.progress is None:
            before = served - len(batch.posts) - len(batch.rejected)
            self.progress = Progress("events", self.source.total, "event", initial=before)
        self.progress.update(served, posts=counts.new, plans=counts.queued)


@linkedin.command()
@config_option
def check(config_path: Path | None) -> None:
    """Verify LINKEDIN_ACCESS_TOKEN against each configured company page.

    One small call per ``type = "linkedin_page"`` source (the last hour's notifications).
    Exit 0 when every page is readable, 1 otherwise; the token is never printed.
    """
    config = load(config_path)
    entries = [s for s in config.sources if isinstance(s, LinkedInPageSourceConfig)]
    if not entries:
        click.echo('no [[sources]] of type "linkedin_page" configured')
        sys.exit(1)
    failed = 0
    for entry in entries:
        click.echo(f"source {entry.source_name}:")
        for line in check_page(entry, os.environ):
            failed += not line.ok
            click.echo(f"  {'ok  ' if line.ok else 'FAIL'} {line.what}: {line.detail}")
    sys.exit(1 if failed else 0)

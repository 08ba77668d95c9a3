"""``sf-social import FILE``: a one-off load of a JSONL feed, through the same pipeline.

Intake then push, like a pass of the daemon, with the file as the source (named
``jsonl:<absolute path>``, so its cursor is kept: importing the same file again reads only
what was appended, and an interrupted import continues where it stopped). For long files
the outbox is pushed every few thousand plans, so memory and the outbox stay small.
Progress goes to stderr (:mod:`sf_social.cli.progress`): bytes of the file read, then plans
sent; posts, plans and records beside.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import click

from sf_social import logs
from sf_social.cli.common import (
    config_model_option,
    config_option,
    load,
    plural,
    rebind_option,
    stop_flag,
)
from sf_social.cli.params import DurationType, FilePath, count
from sf_social.cli.progress import Progress, push_shown
from sf_social.errors import IncompleteLineError, SalesforceApiError
from sf_social.sources.base import Cursor, SourceBatch
from sf_social.sources.jsonl import JsonlSource
from sf_social.state import StateStore
from sf_social.sync.engine import SyncEngine
from sf_social.sync.intake import IntakeCounts
from sf_social.sync.passes import intake_pass, push_pass
from sf_social.sync.push import PushCounts
from sf_social.sync.runtime import Runtime

PUSH_EVERY_BATCHES = 10
"""Push after this many source batches (``--batch-size`` lines each)."""


def _add(total: PushCounts, counts: PushCounts) -> None:
    """Add one push's ``counts`` to the import's ``total``."""
    total.claimed += counts.claimed
    total.written += counts.written
    total.records += counts.records
    total.retried += counts.retried
    total.dead += counts.dead
    total.api_calls += counts.api_calls
    total.stopped = counts.stopped or total.stopped
    total.dead_reasons += counts.dead_reasons


def _offset(cursor: Cursor | None) -> int | None:
    """The byte offset a JSONL cursor holds, if any."""
    offset = cursor.get("offset") if cursor else None
    return offset if isinstance(offset, int) else None


@click.command("import")
@click.argument("file", type=FilePath(exists=True))
@config_option
@config_model_option
@click.option(
    "--format",
    "kind",
    type=click.Choice(["jsonl", "linkedin"]),
    default="jsonl",
    show_default=True,
    help="jsonl: one SocialPost per line; linkedin: a member's data export (folder or ZIP),"
    " as `sf-social linkedin import`.",
)
@click.option("--me", "member_url", help="linkedin: your own profile URL (see linkedin import).")
@click.option(
    "--batch-size",
    type=count(100_000),
    default=500,
    show_default=True,
    help="Lines per local transaction.",
)
@click.option("--name", help="Source name for its cursor (default: jsonl:<absolute path>).")
@click.option(
    "--wait",
    type=DurationType(zero_ok=True),
    default="0",
    show_default=True,
    help="Keep retrying writes that failed transiently for up to this long (30s, 5m).",
)
@rebind_option
def import_(
    file: Path,
    config_path: Path | None,
    model: Path | None,
    kind: str,
    member_url: str | None,
    batch_size: int,
    name: str | None,
    wait: timedelta,
    rebind: bool,
) -> None:
    """Load a JSONL feed of posts into Salesforce: intake, then push.

    Rejected lines are printed as FILE:LINE: field: reason. Exits 0 only when nothing is
    left pending or failed; otherwise says what is left and exits 1.
    """
    if kind == "linkedin":
        from sf_social.cli.linkedin import import_export

        click.get_current_context().invoke(
            import_export,
            path=file,
            member_url=member_url,
            config_path=config_path,
            playbook=None,
            model=model,
            rebind=rebind,
            batch_size=batch_size,
        )
        return
    if file.is_dir():
        raise click.BadParameter(f"{file} is a folder: a JSONL feed is a file", param_hint="FILE")
    patience = wait
    runtime = Runtime(load(config_path, model), rebind=rebind)
    source = JsonlSource(file, batch_size, name=name)
    pushed = PushCounts()
    try:
        runtime.lock()
        engine = runtime.connect()
        state = runtime.store.source(source.name)
        size = file.stat().st_size
        start = _offset(state.cursor if state else None) or 0
        with (
            logs.echoed("rejected", "dead letter"),
            stop_flag() as stop,
            Progress(file.name, size, "B", initial=start if start <= size else 0) as reading,
        ):
            intake = runtime.intake()
            batches = 0

            def on_batch(batch: SourceBatch, counts: IntakeCounts) -> None:
                nonlocal batches
                batches += 1
                for error in batch.rejected:
                    reading.echo(f"rejected {error}")
                if batches % PUSH_EVERY_BATCHES == 0 and not stop():
                    _add(pushed, push_pass(engine, should_stop=stop))
                reading.update(
                    _offset(batch.cursor),
                    posts=counts.new,
                    plans=counts.queued,
                    records=pushed.records,
                )

            result = intake_pass(runtime.store, intake, source, should_stop=stop, on_batch=on_batch)
            reading.close()
            if result.error is None and not stop():
                _add(
                    pushed,
                    push_shown(engine, should_stop=stop, records=pushed.records),
                )
                _retry_for(patience, engine, runtime, pushed, stop)
            status = runtime.store.status()
            left, held = status.outbox_pending, status.outbox_held
            interrupted = stop()
    except SalesforceApiError as exc:
        raise click.ClickException(f"cannot reach Salesforce, nothing imported: {exc}") from None
    finally:
        runtime.close()
    problems = [] if source.incomplete is None else [_unfinished(source.incomplete)]
    _report(
        file,
        source.name,
        result.counts,
        pushed,
        result.error,
        (left, held),
        interrupted,
        problems,
    )


def _unfinished(error: IncompleteLineError) -> str:
    click.echo(f"{error}", err=True)
    return (
        f"line {error.line_no:,} has no newline yet and is not one complete JSON value:"
        " import again once its writer has finished it (it is read then)"
    )


def _retry_for(
    patience: timedelta,
    engine: SyncEngine,
    runtime: Runtime,
    pushed: PushCounts,
    stop: Callable[[], bool],
) -> None:
    """Push again, once a second, while writes wait for a retry and ``patience`` lasts."""
    deadline = time.monotonic() + patience.total_seconds()
    store: StateStore = runtime.store
    while time.monotonic() < deadline and store.status().outbox_pending and not stop():
        time.sleep(min(1.0, max(0.0, deadline - time.monotonic())))
        if store.status().outbox_due:
            _add(pushed, push_pass(engine, should_stop=stop))


def _report(
    file: Path,
    name: str,
    counts: IntakeCounts,
    pushed: PushCounts,
    error: str | None,
    outbox: tuple[int, int],
    interrupted: bool,
    problems: list[str],
) -> None:
    left, held = outbox
    if counts.pulled == 0 and error is None and not problems:
        click.echo(f"{file}: nothing new since the last import of {name}", err=True)
    click.echo(
        f"imported {file}: {plural(counts.pulled, 'line')} read, {counts.new:,} new posts"
        f" ({counts.duplicates:,} already known), {counts.rejected:,} rejected;"
        f" {counts.queued:,} planned, {pushed.written:,} written"
        f" ({plural(pushed.records, 'record write')}), {pushed.retried:,} retried,"
        f" {pushed.dead:,} dead; {plural(pushed.api_calls, 'API call')}"
    )
    for reason in pushed.dead_reasons:
        click.echo(f"dead letter {reason}", err=True)
    if error is not None:
        problems.append(f"reading stopped: {error}")
    if interrupted:
        problems.append("interrupted: run the same command again to continue where it stopped")
    if left:
        why = f" ({pushed.stopped})" if pushed.stopped else ""
        problems.append(
            f"{plural(left, 'write')} still in the outbox{why}: the daemon or"
            " `sf-social sync --once` sends them later (or import with --wait 5m)"
        )
    if pushed.dead:
        problems.append(
            f"{plural(pushed.dead, 'write')} refused by Salesforce: `sf-social dead-letters"
            " list`, fix the cause, then `sf-social dead-letters retry`"
        )
    if held:
        problems.append(
            f"{plural(held, 'write')} held behind dead letters of their thread or person"
            " (applied in order once those are retried, or dropped)"
        )
    if counts.rejected:
        problems.append(
            f"{plural(counts.rejected, 'line')} rejected (listed above): fix them and import"
            " them from a new file"
        )
    if problems:
        click.echo("left:\n" + "\n".join(f"  - {p}" for p in problems), err=True)
        sys.exit(1)
    click.echo("nothing left pending or failed", err=True)

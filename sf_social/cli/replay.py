"""``sf-social replay --since WHEN``: run a window of the sync again, idempotently.

See :mod:`sf_social.sync.replay` for how: done posts of the window are forgotten, their
sources rewound and read again, and the plans pushed; upserts by external id and the
known record Ids make it safe (no twin records, agents' edits kept).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from sf_social import logs
from sf_social.cli.common import (
    config_model_option,
    config_option,
    load,
    parse_since,
    plural,
    stop_flag,
    utc_now,
)
from sf_social.cli.progress import Progress, push_shown
from sf_social.sources.base import Source, SourceBatch
from sf_social.state import HeldLock
from sf_social.sync.engine import IntakeResult, StopCheck
from sf_social.sync.intake import IntakeCounts
from sf_social.sync.passes import intake_pass, pass_report, wait_for_source
from sf_social.sync.replay import pick_sources, rewind
from sf_social.sync.runtime import Runtime

LOCK_WAIT = 30.0
"""Seconds to wait for a source another process is polling."""


@click.command()
@click.option(
    "--since",
    required=True,
    help="Start of the window: a time (2026-11-20T09:00:00Z; no zone: UTC) or an age (2h, 3d).",
)
@click.option(
    "--source",
    "sources",
    multiple=True,
    help="Only this source (repeatable; default every configured one).",
)
@config_option
@config_model_option
def replay(
    since: str, sources: tuple[str, ...], config_path: Path | None, model: Path | None
) -> None:
    """Plan and send again what was synced since WHEN (e.g. after a playbook fix, a new model).

    Posts still waiting in the outbox or the dead letters are left alone. Exits 0 when
    everything replayed landed, 1 when something is left pending or failed.
    """
    start = parse_since(since, utc_now())
    runtime = Runtime(load(config_path, model))
    held: list[HeldLock] = []
    try:
        runtime.lock()
        engine = runtime.connect()
        chosen = pick_sources(runtime.sources, sources, runtime.store)
        if not chosen:
            raise click.UsageError("no sources configured: name one with --source")
        for source in chosen:  # held until the end: no replica reads them meanwhile
            lock = wait_for_source(runtime.store, source.name, wait=LOCK_WAIT)
            if lock is None:
                raise click.ClickException(
                    f"{source.name} is being polled by another process for over"
                    f" {LOCK_WAIT:.0f} s; try again"
                )
            held.append(lock)
        rewound = rewind(runtime.store, chosen, start)
        total = sum(rewound.forgotten.values())
        click.echo(
            f"replaying since {start.isoformat()}: {plural(total, 'post')} to send again"
            + (
                " (" + ", ".join(f"{n} {k}" for k, n in rewound.forgotten.items()) + ")"
                if total
                else ""
            ),
            err=True,
        )
        with logs.echoed("rejected"), stop_flag() as stop:
            intakes = _read_again(runtime, rewound.sources, total, stop)
            counts = push_shown(engine, should_stop=stop)
        status = runtime.store.status()
        left, waiting = status.outbox_pending, status.outbox_held
        interrupted = stop()
    finally:
        for lock in held:
            lock.release()
        runtime.close()
    report = pass_report(intakes, counts)
    click.echo(report.summary())
    for result in intakes:
        for rejection in result.counts.rejections:
            click.echo(f"rejected {rejection}", err=True)
    for reason in counts.dead_reasons:
        click.echo(f"dead letter {reason}", err=True)
    problems = [f"{name}: {error}" for name, error in report.errors.items()]
    if interrupted:
        problems.append("interrupted: the next pass reads on from where it stopped")
    if left:
        problems.append(f"{plural(left, 'write')} still in the outbox (sent by the next push)")
    if counts.dead:
        problems.append(f"{plural(counts.dead, 'write')} refused: `sf-social dead-letters list`")
    if waiting:
        problems.append(f"{plural(waiting, 'write')} held behind dead letters of their thread")
    if problems:
        click.echo("left:\n" + "\n".join(f"  - {p}" for p in problems), err=True)
        sys.exit(1)


def _read_again(
    runtime: Runtime, sources: list[Source], total: int, stop: StopCheck
) -> list[IntakeResult]:
    """Intake of each rewound source, with progress: posts read again of ``total``."""
    results: list[IntakeResult] = []
    with Progress("reading again", total, "post") as reading:
        for source in sources:

            def on_batch(batch: SourceBatch, counts: IntakeCounts) -> None:
                new = sum(r.counts.new for r in results) + counts.new
                planned = sum(r.counts.queued for r in results) + counts.queued
                reading.update(new, posts=new, plans=planned)

            intake = runtime.intake()
            results.append(
                intake_pass(runtime.store, intake, source, should_stop=stop, on_batch=on_batch)
            )
    return results

"""``sf-social dead-letters list|show|retry|drop``: writes Salesforce refused for good.

A typical recovery: ``list`` shows ``INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST`` on
``Social_Segment__c``; an admin deploys the missing picklist value (``sf-social metadata
deploy``); ``retry --code INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST`` moves those writes
back to the outbox and pushes them at once, with the writes that failed or waited only
because of them (``PARENT_FAILED``, the later posts of their threads).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from sf_social.cli.common import ago, config_option, emit_json, load, plural, table, utc_now
from sf_social.cli.params import ROW_ID, count
from sf_social.cli.progress import push_shown
from sf_social.config import Config
from sf_social.state import DeadLetter, StateStore, open_store
from sf_social.sync.runtime import Runtime


@click.group("dead-letters")
def dead_letters() -> None:
    """List, inspect, retry or drop writes that Salesforce refused for good."""


def _open(config_path: Path | None) -> tuple[Config, StateStore]:
    config = load(config_path)
    return config, open_store(config.db_url, schema=config.db_schema)


def _summary(dead: DeadLetter) -> dict[str, object]:
    return {
        "id": dead.id,
        "post_key": dead.post_key,
        "code": dead.code,
        "message": dead.message,
        "fields": list(dead.fields),
        "attempts": dead.attempts,
        "created_at": dead.created_at,
        "first_failed_at": dead.first_failed_at,
        "last_failed_at": dead.last_failed_at,
    }


@dead_letters.command("list")
@config_option
@click.option("--code", help="Only this error code, e.g. INVALID_FIELD.")
@click.option(
    "--limit",
    type=count(10**6),
    default=100,
    show_default=True,
    help="At most this many, oldest first.",
)
@click.option("--json", "as_json", is_flag=True, help="JSON instead of a table.")
def list_(config_path: Path | None, code: str | None, limit: int, as_json: bool) -> None:
    """Dead letters, oldest first: id, post, error code, fields, message."""
    _, store = _open(config_path)
    try:
        found = store.dead_letters(code=code, limit=limit)
        by_code = store.status().dead_letters_by_code
    finally:
        store.close()
    if as_json:
        emit_json([_summary(d) for d in found])
        return
    if not found:
        click.echo("no dead letters" + (f" with code {code}" if code else ""))
        return
    now = utc_now()
    rows = [
        [
            str(d.id),
            d.post_key,
            d.code,
            ",".join(d.fields) or "-",
            str(d.attempts),
            ago(d.last_failed_at, now),
            d.message,
        ]
        for d in found
    ]
    click.echo(
        table(["id", "post", "code", "fields", "tries", "failed", "message"], rows, widest=50)
    )
    total = sum(by_code.values()) if code is None else by_code.get(code, 0)
    if total > len(found):
        click.echo(f"... {total - len(found):,} more (--limit)")
    click.echo(
        "\n`sf-social dead-letters show ID` for the full plan; fix the cause, then"
        " `sf-social dead-letters retry ID` (or --code CODE): the PARENT_FAILED writes and"
        " the later posts of its thread that wait on it go with it."
    )


@dead_letters.command()
@config_option
@click.argument("dead_letter_id", type=ROW_ID, metavar="ID")
@click.option("--json", "as_json", is_flag=True, help="JSON instead of text.")
def show(config_path: Path | None, dead_letter_id: int, as_json: bool) -> None:
    """One dead letter: the failure and the full record plan."""
    _, store = _open(config_path)
    try:
        dead = store.get_dead_letter(dead_letter_id)
    finally:
        store.close()
    if dead is None:
        raise click.ClickException(
            f"no dead letter {dead_letter_id}: see `sf-social dead-letters list`"
        )
    plan = dead.plan.model_dump(mode="json")
    if as_json:
        emit_json({**_summary(dead), "plan": plan})
        return
    now = utc_now()
    click.echo(f"dead letter {dead.id} (outbox row {dead.outbox_id})")
    click.echo(f"  post:        {dead.post_key}  (ordering key {dead.ordering_key})")
    click.echo(f"  error:       {dead.code}: {dead.message}")
    click.echo(f"  fields:      {', '.join(dead.fields) or '-'}")
    click.echo(f"  attempts:    {dead.attempts}")
    click.echo(f"  queued:      {dead.created_at.isoformat()} ({ago(dead.created_at, now)})")
    first, last = dead.first_failed_at.isoformat(), ago(dead.last_failed_at, now)
    click.echo(f"  failed:      first {first}, last {last}")
    click.echo("  plan:")
    click.echo("    " + json.dumps(plan, indent=2, ensure_ascii=False).replace("\n", "\n    "))


def _selection(
    ids: tuple[int, ...], code: str | None, every: bool
) -> tuple[list[int] | None, str | None]:
    if not ids and code is None and not every:
        raise click.UsageError("say which dead letters: IDs, --code CODE, or --all")
    if every and (ids or code):
        raise click.UsageError("--all goes alone, without IDs or --code")
    return (list(ids) if ids else None), code


F = TypeVar("F", bound=Callable[..., Any])

_select = [
    click.argument("ids", nargs=-1, type=ROW_ID),
    click.option("--code", help="Every dead letter with this error code."),
    click.option("--all", "every", is_flag=True, help="Every dead letter."),
]


def _selected(func: F) -> F:
    """The selection arguments of ``retry`` and ``drop``."""
    for decorator in reversed(_select):
        func = decorator(func)
    return func


@dead_letters.command()
@config_option
@_selected
@click.option("--no-push", is_flag=True, help="Only move them back; the next push sends them.")
def retry(
    config_path: Path | None, ids: tuple[int, ...], code: str | None, every: bool, no_push: bool
) -> None:
    """Move dead letters back to the outbox and push them now (after fixing the cause).

    What waited on them goes too: the dead letters refused only because a record of theirs
    failed (PARENT_FAILED, e.g. a reply's Task on the Case), and the later posts of their
    thread held behind them. Exits 0 when every retried write landed (or with --no-push), 1
    when some failed again or wait for a retry. With a daemon running on the SQLite file,
    they are moved back and the daemon pushes them.
    """
    chosen, by_code = _selection(ids, code, every)
    runtime = Runtime(load(config_path))
    try:
        busy = None if no_push else runtime.try_lock()
        push = not no_push and busy is None
        if push:
            runtime.connect()  # before moving anything: missing settings stop us here
        moved = runtime.store.retry_dead_letters(chosen, code=by_code)
        click.echo(f"moved {plural(moved, 'dead letter')} back to the outbox")
        if busy is not None:
            click.echo(f"not pushing here: {busy}; the running daemon pushes them", err=True)
        if not push or not moved:
            return
        counts = push_shown(runtime.connect())
        left = runtime.store.status().outbox_pending
    finally:
        runtime.close()
    click.echo(
        f"pushed: written {counts.written:,} ({plural(counts.records, 'record write')}),"
        f" retried {counts.retried:,}, dead {counts.dead:,}"
        f" ({plural(counts.api_calls, 'API call')})"
    )
    for reason in counts.dead_reasons:
        click.echo(f"dead letter again: {reason}", err=True)
    if counts.dead or left:
        click.echo(
            f"left: {plural(left, 'write')} in the outbox,"
            f" {counts.dead:,} back in the dead letters",
            err=True,
        )
        sys.exit(1)


@dead_letters.command()
@config_option
@_selected
def drop(config_path: Path | None, ids: tuple[int, ...], code: str | None, every: bool) -> None:
    """Delete dead letters for good (their posts stay 'failed' in the ledger)."""
    chosen, by_code = _selection(ids, code, every)
    _, store = _open(config_path)
    try:
        dropped = store.drop_dead_letters(chosen, code=by_code)
    finally:
        store.close()
    click.echo(f"dropped {plural(dropped, 'dead letter')}")

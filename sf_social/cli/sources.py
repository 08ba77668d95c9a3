"""``sf-social sources list|reset``: each source's stored cursor, and starting a source over.

A source's cursor says where its next pull starts (a JSONL file's byte offset, an API's
newest post id). ``reset`` forgets it (the source reads from its start) or sets it to a
given JSON value; the ledger still skips every post already read, so nothing is planned
or written twice.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

import click

from sf_social.cli.common import ago, config_option, emit_json, load, sqlite_missing, utc_now
from sf_social.cli.params import JSON_OBJECT
from sf_social.config import Config
from sf_social.errors import StoreLockedError
from sf_social.state import JsonObject, SourceState, StateStore, open_store


@click.group()
def sources() -> None:
    """List the sources with their cursors, or reset one to read it again."""


def _known(config: Config, store: StateStore | None) -> dict[str, tuple[str, SourceState | None]]:
    """Source name → (type, stored state): the configured sources, then those only stored
    (e.g. files read by ``import``); ``@``-entries are the store's own notes, not sources."""
    stored = {s.name: s for s in store.status().sources} if store is not None else {}
    known = {s.source_name: (s.type, stored.get(s.source_name)) for s in config.sources}
    for name, state in stored.items():
        if name not in known and not name.startswith("@"):
            known[name] = ("not configured", state)
    return known


@sources.command("list")
@config_option
@click.option("--json", "as_json", is_flag=True, help="JSON instead of text.")
def list_(config_path: Path | None, as_json: bool) -> None:
    """Each source: its stored cursor, when the cursor last moved, what the source reports.

    Read only; safe while the daemon runs.
    """
    config = load(config_path)
    store = (
        None
        if sqlite_missing(config.db_url)
        else open_store(config.db_url, schema=config.db_schema)
    )
    try:
        known = _known(config, store)
    finally:
        if store is not None:
            store.close()
    if as_json:
        emit_json([_entry(name, kind, state) for name, (kind, state) in known.items()])
        return
    if not known:
        click.echo("no sources: none is configured and none has run")
        return
    now = utc_now()
    for name, (kind, state) in known.items():
        click.echo(f"source {name} ({kind})")
        cursor = state.cursor if state is not None else None
        moved = state.cursor_updated_at if state is not None else None
        shown = "none (reads from its start)" if cursor is None else _json(cursor)
        click.echo(f"  cursor:  {shown}" + (f" (moved {ago(moved, now)})" if moved else ""))
        if state is not None and state.status:
            reported = ago(state.status_updated_at, now)
            click.echo(f"  reports: {_json(state.status)} ({reported})")


def _entry(name: str, kind: str, state: SourceState | None) -> dict[str, Any]:
    return {"name": name, "type": kind, **asdict(state or SourceState(name, None, None))}


def _json(value: JsonObject) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


@sources.command()
@config_option
@click.argument("name")
@click.option(
    "--to",
    "cursor",
    type=JSON_OBJECT,
    metavar="CURSOR",
    help="Set the cursor to this JSON object (as `sources list --json` shows one) instead"
    " of forgetting it.",
)
def reset(config_path: Path | None, name: str, cursor: JsonObject | None) -> None:
    """Forget source NAME's cursor, so its next pass reads it from its start.

    Posts already read are in the ledger and are not planned or written again: a reset
    re-reads, it never duplicates. Refused while a daemon holds the SQLite state file
    (stop it first), or while another process is polling NAME.
    """
    config = load(config_path)
    store = open_store(config.db_url, schema=config.db_schema)
    try:
        known = _known(config, store)
        if name not in known:
            names = ", ".join(sorted(known)) or "none (configure one under [[sources]])"
            raise click.BadParameter(f"no source {name!r}; known: {names}", param_hint="NAME")
        _, old = known[name]
        _set_cursor(store, name, cursor)
    finally:
        store.close()
    was = _json(old.cursor) if old is not None and old.cursor is not None else "none"
    if cursor is None:
        click.echo(f"source {name}: cursor forgotten (was {was}); the next pass reads it all")
    else:
        click.echo(f"source {name}: cursor set to {_json(cursor)} (was {was})")
    click.echo("posts already in the ledger are skipped: nothing is written twice")


class Refused(click.ClickException):
    """Another process works on the source: resetting now would be overwritten (exit 2)."""

    exit_code = 2


def _set_cursor(store: StateStore, name: str, cursor: JsonObject | None) -> None:
    """Store ``cursor`` holding the daemon's lock and the source's: no pass overwrites it."""
    try:
        daemon = store.lock_for_daemon()
    except StoreLockedError as exc:
        raise Refused(f"not resetting {name} while a daemon runs: {exc}") from None
    with daemon:
        polling = store.try_lock_source(name)
        if polling is None:
            raise Refused(f"not resetting {name}: another process is polling it; try again")
        with polling:
            store.commit_batch(name, cursor, (), (), now=utc_now())

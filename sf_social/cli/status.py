"""``sf-social status``: cursors, outbox, dead letters, ledger, API usage, last passes."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from sf_social.cli.common import ago, config_option, emit_json, load, sqlite_missing, utc_now
from sf_social.config import format_duration
from sf_social.redaction import hide_password
from sf_social.state import RunRecord, SourceState, StoreStatus, open_store
from sf_social.state.binding import BINDING
from sf_social.sync.engine import PUSH_STATUS
from sf_social.sync.passes import ORG_STATUS


@click.command()
@config_option
@click.option("--json", "as_json", is_flag=True, help="One JSON object instead of tables.")
def status(config_path: Path | None, as_json: bool) -> None:
    """Show the sync state (read only; safe while the daemon runs)."""
    config = load(config_path)
    missing = sqlite_missing(config.db_url)
    if missing is not None:
        message = (
            f"no state database at {missing} yet: nothing has run with SF_SOCIAL_DB={config.db_url}"
        )
        if as_json:
            emit_json({"database": config.db_url, "exists": False, "message": message})
        else:
            click.echo(message)
        return
    store = open_store(config.db_url, schema=config.db_schema)
    try:
        snapshot = store.status(now=utc_now())
    finally:
        store.close()
    if as_json:
        emit_json(as_dict(snapshot, hide_password(config.db_url)))
    else:
        click.echo(render(snapshot, hide_password(config.db_url)))


def _sources(snapshot: StoreStatus) -> list[SourceState]:
    return [s for s in snapshot.sources if not s.name.startswith("@")]


def _org(snapshot: StoreStatus) -> SourceState | None:
    return _entry(snapshot, ORG_STATUS)


def _entry(snapshot: StoreStatus, name: str) -> SourceState | None:
    return next((s for s in snapshot.sources if s.name == name), None)


def _noted(snapshot: StoreStatus, name: str, key: str) -> str | None:
    """A string the store noted under status entry ``name`` (``@org``, ``@push``)."""
    entry = _entry(snapshot, name)
    value = entry.status.get(key) if entry is not None and entry.status else None
    return value if isinstance(value, str) else None


def _run(run: RunRecord | None) -> dict[str, Any] | None:
    if run is None:
        return None
    c = run.counts
    return {
        "started_at": run.started_at,
        "finished_at": run.finished_at,
        "pulled": c.pulled,
        "new": c.new,
        "planned": c.planned,
        "written": c.written,
        "retried": c.retried,
        "dead": c.dead,
        "rejected": c.rejected,
        "error": run.error,
    }


def as_dict(snapshot: StoreStatus, database: str) -> dict[str, Any]:
    """The snapshot as JSON-ready data."""
    org = _org(snapshot)
    oldest = snapshot.oldest_outbox_age
    return {
        "database": database,
        "now": snapshot.now,
        "sources": [
            {
                "name": s.name,
                "cursor": s.cursor,
                "cursor_updated_at": s.cursor_updated_at,
                "status": s.status,
                "status_updated_at": s.status_updated_at,
                "last_pass": _run(snapshot.last_runs.get(s.name)),
            }
            for s in _sources(snapshot)
        ],
        "outbox": {
            "depth": snapshot.outbox_depth,
            "due": snapshot.outbox_due,
            "leased": snapshot.outbox_leased,
            "held": snapshot.outbox_held,
            "oldest_at": snapshot.oldest_outbox_at,
            "oldest_age_seconds": oldest.total_seconds() if oldest is not None else None,
        },
        "dead_letters": {
            "total": sum(snapshot.dead_letters_by_code.values()),
            "by_code": snapshot.dead_letters_by_code,
        },
        "ledger": snapshot.ledger_by_status,
        "api": {**(org.status or {}), "as_of": org.status_updated_at} if org else None,
        "last_passes": {name: _run(run) for name, run in snapshot.last_runs.items()},
        "org_id": _noted(snapshot, BINDING, "org_id"),
        "writes_blocked": _noted(snapshot, PUSH_STATUS, "blocked"),
    }


def _pass(run: RunRecord | None, now: datetime) -> str:
    if run is None:
        return "never"
    when = ago(run.finished_at or run.started_at, now)
    c = run.counts
    if run.source == "push":
        what = f"written {c.written}, retried {c.retried}, dead {c.dead}"
    else:
        what = f"pulled {c.pulled}, new {c.new}, planned {c.planned}, rejected {c.rejected}"
    state = "running" if run.finished_at is None else ("FAILED" if run.error else "ok")
    return f"{when}: {what} ({state})"


def _cursor(state: SourceState, now: datetime) -> str:
    if state.cursor is None:
        return "-"
    text = json.dumps(state.cursor, separators=(",", ":"))
    return f"{text} ({ago(state.cursor_updated_at, now)})"


def render(snapshot: StoreStatus, database: str) -> str:
    """The snapshot as tables for a terminal."""
    now = snapshot.now
    org_id = _noted(snapshot, BINDING, "org_id")
    lines = [f"state: {database} (org {org_id or 'not bound yet'})", ""]
    sources = _sources(snapshot)
    for s in sources:
        run = snapshot.last_runs.get(s.name)
        lines.append(f"source {s.name}")
        lines.append(f"  cursor:     {_cursor(s, now)}")
        lines.append(f"  last pass:  {_pass(run, now)}")
        if run is not None and run.error:
            lines.append(f"  last error: {run.error}")
        if s.status:
            lines.append(f"  reports:    {json.dumps(s.status)} ({ago(s.status_updated_at, now)})")
    if not sources:
        lines.append("sources: none has run yet")
    lines.append("")
    oldest = snapshot.oldest_outbox_age
    lines.append(
        f"outbox: {snapshot.outbox_depth:,} row(s), {snapshot.outbox_due:,} due now,"
        f" {snapshot.outbox_leased:,} leased"
        + (f", {snapshot.outbox_held:,} held behind dead letters" if snapshot.outbox_held else "")
        + (f"; oldest waiting {format_duration(oldest)}" if oldest is not None else "")
    )
    dead = sum(snapshot.dead_letters_by_code.values())
    codes = ", ".join(f"{code} {n}" for code, n in snapshot.dead_letters_by_code.items())
    lines.append(f"dead letters: {dead:,}" + (f" ({codes})" if codes else ""))
    ledger = ", ".join(f"{k} {v:,}" for k, v in snapshot.ledger_by_status.items()) or "empty"
    lines.append(f"ledger: {ledger}")
    lines.append(f"API usage: {_api(_org(snapshot), now)}")
    push = snapshot.last_runs.get("push")
    lines.append(f"last push: {_pass(push, now)}")
    blocked = _noted(snapshot, PUSH_STATUS, "blocked")
    if blocked:
        lines.append(f"  WRITES BLOCKED until fixed: {blocked}")
    elif push is not None and push.error:
        lines.append(f"  last push stopped: {push.error}")
    if dead:
        lines.append("")
        lines.append("dead letters wait for you: `sf-social dead-letters list`")
    return "\n".join(lines)


def _api(org: SourceState | None, now: datetime) -> str:
    if org is None or not org.status:
        return "unknown (no push has run yet)"
    used, limit = org.status.get("api_usage_used"), org.status.get("api_usage_limit")
    as_of = ago(org.status_updated_at, now)
    if not isinstance(used, int) or not isinstance(limit, int) or not limit:
        return f"unknown (as of {as_of})"
    paused = "; WRITES PAUSED (budget ceiling)" if org.status.get("paused") else ""
    return f"{used:,} of {limit:,} daily requests ({used / limit:.1%}), as of {as_of}{paused}"

"""Shared plumbing of the operator commands: config option, runtime, signals, tables, times."""

from __future__ import annotations

import json
import signal
import sys
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import FrameType
from typing import Any

import click
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from sf_social.cli.feedio import model_option_for
from sf_social.cli.params import FilePath
from sf_social.config import CONFIG_ENV, Config, format_duration, load_config, parse_duration

config_option = click.option(
    "--config",
    "config_path",
    type=FilePath(dir_okay=False),
    help=f"TOML config file (default: ${CONFIG_ENV}, else none: defaults and SF_* variables).",
)

config_model_option = model_option_for(
    "$SF_SOCIAL_MODEL, else the config file's model, else rules only"
)
"""``--model`` of the commands that read the configuration: it wins over both."""


rebind_option = click.option(
    "--rebind",
    is_flag=True,
    help="The state belongs to another org: forget what it wrote there (ledger, record Ids,"
    " threads) and bind it to the org logged in to.",
)
"""``--rebind`` of the commands that write: see ``sf_social.state.binding``."""

skip_checks_option = click.option(
    "--skip-checks",
    is_flag=True,
    help="Start the daemon without its start-up checks (those of `sf-social doctor`; a"
    " failing one otherwise stops it with exit 2).",
)
"""``--skip-checks`` of the commands that run the daemon."""


def load(config_path: Path | None, model: Path | None = None) -> Config:
    """The configuration, ``model`` (``--model``) winning over its own.

    ``ConfigError`` → exit 2 with every problem listed.
    """
    config = load_config(config_path)
    return config if model is None else config.model_copy(update={"model": model})


def sqlite_missing(url: str) -> Path | None:
    """The SQLite file ``url`` names if it does not exist yet (nothing ever ran)."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return None
    database = parsed.database
    if parsed.get_backend_name() != "sqlite" or not database or database == ":memory:":
        return None
    path = Path(database)
    return None if path.exists() else path


class StopFlag:
    """SIGINT/SIGTERM ask a one-shot command to stop between batches; a second one aborts."""

    def __init__(self) -> None:
        self.event = threading.Event()
        self.signal: str | None = None

    def __call__(self) -> bool:
        return self.event.is_set()

    def _on_signal(self, number: int, frame: FrameType | None) -> None:
        if self.event.is_set():
            raise KeyboardInterrupt
        self.signal = signal.Signals(number).name
        self.event.set()
        click.echo(f"{self.signal}: stopping after the batch in flight (again to abort)", err=True)


@contextmanager
def stop_flag() -> Iterator[StopFlag]:
    """A :class:`StopFlag` with its signal handlers installed for the block."""
    flag = StopFlag()
    if threading.current_thread() is not threading.main_thread():
        yield flag
        return
    previous = {n: signal.signal(n, flag._on_signal) for n in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield flag
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def utc_now() -> datetime:
    return datetime.now(UTC)


def ago(when: datetime | None, now: datetime) -> str:
    """``3m 20s ago``, or ``never``."""
    return "never" if when is None else f"{format_duration(now - when)} ago"


def parse_since(value: str, now: datetime) -> datetime:
    """An ISO 8601 time (naive: UTC) or a duration back from ``now`` (``2h``, ``3d``)."""
    text = value.strip()
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        try:
            delta = parse_duration(text)
        except ValueError:
            raise click.BadParameter(
                f"{value!r} is neither a time (2026-11-20T09:00:00Z) nor a duration (2h, 3d)",
                param_hint="'--since'",
            ) from None
        assert isinstance(delta, timedelta)
        return now - delta
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def table(header: Sequence[str], rows: Sequence[Sequence[str]], *, widest: int = 60) -> str:
    """A plain text table, columns padded, cells cut at ``widest`` characters."""
    cells = [list(header)] + [[str(c) for c in row] for row in rows]
    widths = [min(max(len(r[i]) for r in cells), widest) for i in range(len(header))]

    def line(row: Sequence[str]) -> str:
        parts = [
            (c if len(c) <= w else c[: w - 1] + "…").ljust(w)
            for c, w in zip(row, widths, strict=True)
        ]
        return "  ".join(parts).rstrip()

    return "\n".join([line(cells[0]), line(["-" * w for w in widths]), *map(line, cells[1:])])


def emit_json(obj: Any) -> None:
    """``obj`` as indented JSON on stdout (times as ISO 8601)."""
    sys.stdout.write(json.dumps(obj, indent=2, default=_default, ensure_ascii=False) + "\n")


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    return str(value)


def plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"

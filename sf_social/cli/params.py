"""Parameter types shared by the commands: every bad value is a usage error (exit 2).

Each type refuses what would otherwise end in a traceback, a hang or nonsense further
on: a port beyond 65535, a batch of 0, a duration of a million years, ``~nouser/x``, a
NUL byte, a folder or a device such as ``/dev/zero`` where a file is read. ``bind`` does
the same for an address the system refuses (``--host nope.invalid``, a port in use).
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from sf_social.userpaths import expand_path, file_problem
from sf_social.webhook_spools import DEFAULT_SPOOLS, SPOOL_ENV, spool_path

if TYPE_CHECKING:  # generic only from click 8.5; setup.cfg allows 8.1
    from click.decorators import FC

    _DurationBase = click.ParamType[timedelta]
    _JsonObjectBase = click.ParamType[dict[str, Any]]
    _PathBase = click.Path[Path]
else:
    _DurationBase = click.ParamType
    _JsonObjectBase = click.ParamType
    _PathBase = click.Path

T = TypeVar("T")

PORT = click.IntRange(0, 65535)
"""A TCP port; 0 asks for any free one."""

ROW_ID = click.IntRange(1, 2**63 - 1)
"""The id of a stored row (a dead letter): what the database can hold."""


def count(maximum: int, minimum: int = 1) -> click.IntRange:
    """A whole number from ``minimum`` to ``maximum`` (a batch size, a limit, folds)."""
    return click.IntRange(minimum, maximum)


class Real(click.FloatRange):
    """A finite number in a range (``nan`` and ``inf`` refused: they pass ``FloatRange``)."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        number = click.FLOAT.convert(value, param, ctx)
        if not math.isfinite(number):
            self.fail(f"{value!r} is not a finite number", param, ctx)
        return super().convert(number, param, ctx)


class DurationType(_DurationBase):
    """``30s``, ``5m``, ``1h30m`` or seconds → ``timedelta``; ``zero_ok`` lets ``0`` through."""

    name = "duration"

    def __init__(self, *, zero_ok: bool = False) -> None:
        self.zero_ok = zero_ok

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> timedelta:
        from sf_social.config import parse_duration  # not at import: `plan` stays light

        try:
            delta = parse_duration(value)
        except ValueError as exc:
            self.fail(str(exc), param, ctx)
        assert isinstance(delta, timedelta)
        if delta < timedelta(0) or (delta == timedelta(0) and not self.zero_ok):
            least = "0 or more" if self.zero_ok else "more than 0"
            self.fail(f"{value!r}: a duration must be {least} (30s, 5m, 1h)", param, ctx)
        return delta


DURATION = DurationType()
"""A positive duration."""


class JsonObjectType(_JsonObjectBase):
    """A JSON object, e.g. a source's cursor: ``{"offset": 0}``."""

    name = "json-object"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> dict[str, Any]:
        if isinstance(value, dict):
            return value
        try:
            parsed = json.loads(value)
        except json.JSONDecodeError as exc:
            self.fail(f"{value!r} is not JSON: {exc}", param, ctx)
        if not isinstance(parsed, dict):
            self.fail(f"{value!r}: give a JSON object, e.g. '{{\"offset\": 0}}'", param, ctx)
        return parsed


JSON_OBJECT = JsonObjectType()
"""A JSON object given on the command line."""


class FilePath(_PathBase):
    """``click.Path`` that expands ``~`` and refuses NUL bytes and devices (``/dev/zero`` is
    read forever); where only a folder will do, a file is refused too."""

    def __init__(self, **options: Any) -> None:
        super().__init__(path_type=Path, **options)

    def convert(
        self,
        value: str | os.PathLike[str],
        param: click.Parameter | None,
        ctx: click.Context | None,
    ) -> Path:
        if isinstance(value, Path):  # a default, already converted
            return value
        try:
            expanded = expand_path(value)
        except ValueError as exc:
            self.fail(str(exc), param, ctx)
        path = super().convert(os.fspath(expanded), param, ctx)
        if not path.exists() or path.is_dir():  # click checked dir_okay
            return path
        if not self.file_okay:
            self.fail(f"{path} is not a folder: name a folder", param, ctx)
        problem = file_problem(path)
        if problem is not None:
            self.fail(problem, param, ctx)
        return path


def input_file(**options: Any) -> FilePath:
    """An existing file that is read (``exists=True, dir_okay=False``)."""
    return FilePath(exists=True, dir_okay=False, **options)


def output_file(**options: Any) -> FilePath:
    """A file that is written (it need not exist; not a folder)."""
    return FilePath(dir_okay=False, **options)


def spool_option(network: str, flag: str, help: str) -> Callable[[FC], FC]:
    """``flag``: the spool file of ``network`` (default: as ``webhook_spools`` says)."""
    return click.option(
        flag,
        type=output_file(),
        default=lambda: str(spool_path(network, os.environ)),
        show_default=f"${SPOOL_ENV[network]} or {DEFAULT_SPOOLS[network]}",
        help=help,
    )


def bind(start: Callable[[], T], host: str, port: int) -> T:
    """``start()``, which listens on ``host:port``; a refusal is a usage error naming both."""
    try:
        return start()
    except OSError as exc:  # socket.gaierror included
        reason = exc.strerror or str(exc)
        raise click.UsageError(
            f"cannot listen on {host}:{port}: {reason}; give another --host / --port"
        ) from None

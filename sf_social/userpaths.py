"""Paths an operator names (options, config keys, variables): expanded and checked once.

A path that cannot be used says why in words, never with a traceback: ``~nouser/x``
(no such user), a NUL byte, a folder where a file is wanted, or a device such as
``/dev/zero`` that would be read forever.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator

MAX_TEXT_BYTES = 1 << 20
"""The largest configuration file read (1 MiB); a real one is a few kilobytes."""


def expand_path(text: str | os.PathLike[str]) -> Path:
    """``text`` with a leading ``~`` / ``~user`` expanded.

    ``ValueError`` when the user is unknown, the home folder cannot be found or the path
    holds a NUL byte.
    """
    path = Path(text)
    if "\0" in str(path):
        raise ValueError(f"{str(path)!r} holds a NUL byte: a path cannot")
    try:
        return path.expanduser()
    except RuntimeError:
        user = str(path).split(os.sep, 1)[0]
        raise ValueError(
            f"{path}: cannot expand {user} (no such user, or no home folder): write the full path"
        ) from None


def file_problem(path: Path) -> str | None:
    """Why ``path`` cannot be read as a file (missing, a folder, a device), else None.

    A pipe (``/dev/stdin``, ``<(...)``) is a file: it ends.
    """
    try:
        mode = path.stat().st_mode
    except (OSError, ValueError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        return f"{path}: {reason.lower() if reason[:1].isupper() else reason}"
    if stat.S_ISDIR(mode):
        return f"{path} is a folder: name a file"
    if not (stat.S_ISREG(mode) or stat.S_ISFIFO(mode)):
        return f"{path} is a device, not a file: name a file"
    return None


def read_text(path: Path, limit: int = MAX_TEXT_BYTES) -> str:
    """The UTF-8 text of a small file (a UTF-8 BOM is dropped).

    ``ValueError`` saying why when it is not a readable file, larger than ``limit`` bytes or
    not UTF-8.
    """
    problem = file_problem(path)
    if problem is not None:
        raise ValueError(problem)
    try:
        with path.open("rb") as handle:
            data = handle.read(limit + 1)
    except OSError as exc:
        raise ValueError(f"{path}: {exc.strerror or exc}") from None
    if len(data) > limit:
        raise ValueError(f"{path} is larger than {limit:,} bytes: is it the right file?")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        where = f"byte {exc.start + 1}"
        raise ValueError(f"{path}: not UTF-8 text ({where}): save it as UTF-8") from None


def _expanded(value: Any) -> Any:
    return expand_path(value) if isinstance(value, str) else value


def _usable(path: Path) -> Path:
    problem = file_problem(path) if path.exists() else None  # missing: said where it is read
    if problem is not None:
        raise ValueError(problem)
    return path


SettingFile = Annotated[Path, BeforeValidator(_expanded), AfterValidator(_usable)]
"""A file a setting names (playbook, model, key, metrics): ``~`` expanded; a folder or a
device refused (one is read or written whole)."""

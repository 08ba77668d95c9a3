"""Where a key sits in a TOML file, for error messages (``file:line``).

``tomllib`` keeps no positions, so this scans the text: table headers (``[push]``,
``[[sources]]``, counted per name) and ``key = value`` lines, dotted keys included. It is
best effort (a key inside a multi-line value or an inline table is not found) and only
ever used to point at a line.
"""

from __future__ import annotations

import re

Path_ = tuple[str | int, ...]

_ARRAY = re.compile(r"^\s*\[\[\s*([^\]]+?)\s*\]\]")
_TABLE = re.compile(r"^\s*\[\s*([^\]]+?)\s*\]")
_NAME = r"""(?:[A-Za-z0-9_\-]+|"[^"]*"|'[^']*')"""
_KEY = re.compile(rf"^\s*({_NAME}(?:\s*\.\s*{_NAME})*)\s*=")


def _parts(dotted: str) -> list[str]:
    """``a . "b"`` → ``["a", "b"]`` (a quoted key holding a dot is not supported)."""
    return [part.strip().strip("\"'") for part in dotted.split(".")]


def key_lines(text: str) -> dict[Path_, int]:
    """Line number (1-based) of every table and key found, by path.

    ``[[sources]]`` tables get their index: the ``path`` key of the second one is
    ``("sources", 1, "path")``.
    """
    found: dict[Path_, int] = {}
    arrays: dict[tuple[str, ...], int] = {}
    table: Path_ = ()
    for number, line in enumerate(text.splitlines(), start=1):
        if match := _ARRAY.match(line):
            name = tuple(_parts(match.group(1)))
            index = arrays.get(name, -1) + 1
            arrays[name] = index
            table = (*name, index)
            found.setdefault(name, number)
            found[table] = number
        elif match := _TABLE.match(line):
            table = tuple(_parts(match.group(1)))
            found.setdefault(table, number)
        elif match := _KEY.match(line):
            found.setdefault((*table, *_parts(match.group(1))), number)
    return found


def line_of(lines: dict[Path_, int], path: Path_) -> int | None:
    """The line of ``path``, else of its nearest parent that was found."""
    for end in range(len(path), 0, -1):
        line = lines.get(path[:end])
        if line is not None:
            return line
    return None

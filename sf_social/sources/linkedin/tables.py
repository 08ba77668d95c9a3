"""CSV tables of a LinkedIn export: find the header, read rows, survive broken quoting.

``Connections.csv`` starts with a few lines of notes before its header; the other files
start with theirs. The header is the first row holding every required column (matched
case-insensitively, spaces trimmed); an export in another language has translated headers
and gets one clear error for the file instead of rows of nonsense.

Rows are read one record at a time from a physical line: a record whose quoting is broken
(an unclosed quote swallows the lines after it, or the field count is wrong) becomes a
``FeedLineError`` for its first line, and reading resumes at the next physical line, so one
bad row costs one row.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass

from sf_social.errors import FeedLineError

MAX_RECORD_LINES = 2_000
"""A record spanning more physical lines than this is taken as broken quoting."""


@dataclass(frozen=True)
class Row:
    """One data row: its first line number and its cells by lower-case column name."""

    line: int
    cells: dict[str, str]

    def get(self, column: str) -> str:
        return (self.cells.get(column) or "").strip()


def norm(column: str) -> str:
    return " ".join(column.strip().lower().split())


def read_table(text: str, file: str, required: tuple[str, ...]) -> Iterator[Row | FeedLineError]:
    """The rows of ``file`` after its header; errors for the header or single rows."""
    lines = text.splitlines(keepends=True)
    header_at, header = _find_header(lines, required)
    if header is None:
        first = next((ln.strip() for ln in lines if ln.strip()), "")
        wanted = ", ".join(required)
        yield FeedLineError(
            file,
            1,
            "header",
            f"no header row with the columns {wanted} (first line: {first[:120]!r}); an"
            " export in another language? Switch LinkedIn to English and export again",
        )
        return
    columns = [norm(c) for c in header]
    i = header_at + 1
    while i < len(lines):
        if not lines[i].strip():
            i += 1
            continue
        record, used = _one_record(lines, i)
        line_no = i + 1
        if record is None or len(record) != len(columns):
            got = "unreadable quoting" if record is None else f"{len(record)} fields"
            yield FeedLineError(
                file,
                line_no,
                "",
                f"broken row ({got}, expected {len(columns)}): check its quotes; row skipped",
            )
            i += 1
            continue
        yield Row(line_no, dict(zip(columns, record, strict=True)))
        i += used


def _find_header(lines: list[str], required: tuple[str, ...]) -> tuple[int, list[str] | None]:
    for index, line in enumerate(lines[:50]):
        try:
            cells = next(csv.reader([line]), [])
        except csv.Error:
            continue
        if set(required) <= {norm(c) for c in cells}:
            return index, cells
    return -1, None


def _one_record(lines: list[str], start: int) -> tuple[list[str] | None, int]:
    """The CSV record starting at ``lines[start]`` and how many lines it used."""
    used = 0

    def feed() -> Iterator[str]:
        nonlocal used
        for line in lines[start : start + MAX_RECORD_LINES]:
            used += 1
            yield line

    try:
        record = next(csv.reader(feed(), strict=True))
    except (csv.Error, StopIteration):
        return None, max(used, 1)
    if used >= MAX_RECORD_LINES:
        return None, used
    return record, used

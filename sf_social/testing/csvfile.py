"""Bulk API 2.0 job data read as strictly as the Bulk API documents it ("Valid CSV Record Rows").

- rows end with the job's ``lineEnding`` (``LF`` or ``CRLF``), the last one optionally;
- a value holding the delimiter, a carriage return, a line feed or a double quote must be
  enclosed in double quotes, and a double quote inside is doubled (``"say ""hi"" now"``);
- values are not trimmed; after a closing quote only the delimiter or the line ending may
  follow (``"John", "Smith"`` is an error).

Python's ``csv`` module is lenient where Salesforce is not (a bare carriage return in an
unquoted value ends its row there): this reader refuses instead, with the row it was in.
"""

from __future__ import annotations


class CsvSyntaxError(ValueError):
    """Job data that breaks the CSV rules; ``row`` counts from 1 (the header)."""

    def __init__(self, row: int, problem: str) -> None:
        super().__init__(f"row {row}: {problem}")
        self.row = row
        self.problem = problem


def read_rows(text: str, delimiter: str = ",", line_ending: str = "LF") -> list[list[str]]:
    """Every row of ``text`` (blank lines skipped); :class:`CsvSyntaxError` at the first fault."""
    ending = "\r\n" if line_ending == "CRLF" else "\n"
    rows: list[list[str]] = []
    row: list[str] = []
    pos, number = 0, 1
    while pos < len(text):
        if text[pos] == '"':
            value, pos = _quoted(text, pos, number)
            if not text.startswith((delimiter, ending), pos) and pos < len(text):
                raise CsvSyntaxError(number, f"{text[pos]!r} after a closing quote")
        else:
            value, pos = _bare(text, pos, delimiter, ending, number)
        row.append(value)
        if text.startswith(delimiter, pos):
            pos += len(delimiter)
            if pos == len(text):
                row.append("")
            continue
        if row != [""]:
            rows.append(row)
        row, pos, number = [], pos + len(ending), number + 1
    return rows


def _quoted(text: str, pos: int, number: int) -> tuple[str, int]:
    parts: list[str] = []
    start = pos + 1
    while True:
        end = text.find('"', start)
        if end < 0:
            raise CsvSyntaxError(number, "a quoted value is never closed")
        parts.append(text[start:end])
        if text.startswith('"', end + 1):
            parts.append('"')
            start = end + 2
            continue
        return "".join(parts), end + 1


def _bare(text: str, pos: int, delimiter: str, ending: str, number: int) -> tuple[str, int]:
    end = pos
    while end < len(text) and not text.startswith((delimiter, ending), end):
        char = text[end]
        if char in '"\r\n':
            raise CsvSyntaxError(number, f"unquoted value holds {char!r}: quote the value")
        end += 1
    return text[pos:end], end

"""SOQL text built safely: every literal goes through :func:`quote`, nothing else.

Handles such as ``o'brien`` or ``x' OR Name LIKE '%`` are data: :func:`escape` applies the
escape sequences of the SOQL reference ("Quoted String Escape Sequences"): ``\\\\``, ``\\'``,
``\\"``, ``\\n``, ``\\r``, ``\\t``, ``\\b``, ``\\f``, and ``\\uXXXX`` for any other control
character. ``\\_`` and ``\\%`` are valid only inside LIKE patterns (:func:`escape_like`).

Limits (Salesforce docs, "SOQL and SOSL Limits" and knowledge article 000386264):

- a SOQL statement may be up to 100,000 characters long;
- a REST call's URI plus headers may be up to 16,384 bytes (414/431 above it), so a query
  sent as ``GET /query?q=...`` must stay well under that once URL-encoded;
- one query answer holds at most 2,000 rows (then ``nextRecordsUrl``).

:func:`select_in` splits long ``IN`` lists into as many statements as those limits require.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from urllib.parse import quote_plus

MAX_SOQL_CHARS = 100_000
"""Longest SOQL statement Salesforce accepts."""

MAX_GET_QUERY_BYTES = 12_000
"""Budget for ``q=`` of a GET query once URL-encoded (16,384 for URI + headers, with room)."""

MAX_ROWS = 2_000
"""Rows in one query answer before Salesforce pages with ``nextRecordsUrl``."""

_ESCAPES = {
    "\\": "\\\\",
    "'": "\\'",
    '"': '\\"',
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
    "\b": "\\b",
    "\f": "\\f",
}
_PLAIN = re.compile(r"[^\\'\"\x00-\x1f\x7f]*\Z")
"""A value holding no character :func:`escape` changes."""
_IDENTIFIER = re.compile(r"^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)*$")


def escape(value: str) -> str:
    """``value`` with every character SOQL reserves inside quotes escaped."""
    if _PLAIN.match(value):  # most keys and handles: nothing to escape
        return value
    out: list[str] = []
    for char in value:
        replacement = _ESCAPES.get(char)
        if replacement is not None:
            out.append(replacement)
        elif ord(char) < 0x20 or char == "\x7f":
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(char)
    return "".join(out)


def escape_like(value: str) -> str:
    """``value`` escaped for a LIKE pattern: also ``_`` and ``%`` match only themselves."""
    return escape(value).replace("_", "\\_").replace("%", "\\%")


def quote(value: str) -> str:
    """A SOQL string literal: ``'o\\'brien'``."""
    return f"'{escape(value)}'"


def identifier(name: str) -> str:
    """``name`` if it is a plain SOQL field/object name; ``ValueError`` otherwise.

    Names never come from social data, but checking them keeps the only way into a
    statement :func:`quote`.
    """
    if not _IDENTIFIER.match(name):
        raise ValueError(f"not a SOQL identifier: {name!r}")
    return name


def measure_get(soql: str) -> int:
    """Length of ``soql`` as the ``q`` parameter of a GET query (URL-encoded)."""
    return len(quote_plus(soql))


def select_in(
    sobject: str,
    fields: Sequence[str],
    any_in: Mapping[str, Iterable[str]],
    *,
    where: Mapping[str, str] | None = None,
    max_length: int = MAX_SOQL_CHARS,
    max_values: int = MAX_ROWS,
    measure: Callable[[str], int] = len,
    exact: Collection[str] = (),
) -> list[str]:
    """``SELECT fields FROM sobject WHERE [a = 'x' AND] (f IN (...) OR g IN (...))``, split.

    Values are deduplicated case-insensitively (SOQL compares text that way), except in the
    fields named in ``exact`` (case-sensitive external ids: ``abc`` and ``ABC`` are two
    records, and dropping one would treat it as new), and spread
    over as few statements as ``max_length`` (as ``measure`` counts it; it must add up
    character by character, as ``len`` and :func:`measure_get` do) and ``max_values`` per
    statement allow. No values → no statement.
    """
    selected = ", ".join(identifier(f) for f in fields)
    head = f"SELECT {selected} FROM {identifier(sobject)} WHERE "  # noqa: S608 (names checked)
    fixed = " AND ".join(f"{identifier(k)} = {quote(v)}" for k, v in (where or {}).items())
    if fixed:
        head += fixed + " AND "
    pairs: list[tuple[str, str]] = []
    for field, values in any_in.items():
        identifier(field)
        seen: set[str] = set()
        for value in values:
            folded = value if field in exact else value.casefold()
            if value and folded not in seen:
                seen.add(folded)
                pairs.append((field, value))
    statements: list[str] = []
    current: dict[str, list[str]] = {}
    base = measure(head) + measure("()")
    length = base
    for field, value in pairs:
        literal = measure(quote(value))
        if field in current:
            grow = measure(",") + literal
        else:
            grow = measure(f"{field} IN ()") + literal + (measure(" OR ") if current else 0)
        if current and (
            length + grow > max_length or sum(map(len, current.values())) >= max_values
        ):
            statements.append(_render(head, current))
            current, length = {}, base
            grow = measure(f"{field} IN ()") + literal
        if length + grow > max_length:
            raise ValueError(f"one value alone makes a query longer than {max_length}: {value!r}")
        current.setdefault(field, []).append(value)
        length += grow
    if current:
        statements.append(_render(head, current))
    return statements


def _render(head: str, groups: Mapping[str, Sequence[str]]) -> str:
    conditions = [
        f"{field} IN ({','.join(quote(v) for v in values)})" for field, values in groups.items()
    ]
    return head + "(" + " OR ".join(conditions) + ")"

"""The literal strings a regex cannot match without: a cheap test before searching.

``required_literals(pattern)`` gives a set of strings such that every match of
``pattern`` contains at least one of them. A text holding none of them cannot match, so a
few ``in`` tests (fast, in C) replace a search that would try every start position:
``\\b(?:\\d+|two|three) (?:times|tries)`` needs "times" or "tries" somewhere, whatever
comes before. The set is derived from the parsed pattern, for any playbook's regexes; when
nothing can be said (``.``, ``\\d`` which also matches non-ASCII digits, case-insensitive
parts, an optional group) the answer is None and the regex is simply searched.
"""

from __future__ import annotations

import re
from re import _constants as sre  # type: ignore[attr-defined]  # Python 3.11+
from re import _parser as sre_parse  # type: ignore[attr-defined]
from typing import Any

Literals = frozenset[str]

_REPEATS = {sre.MAX_REPEAT, sre.MIN_REPEAT, getattr(sre, "POSSESSIVE_REPEAT", sre.MAX_REPEAT)}
_ATOMIC = getattr(sre, "ATOMIC_GROUP", None)
_MAX_CLASS = 8
"""A character class of at most this many characters counts as that many literals."""


def required_literals(pattern: str) -> Literals | None:
    """Strings one of which every match of ``pattern`` contains; None when unknown."""
    try:
        parsed = sre_parse.parse(pattern)
    except re.error:
        return None
    if parsed.state.flags & re.IGNORECASE:
        return None
    return _sequence(list(parsed))


def anchored_at_start(pattern: str) -> bool:
    """Whether every match of ``pattern`` starts at the text's start (``^`` or ``\\A`` first,
    no top-level alternative, no MULTILINE): then ``match`` finds what ``search`` would."""
    try:
        parsed = sre_parse.parse(pattern)
    except re.error:
        return False
    if parsed.state.flags & re.MULTILINE or not len(parsed):
        return False
    op, av = parsed[0]
    return op is sre.AT and av in (sre.AT_BEGINNING, sre.AT_BEGINNING_STRING)


def _sequence(items: list[tuple[Any, Any]]) -> Literals | None:
    """The best required set among the items of a concatenation (each one is required)."""
    found: list[Literals] = []
    run: list[str] = []
    for op, av in items:
        if op is sre.LITERAL:
            run.append(chr(av))
            continue
        if run:
            found.append(frozenset({"".join(run)}))
            run = []
        part = _item(op, av)
        if part is not None:
            found.append(part)
    if run:
        found.append(frozenset({"".join(run)}))
    return max(found, key=_selectivity, default=None)


def _item(op: Any, av: Any) -> Literals | None:
    if op is sre.SUBPATTERN:
        _, add_flags, _, body = av
        return None if add_flags & re.IGNORECASE else _sequence(list(body))
    if op is _ATOMIC:
        return _sequence(list(av))
    if op is sre.BRANCH:
        union: set[str] = set()
        for branch in av[1]:
            alternative = _sequence(list(branch))
            if alternative is None:
                return None
            union |= alternative
        return frozenset(union)
    if op in _REPEATS:
        low, _, body = av
        return _sequence(list(body)) if low >= 1 else None
    if op is sre.IN:
        return _class(av)
    return None  # anchors, lookarounds, any character, categories, back-references


def _class(members: list[tuple[Any, Any]]) -> Literals | None:
    chars: set[str] = set()
    for op, av in members:
        if op is sre.LITERAL:
            chars.add(chr(av))
        elif op is sre.RANGE and av[1] - av[0] < _MAX_CLASS:
            chars.update(chr(code) for code in range(av[0], av[1] + 1))
        else:  # a negation, a category (\d, \w, \s) or a wide range
            return None
    return frozenset(chars) if 0 < len(chars) <= _MAX_CLASS else None


def _selectivity(literals: Literals) -> tuple[int, int]:
    """Longer shortest string first (rarer in text), then fewer strings (fewer tests)."""
    return min(len(text) for text in literals), -len(literals)

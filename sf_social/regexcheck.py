"""Refuse playbook regexes whose matching time can explode on a hostile post.

Python's ``re`` backtracks: a pattern can take time exponential (or quadratic, with a
large constant) in the length of the text it searches. Posts are written by strangers,
so ``load_playbook`` refuses, with the rule's file:line, the three shapes that do this:

- an unbounded ``.*`` / ``.+`` followed by more pattern: each start position scans the
  rest of the post (12.6 s on 100,000 characters for the old sarcasm rule). Write
  ``.{0,120}`` (a bounded window) or a phrase with ``...`` (skips up to 5 words);
- an unbounded quantifier inside another one (``(a+)+``, ``(\\w+\\s?)*``), unless the
  inner one is followed, inside the repetition, by a character it cannot match
  (``(?:@\\S+ )*`` is fine: ``\\S+`` stops at the space);
- two unbounded quantifiers next to each other that can match the same character
  (``\\w+\\d+``, ``\\s*\\s+``).

Bounded repeats (``{0,40}``) are always accepted. Not detected: ambiguous alternatives
under a repetition (``(a|aa)+``); a check that caught them refused harmless playbook
rules such as ``(?:last |latest )*``. The check is static (no time cap at
match time): a refused rule is an error at load, never a stalled sync.
"""

from __future__ import annotations

import re
from re import _constants as sre  # type: ignore[attr-defined]  # Python 3.11+
from re import _parser as sre_parse  # type: ignore[attr-defined]
from typing import Any

_REPEATS = {sre.MAX_REPEAT, sre.MIN_REPEAT, getattr(sre, "POSSESSIVE_REPEAT", sre.MAX_REPEAT)}
_PROBES = "aZé0_ \t\n.@#$-'!/,"
"""Characters used to decide whether two single-character matchers overlap."""


class CatastrophicPattern(ValueError):
    """A regex whose matching time can grow explosively with the text."""


def check_regex(pattern: str) -> None:
    """Raise ``CatastrophicPattern`` (what is wrong, what to write) for a dangerous regex."""
    parsed = sre_parse.parse(pattern)
    _walk(list(parsed), followed=False, inside_repeat=False)


def _unbounded(item: tuple[Any, Any]) -> bool:
    op, av = item
    return op in _REPEATS and av[1] == sre.MAXREPEAT


def _walk(seq: list[tuple[Any, Any]], followed: bool, inside_repeat: bool) -> None:
    for index, item in enumerate(seq):
        op, av = item
        later = followed or index < len(seq) - 1
        if op in _REPEATS:
            body = list(av[2])
            if _unbounded(item):
                if later and _any_char(body):
                    raise CatastrophicPattern(
                        "'.*' or '.+' followed by more pattern backtracks over the whole"
                        " post: use a bounded window such as '.{0,120}', or a phrase with"
                        " '...'"
                    )
                if inside_repeat and not _stopped(seq, index):
                    raise CatastrophicPattern(
                        "an unbounded quantifier inside another one ('(a+)+') can take"
                        " exponential time: bound one of them, e.g. '{0,40}'"
                    )
                if (
                    index + 1 < len(seq)
                    and _unbounded(seq[index + 1])
                    and _overlap(_first_chars(body), _first_chars(list(seq[index + 1][1][2])))
                ):
                    raise CatastrophicPattern(
                        "two unbounded quantifiers next to each other match the same"
                        " characters ('\\w+\\d+'): merge them or bound one, e.g. '{1,40}'"
                    )
            loops = _unbounded(item)
            _walk(body, followed=later or loops, inside_repeat=inside_repeat or loops)
        elif op is sre.SUBPATTERN:
            _walk(list(av[-1]), later, inside_repeat)
        elif op is sre.BRANCH:
            for alternative in av[1]:
                _walk(list(alternative), later, inside_repeat)
        elif op in (sre.ASSERT, sre.ASSERT_NOT):
            _walk(list(av[1]), False, inside_repeat)


def _any_char(body: list[tuple[Any, Any]]) -> bool:
    return len(body) == 1 and body[0][0] is sre.ANY


def _stopped(seq: list[tuple[Any, Any]], index: int) -> bool:
    """Whether the unbounded ``seq[index]`` is followed by a character it cannot match."""
    if index + 1 >= len(seq):
        return False
    mine = _first_chars(list(seq[index][1][2]))
    after = _single(seq[index + 1])
    return mine is not None and after is not None and not (mine & after)


def _first_chars(body: list[tuple[Any, Any]]) -> set[str] | None:
    """The probe characters the first item of ``body`` can match (None: unknown, any)."""
    if not body:
        return None
    first = body[0]
    if first[0] is sre.SUBPATTERN:
        return _first_chars(list(first[1][-1]))
    if first[0] in _REPEATS and first[1][0] > 0:
        return _first_chars(list(first[1][2]))
    return _single(first)


def _single(item: tuple[Any, Any]) -> set[str] | None:
    """The probe characters a one-character matcher accepts (None: not one, or unknown)."""
    op, av = item
    if op is sre.LITERAL:
        return {chr(av)}
    if op is sre.NOT_LITERAL:
        return {c for c in _PROBES if c != chr(av)}
    if op is sre.ANY:
        return {c for c in _PROBES if c != "\n"}
    if op is sre.IN:
        return {c for c in _PROBES if _in(av, c)}
    return None


def _in(items: list[tuple[Any, Any]], char: str) -> bool:
    negate = False
    hit = False
    for op, av in items:
        if op is sre.NEGATE:
            negate = True
        elif op is sre.LITERAL:
            hit |= char == chr(av)
        elif op is sre.RANGE:
            hit |= av[0] <= ord(char) <= av[1]
        elif op is sre.CATEGORY:
            hit |= _category(av, char)
        else:
            return True  # unknown: assume it matches
    return hit != negate


def _category(category: Any, char: str) -> bool:
    tests = {
        sre.CATEGORY_DIGIT: lambda c: bool(re.match(r"\d", c)),
        sre.CATEGORY_NOT_DIGIT: lambda c: not re.match(r"\d", c),
        sre.CATEGORY_SPACE: lambda c: bool(re.match(r"\s", c)),
        sre.CATEGORY_NOT_SPACE: lambda c: not re.match(r"\s", c),
        sre.CATEGORY_WORD: lambda c: bool(re.match(r"\w", c)),
        sre.CATEGORY_NOT_WORD: lambda c: not re.match(r"\w", c),
    }
    test = tests.get(category)
    return True if test is None else bool(test(char))


def _overlap(a: set[str] | None, b: set[str] | None) -> bool:
    return a is None or b is None or bool(a & b)

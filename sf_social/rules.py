"""Compiled playbook rules: weighted phrases and regexes matched against normalized text.

Phrase syntax: words separated by spaces; ``word*`` matches any word starting with
``word``; ``...`` skips up to five words. A word also matches its possessive ("contoso"
matches "contoso's") and its hashtag
("fail" matches "#fail"); "#fail" matches only the hashtag. Each rule counts once per post.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sf_social.playbook import Rule
from sf_social.text import normalize


@dataclass(frozen=True, slots=True)
class Hit:
    """One rule that matched, with the text it matched."""

    rule: str
    weight: float
    matched: str


class RuleSet:
    """A list of weighted rules compiled once; ``match`` scans a token string."""

    def __init__(self, name: str, rules: list[Rule]) -> None:
        self.name = name
        phrases = [r for r in rules if r.phrase is not None]
        phrases.sort(key=lambda r: -len(str(r.phrase).split()))
        self._phrases = phrases
        alternatives = [f"(?P<p{i}>{phrase_pattern(str(r.phrase))})" for i, r in enumerate(phrases)]
        self._phrase_re = re.compile("|".join(alternatives)) if alternatives else None
        self._regexes = [(r, re.compile(str(r.regex))) for r in rules if r.regex is not None]

    def match(self, tokens: str) -> list[Hit]:
        """Every rule that matches ``tokens`` (once each), in order of appearance."""
        hits: dict[str, Hit] = {}
        if self._phrase_re is not None:
            for found in self._phrase_re.finditer(tokens):
                rule = self._phrases[int(str(found.lastgroup)[1:])]
                label = f"'{rule.phrase}'"
                hits.setdefault(label, Hit(label, rule.weight, found.group()))
        for rule, pattern in self._regexes:
            searched = pattern.search(tokens)
            if searched is not None:
                label = f"/{rule.regex}/"
                hits.setdefault(label, Hit(label, rule.weight, searched.group()))
        return list(hits.values())


def score(hits: list[Hit]) -> float:
    """The summed weight of ``hits``."""
    return sum(hit.weight for hit in hits)


def phrase_pattern(phrase: str) -> str:
    """The regex for one phrase over a normalized token string."""
    parts = []
    for word in phrase.split():
        if word == "...":
            parts.append(r"(?:\S+ ){0,5}")
            continue
        core = normalize(word.rstrip("*")).tokens
        if not core:
            raise ValueError(f"phrase {phrase!r}: {word!r} has nothing to match")
        suffix = r"\S*" if word.endswith("*") else "(?:'s)?"
        parts.append(re.escape(core) + suffix + " ")
    if not parts or all(p.startswith("(?:") for p in parts):
        raise ValueError(f"phrase {phrase!r} has no words")
    while parts[-1].startswith("(?:"):  # a trailing gap adds nothing (and has no space to cut)
        parts.pop()
    return r"(?<![^\s#])" + "".join(parts)[:-1] + r"(?!\S)"

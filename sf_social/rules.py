"""Compiled playbook rules: weighted phrases and regexes matched against normalized text.

Phrase syntax: words separated by spaces; ``word*`` matches any word starting with
``word``; ``...`` skips up to five words. A word also matches its possessive ("contoso"
matches "contoso's") and its hashtag ("fail" matches "#fail"); "#fail" matches only the
hashtag. Each rule counts once per post.

All rule sets of a playbook go into one ``RuleBook``: phrases are indexed by their first
word (then by their second), so a post is scanned once, whatever the number of rules; a
regex is searched only in the posts holding one of its required literals.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sf_social.phrases import parse_phrase
from sf_social.regexliterals import anchored_at_start, required_literals

if TYPE_CHECKING:
    from sf_social.playbook import Rule

GAP = 5
"""How many words ``...`` may skip."""
_MAX_LITERALS = 8
_SHORTEST_LITERAL = 3
"""A regex is searched only in posts holding one of its required literals when there is
one, or at most ``_MAX_LITERALS`` of at least ``_SHORTEST_LITERAL`` characters (a shorter
one, such as "is", is in most posts: testing it costs more than it saves)."""


@dataclass(frozen=True, slots=True)
class Hit:
    """One rule that matched, with the text it matched."""

    rule: str
    weight: float
    matched: str


_Word = tuple[str, str] | None
"""A compiled phrase word: ("=", word), ("#", hashtag) or ("*", prefix); None is a gap."""


@dataclass(frozen=True, slots=True)
class _Phrase:
    rule_set: str
    label: str
    weight: float
    words: tuple[str | None, ...]  # None is a gap; a word ending in "*" is a prefix
    rest: tuple[_Word, ...]  # the words after the first (found by the index), compiled
    tail: tuple[_Word, ...]  # the words after the second


class RuleBook:
    """Named rule sets compiled together; ``match`` returns the hits of every set."""

    CACHE_LIMIT = 200_000
    """Distinct tokens whose candidate phrases are remembered (then the cache restarts)."""

    def __init__(self, rule_sets: dict[str, list[Rule]]) -> None:
        self._cache: dict[str, _Candidates] = {}
        self._exact: dict[str, list[_Phrase]] = defaultdict(list)
        self._prefix: dict[str, list[_Phrase]] = defaultdict(list)
        self._regexes: list[tuple[str, str, float, _Regex]] = []
        masks: dict[str, int] = defaultdict(int)  # a literal → the regexes it is required by
        self._unfiltered = 0  # the regexes searched in every post
        for name, rules in rule_sets.items():
            for rule in rules:
                if rule.regex is not None:
                    label = f"/{rule.regex}/"
                    regex = _Regex(rule.regex)
                    bit = 1 << len(self._regexes)
                    self._regexes.append((name, label, rule.weight, regex))
                    for literal in regex.literals or ():
                        masks[literal] |= bit
                    if regex.literals is None:
                        self._unfiltered |= bit
                    continue
                words = parse_phrase(str(rule.phrase))
                rest = tuple(_compile(word) for word in words[1:])
                phrase = _Phrase(name, f"'{rule.phrase}'", rule.weight, words, rest, rest[1:])
                first = str(words[0])
                if first.endswith("*"):
                    self._prefix[first[:2]].append(phrase)  # prefixes have 2+ letters
                else:
                    self._exact[first].append(phrase)
        self._literals = tuple(masks.items())

    def match(self, tokens: str) -> dict[str, list[Hit]]:
        """Rule set name → the rules that match ``tokens``, each once, in order found.

        Within a rule set, matches do not overlap: the leftmost, then longest, wins (so
        "app down again" counts once, not as both "app down" and "down again").
        """
        words = tokens.split(" ")
        # Most posts have no hashtag or possessive: then every word is its own bare form.
        bares = words if "#" not in tokens and "'s" not in tokens else [_bare(w) for w in words]
        # (start, end, order among the word's candidates, phrase) per rule set
        spans: dict[str, list[tuple[int, int, int, _Phrase]]] = defaultdict(list)
        cache = self._cache
        last = len(words) - 1
        for start, word in enumerate(words):
            candidates = cache.get(word)
            if candidates is None:
                candidates = self._candidates(word)
            if candidates is _NONE:
                continue
            singles, by_next, others = candidates
            for order, phrase in singles:
                spans[phrase.rule_set].append((start, start + 1, order, phrase))
            if by_next and start < last:  # the index lookup matched the first two words
                following = words[start + 1]
                bare = bares[start + 1]
                pairs = by_next.get(following, ())
                if bare != following and bare in by_next:
                    pairs = tuple(sorted((*pairs, *by_next[bare]), key=_order))
                for order, phrase in pairs:
                    tail = phrase.tail
                    end = _match_at(tail, words, bares, start + 2) if tail else start + 2
                    if end is not None:
                        spans[phrase.rule_set].append((start, end, order, phrase))
            for order, phrase in others:
                end = _match_at(phrase.rest, words, bares, start + 1)
                if end is not None:
                    spans[phrase.rule_set].append((start, end, order, phrase))
        found: dict[str, dict[str, Hit]] = {}
        for name, matched in spans.items():
            if len(matched) > 1:
                matched.sort(key=_leftmost_longest)
            found[name] = hits = {}
            taken_until = 0
            for start, end, _, phrase in matched:
                if start >= taken_until and phrase.label not in hits:
                    hits[phrase.label] = Hit(
                        phrase.label,
                        phrase.weight,
                        words[start] if end == start + 1 else " ".join(words[start:end]),
                    )
                    taken_until = end
        searched_ones = self._unfiltered
        for literal, mask in self._literals:
            if literal in tokens:
                searched_ones |= mask
        regexes = self._regexes
        while searched_ones:  # in rule order, from the lowest bit
            bit = searched_ones & -searched_ones
            searched_ones ^= bit
            name, label, weight, regex = regexes[bit.bit_length() - 1]
            searched = regex.search(tokens)
            if searched is not None:
                known = found.get(name)
                if known is None:
                    found[name] = {label: Hit(label, weight, searched)}
                elif label not in known:
                    known[label] = Hit(label, weight, searched)
        return {name: list(hits.values()) for name, hits in found.items()}

    def _candidates(self, word: str) -> _Candidates:
        """The phrases whose first word ``word`` matches, grouped for ``match``."""
        bare = _bare(word)
        phrases = list(self._exact.get(word, ()))
        if bare != word and not bare.startswith("#"):  # "##fail" is not the hashtag "#fail"
            phrases += self._exact.get(bare, ())
        phrases += [
            phrase
            for phrase in self._prefix.get(bare[:2], ())
            if _word_matches(str(phrase.words[0]), word)
        ]
        if len(self._cache) >= self.CACHE_LIMIT:
            self._cache.clear()
        self._cache[word] = found = _group(phrases) if phrases else _NONE
        return found


_Ordered = tuple[int, _Phrase]
_Candidates = tuple[tuple[_Ordered, ...], dict[str, tuple[_Ordered, ...]], tuple[_Ordered, ...]]
"""A word's candidate phrases, each with its place among them: one-word phrases, phrases
by their plain second word (matched by a lookup of the next word), and the others."""
_NONE: _Candidates = ((), {}, ())


def _group(phrases: list[_Phrase]) -> _Candidates:
    singles: list[_Ordered] = []
    by_next: dict[str, list[_Ordered]] = defaultdict(list)
    others: list[_Ordered] = []
    for order, phrase in enumerate(phrases):
        second = phrase.rest[0] if phrase.rest else None
        if not phrase.rest:
            singles.append((order, phrase))
        elif second is not None and second[0] == "=":
            by_next[second[1]].append((order, phrase))
        else:
            others.append((order, phrase))
    grouped = {word: tuple(pairs) for word, pairs in by_next.items()}
    return tuple(singles), grouped, tuple(others)


def _order(pair: _Ordered) -> int:
    return pair[0]


def _leftmost_longest(span: tuple[int, int, int, _Phrase]) -> tuple[int, int, int]:
    """Leftmost first, then longest, then in the order the word's candidates were found."""
    return span[0], span[0] - span[1], span[2]


class _Regex:
    """A regex rule. ``literals`` are the strings one of which a text must hold to match
    (``sf_social.regexliterals``), when they are few and not too short: ``RuleBook``
    searches only the regexes whose literals a post holds. Most posts hold none, and an
    ``in`` test costs less than a search, above all for patterns without a literal prefix.

    A leading ``\\b`` before a literal letter is checked by hand: in
    Python's ``re`` it disables the literal-prefix scan, which makes such patterns several
    times slower. Before anything else (``\\b\\d+ hours``) it stays in the pattern: there
    it stops a search at once inside a run of digits, where without it every start position
    would scan the run again (quadratic: 0.9 s on a 10,000-digit token)."""

    def __init__(self, pattern: str) -> None:
        self.boundary = pattern.startswith(r"\b") and pattern[2:3].isalpha()
        self.pattern = re.compile(pattern[2:] if self.boundary else pattern)
        self.anchored = anchored_at_start(pattern)  # one try at 0, not one per position
        literals = sorted(required_literals(pattern) or ())
        worth = len(literals) == 1 or 1 < len(literals) <= _MAX_LITERALS
        worth = worth and (len(literals) == 1 or min(map(len, literals)) >= _SHORTEST_LITERAL)
        self.literals = tuple(literals) if worth else None

    def search(self, text: str) -> str | None:
        """The first match's text, as ``re.search(pattern, text)`` would find it."""
        if self.anchored:
            found = self.pattern.match(text)
            return None if found is None else found.group()
        position = 0
        while (found := self.pattern.search(text, position)) is not None:
            if not self.boundary or _word_boundary(text, found.start()):
                return found.group()
            position = found.start() + 1
        return None


def _word_boundary(text: str, index: int) -> bool:
    before = index > 0 and (text[index - 1].isalnum() or text[index - 1] == "_")
    after = index < len(text) and (text[index].isalnum() or text[index] == "_")
    return before != after


def score(hits: list[Hit]) -> float:
    """The summed weight of ``hits``."""
    return sum([hit.weight for hit in hits]) if hits else 0.0


def _bare(token: str) -> str:
    """A token without its hashtag mark and possessive ending."""
    token = token[1:] if token.startswith("#") and len(token) > 1 else token
    return token[:-2] if token.endswith("'s") and len(token) > 2 else token


def _word_matches(pattern: str, token: str) -> bool:
    if pattern.startswith("#"):
        return token == pattern or token == f"{pattern}'s"
    bare = _bare(token)
    if pattern.endswith("*"):
        return bare.startswith(pattern[:-1])
    return token == pattern or bare == pattern


def _compile(word: str | None) -> _Word:
    if word is None:
        return None
    if word.startswith("#"):
        return ("#", word)
    if word.endswith("*"):
        return ("*", word[:-1])
    return ("=", word)


def _match_at(
    pattern: tuple[_Word, ...], words: list[str], bares: list[str], start: int
) -> int | None:
    """End index if ``pattern`` matches ``words`` (``bares`` their bare forms) from ``start``."""
    position = start
    for index, expected in enumerate(pattern):
        if expected is None:
            rest = pattern[index + 1 :]
            for skip in range(GAP + 1):
                end = _match_at(rest, words, bares, position + skip)
                if end is not None:
                    return end
            return None
        if position >= len(words):
            return None
        kind, value = expected
        word = words[position]
        if kind == "=":
            if word != value and bares[position] != value:
                return None
        elif kind == "#":
            if word != value and word != f"{value}'s":
                return None
        elif not bares[position].startswith(value):
            return None
        position += 1
    return position

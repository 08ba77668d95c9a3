"""Sentiment with VADER, the lexicon model tuned for social media.

``compound_score`` is VADER's compound score, computed the way vaderSentiment 3.3 computes
it, from its own lexicons and rules, but in one pass over the words lowered once: the
reference implementation lowers the whole sentence again for every lexicon word it checks,
and computes the ``pos``/``neu``/``neg`` ratios we do not use. Words outside the lexicon
cost a dictionary lookup; the rules for the words around a lexicon word run only for
lexicon words. The tests compare both on every corpus text and on generated sentences
full of the rules' triggers (negations, boosters, "but", "least", caps, emoji, idioms).

One deliberate difference: numbers are not lexicon words here. VADER scores a few as
slang ("187" -3.1, "182" -2.9, "86" -1.6, "143" +3.2), but in posts to a brand they are
order numbers, amounts, flights and hashtags: "#187" made a Lead's question a complaint.
"""

from __future__ import annotations

import string
from functools import cache

from vaderSentiment import vaderSentiment as vader

from sf_social.classification import Sentiment

POSITIVE_AT = 0.3
"""Stricter than VADER's published 0.05: short posts to a brand carry mild positive words
("please", "help", "like", "thanks") without being positive; measured on airline, brand,
forum and general tweets, 0.3 / -0.1 beats 0.05 / -0.05 on 3-class macro-F1 on all four."""
NEGATIVE_AT = -0.1

PRAISE_POSITIVE_ABOVE = -0.3
"""Praise (thanks, a shout-out, "this slaps") is positive unless VADER reads it as clearly
negative: praise in social-media slang or without a lexicon word scores about 0."""
INFORMATIONAL_NEUTRAL = (-0.5, 0.75)
"""A question or a suggestion that is no complaint is neutral while VADER's compound stays
strictly between these: "would love a dark mode", "is the store open on sunday?" carry
mild lexicon words without being positive or negative."""

_PUNCTUATION = string.punctuation
_BOOSTERS = vader.BOOSTER_DICT
_SPECIAL_CASES = vader.SPECIAL_CASES
_NEGATIONS = frozenset(vader.NEGATE)
_NEVER_INTENSIFIED = ("so", "this")
_MARK = "\x00"


def without_numbers(lexicon: dict[str, float]) -> dict[str, float]:
    """VADER's lexicon without its number entries (see the module docstring)."""
    return {word: valence for word, valence in lexicon.items() if not word.isdigit()}


class _Vader:
    """VADER's lexicons, loaded once, and its compound score."""

    def __init__(self) -> None:
        reference = vader.SentimentIntensityAnalyzer()
        self.lexicon: dict[str, float] = without_numbers(reference.lexicon)
        self._scored = frozenset(self.lexicon.keys() - _BOOSTERS.keys())
        """The words that get a valence (lexicon words but boosters)."""
        # VADER replaces emoji one character at a time: only one-character entries apply.
        self.emojis: dict[str, str] = {e: d for e, d in reference.emojis.items() if len(e) == 1}
        self._ascii_emoji = any(emoji.isascii() for emoji in self.emojis)
        # Each emoji becomes a mark and its description; the marks then become the spaces
        # VADER puts before a description not at the start nor after a space. Only right
        # when no description is empty or ends with a space (else the loop does it).
        self._marked = {ord(e): _MARK + d for e, d in self.emojis.items()}
        self._markable = all(d and not d.endswith(" ") for d in self.emojis.values())

    def compound(self, text: str) -> float:
        """VADER's compound score of ``text`` (``polarity_scores(text)["compound"]``)."""
        if (self._ascii_emoji or not text.isascii()) and not self.emojis.keys().isdisjoint(text):
            text = self._describe_emoji(text)
        text = text.strip()
        words = [
            stripped if len(stripped := token.strip(_PUNCTUATION)) > 2 else token
            for token in text.split()
        ]
        if not words:
            return 0.0
        lower = [word.lower() for word in words]
        scored = self._scored
        found = [i for i, word in enumerate(lower) if word in scored]
        if not found:  # every valence 0: so is the compound
            return 0.0
        sentiments: list[float] = [0] * len(words)
        last = len(words) - 1
        cap_differential = None
        for i in found:
            if lower[i] == "kind" and i < last and lower[i + 1] == "of":
                continue
            if cap_differential is None:
                capitals = sum(1 for w in words if w.isupper())
                cap_differential = 0 < len(words) - capitals < len(words)
            sentiments[i] = self._valence(words, lower, i, cap_differential)
        if "but" in lower:
            sentiments = vader.SentimentIntensityAnalyzer._but_check(words, sentiments)
        total = float(sum(sentiments))
        if total > 0:
            total += _punctuation_emphasis(text)
        elif total < 0:
            total -= _punctuation_emphasis(text)
        return round(float(vader.normalize(total)), 4)

    def _describe_emoji(self, text: str) -> str:
        """``text`` with each emoji replaced by its description, after a space unless it
        starts the text or follows a space."""
        if self._markable and _MARK not in text:
            marked = text.translate(self._marked).replace(f" {_MARK}", " ")
            return marked.removeprefix(_MARK).replace(_MARK, " ")
        out: list[str] = []
        previous_space = True
        for char in text:
            description = self.emojis.get(char)
            if description is None:
                out.append(char)
                previous_space = char == " "
            else:
                if not previous_space:
                    out.append(" ")
                out.append(description)
                previous_space = False
        return "".join(out)

    def _valence(self, words: list[str], lower: list[str], i: int, cap_differential: bool) -> float:
        """The valence of lexicon word ``i`` after the rules for its neighbours
        (``SentimentIntensityAnalyzer.sentiment_valence``)."""
        lexicon = self.lexicon
        word = lower[i]
        valence = lexicon[word]
        if word == "no" and i != len(words) - 1 and lower[i + 1] in lexicon:
            valence = 0.0
        if (
            (i > 0 and lower[i - 1] == "no")
            or (i > 1 and lower[i - 2] == "no")
            or (i > 2 and lower[i - 3] == "no" and lower[i - 1] in ("or", "nor"))
        ):
            valence = lexicon[word] * vader.N_SCALAR
        if words[i].isupper() and cap_differential:
            valence += vader.C_INCR if valence > 0 else -vader.C_INCR
        for start in range(3):
            if i > start and lower[i - (start + 1)] not in lexicon:
                scalar = vader.scalar_inc_dec(words[i - (start + 1)], valence, cap_differential)
                if start == 1 and scalar != 0:
                    scalar = scalar * 0.95
                if start == 2 and scalar != 0:
                    scalar = scalar * 0.9
                valence = valence + scalar
                valence = _negation_check(valence, lower, start, i)
                if start == 2:
                    valence = _special_idioms_check(valence, lower, i)
        return _least_check(valence, lower, i, lexicon)


def _negated(word: str) -> bool:
    return word in _NEGATIONS or "n't" in word


def _negation_check(valence: float, lower: list[str], start: int, i: int) -> float:
    if start == 0:
        if _negated(lower[i - 1]):
            valence = valence * vader.N_SCALAR
    elif start == 1:
        if lower[i - 2] == "never" and lower[i - 1] in _NEVER_INTENSIFIED:
            valence = valence * 1.25
        elif lower[i - 2] == "without" and lower[i - 1] == "doubt":
            pass
        elif _negated(lower[i - 2]):
            valence = valence * vader.N_SCALAR
    else:
        if (lower[i - 3] == "never" and lower[i - 2] in _NEVER_INTENSIFIED) or lower[
            i - 1
        ] in _NEVER_INTENSIFIED:
            valence = valence * 1.25
        elif lower[i - 3] == "without" and (lower[i - 2] == "doubt" or lower[i - 1] == "doubt"):
            pass
        elif _negated(lower[i - 3]):
            valence = valence * vader.N_SCALAR
    return valence


def _special_idioms_check(valence: float, lower: list[str], i: int) -> float:
    one_zero = f"{lower[i - 1]} {lower[i]}"
    two_one_zero = f"{lower[i - 2]} {lower[i - 1]} {lower[i]}"
    two_one = f"{lower[i - 2]} {lower[i - 1]}"
    three_two_one = f"{lower[i - 3]} {lower[i - 2]} {lower[i - 1]}"
    three_two = f"{lower[i - 3]} {lower[i - 2]}"
    for sequence in (one_zero, two_one_zero, two_one, three_two_one, three_two):
        if sequence in _SPECIAL_CASES:
            valence = _SPECIAL_CASES[sequence]
            break
    if len(lower) - 1 > i:
        zero_one = f"{lower[i]} {lower[i + 1]}"
        if zero_one in _SPECIAL_CASES:
            valence = _SPECIAL_CASES[zero_one]
    if len(lower) - 1 > i + 1:
        zero_one_two = f"{lower[i]} {lower[i + 1]} {lower[i + 2]}"
        if zero_one_two in _SPECIAL_CASES:
            valence = _SPECIAL_CASES[zero_one_two]
    for n_gram in (three_two_one, three_two, two_one):
        if n_gram in _BOOSTERS:
            valence = valence + _BOOSTERS[n_gram]
    return valence


def _least_check(valence: float, lower: list[str], i: int, lexicon: dict[str, float]) -> float:
    if i > 1 and lower[i - 1] not in lexicon and lower[i - 1] == "least":
        if lower[i - 2] != "at" and lower[i - 2] != "very":
            valence = valence * vader.N_SCALAR
    elif i > 0 and lower[i - 1] not in lexicon and lower[i - 1] == "least":
        valence = valence * vader.N_SCALAR
    return valence


def _punctuation_emphasis(text: str) -> float:
    exclamations = min(text.count("!"), 4) * 0.292
    questions = text.count("?")
    if questions <= 1:
        return exclamations
    return exclamations + (questions * 0.18 if questions <= 3 else 0.96)


@cache
def _vader() -> _Vader:
    return _Vader()


def compound_score(text: str) -> float:
    """VADER's compound score of ``text``, from -1 (most negative) to 1 (most positive)."""
    return _vader().compound(text)


def label(compound: float) -> Sentiment:
    """VADER's compound as a label: >= ``POSITIVE_AT`` positive, <= ``NEGATIVE_AT`` negative."""
    if compound >= POSITIVE_AT:
        return Sentiment.POSITIVE
    if compound <= NEGATIVE_AT:
        return Sentiment.NEGATIVE
    return Sentiment.NEUTRAL

"""What a model sees of a post: word 1–2 grams, character 2–5 grams, and signals.

The same code serves training and prediction, so a model sees at prediction exactly what
it learned from. The text is as the rules normalized it (lower case, leetspeak, the
playbook's slang, URLs); then @handles become ``@user`` and digits ``0`` (``3 hours`` and
``5 hours`` are one thing, brand handles differ between orgs). Character grams are taken
inside each word, padded with a space on both sides (``" dela"``), so inflections and
typos share features.

Feature names carry their kind: ``w:still waiting``, ``c: del``, ``s:rules.Request``.
Signals (``s:``) are what the rules and the sentiment lexicon said: the model learns how
far to trust them, and they give a small training set a prior that word counts lack.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

from sf_social.classification import Segment
from sf_social.classifier import RulesSaid

CHAR_SIZES = range(2, 6)
MENTION = "@user"
URL = "<url>"  # as sf_social.text writes it
_DIGITS = str.maketrans("123456789", "000000000")

SIGNALS = (
    *(f"s:rules.{segment.value}" for segment in Segment),
    "s:rules.complaint",
    "s:vader.positive",
    "s:vader.negative",
)
"""The signal features, always present in a model, in this order."""


@dataclass(frozen=True, slots=True)
class PostFeatures:
    """A post's features by name: word and char grams (repeated as often as they occur),
    and the signal values."""

    words: list[str]
    tokens: list[str]
    signals: dict[str, float]


def word_tokens(normalized: str) -> list[str]:
    """The words of a normalized text (``sf_social.text.normalize``) as the model sees them."""
    tokens = []
    for token in normalized.split(" "):
        if not token:
            continue
        if token.startswith("@") and len(token) > 1:
            token = MENTION
        elif not token.isalpha():
            token = token.translate(_DIGITS)
        tokens.append(token)
    return tokens


def word_grams(tokens: list[str]) -> list[str]:
    """Word unigrams and bigrams."""
    grams = [f"w:{token}" for token in tokens]
    grams += [f"w:{a} {b}" for a, b in pairwise(tokens)]
    return grams


def char_grams(token: str) -> list[str]:
    """The character 2–5 grams of one word, padded with a space on both sides."""
    if token in (MENTION, URL):
        return []
    padded = f" {token} "
    return [
        f"c:{padded[i : i + size]}" for size in CHAR_SIZES for i in range(len(padded) - size + 1)
    ]


def signals_of(said: RulesSaid) -> dict[str, float]:
    """The rules' segment and complaint and VADER's compound score, as feature values."""
    values: dict[str, float] = {}
    if said.segment is not None:
        values[f"s:rules.{said.segment.value}"] = 1.0
    if said.complaint:
        values["s:rules.complaint"] = 1.0
    if said.compound > 0:
        values["s:vader.positive"] = said.compound
    elif said.compound < 0:
        values["s:vader.negative"] = -said.compound
    return values


def post_features(said: RulesSaid) -> PostFeatures:
    """Everything the model sees of one post, from what the rules said of it."""
    tokens = word_tokens(said.tokens)
    return PostFeatures(word_grams(tokens), tokens, signals_of(said))

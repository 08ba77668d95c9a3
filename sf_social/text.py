"""Channel-aware normalization of post text for rule matching.

``normalize`` turns "@BoAHelp still cant get mobile deposit 2 work... #FAIL 😡 https://t.co/x"
into the token string ``"@boahelp still can't get mobile deposit 2 work #fail 😡 <url>"``:

- lower case; curly apostrophes (’ ‘ ʼ) straightened; invisible characters (zero-width, bidi
  controls, BOM) dropped;
- URLs become ``<url>``; ``@mentions`` and ``#hashtags`` stay whole tokens;
- leetspeak is decoded inside words ("pwn3d" → "pwned", "suxx0rs" → "suxxors"); digits at
  a word's edge are left alone ("covid19", "5th", "4g");
- letters (not digits) repeated three or more times are cut to two ("soooo" → "soo");
- playbook slang is expanded ("cant" → "can't", "suxxors" → "sucks");
- ``?`` and ``!`` and emoji are kept as tokens; other punctuation is dropped.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

_INVISIBLE = re.compile("[\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")
_TOKEN = re.compile(r"https?://\S+|www\.\S+|(?<![\w@#])[@#]\w+|\w+(?:'\w+)*|[^\w\s]")
_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "$": "s"})
# a letter, word characters with at least one digit or "$", a letter. The digit is found
# by a lookahead that scans once: the plain pattern ([\w$]*[0-9$][\w$]*) backtracks
# quadratically on one long token (1.2 s at 8,000 characters).
_LEET_WORD = re.compile(r"[^\W\d_](?=[\w$]*?[0-9$])[\w$]*[^\W\d_]")
_ELONGATED = re.compile(r"([^\W\d_])\1{2,}")
# Mentions and "www." are matched first so that they stay whole.
_ELONGATED_IN_TEXT = re.compile(r"(?<![\w@#])@\w+|www\.|([^\W\d_])\1{2,}")
_CURLY_APOSTROPHES = ("’", "‘", "ʼ")
_URL_PREFIXES = ("http://", "https://", "www.")
_TRIPLE = re.compile(r"(.)\1\1")  # cheap pre-check: no elongation without a tripled character
_DIGIT = re.compile(r"[0-9$]")


@dataclass(frozen=True, slots=True)
class NormalizedText:
    """The token string rules match against, plus the entities found on the way."""

    tokens: str
    mentions: tuple[str, ...]
    hashtags: tuple[str, ...]
    urls: int


def strip_invisible(text: str) -> str:
    """``text`` without zero-width characters, bidi controls and soft hyphens."""
    return text if text.isascii() else _INVISIBLE.sub("", text)


def normalize(text: str, slang: Mapping[str, str] | None = None) -> NormalizedText:
    """Normalize ``text`` for matching; ``slang`` maps a token to its replacement."""
    return Normalizer(slang)(text)


_WORD, _URL, _MENTION, _HASHTAG, _DROPPED = range(5)


class Normalizer:
    """``normalize`` with one slang mapping, remembering what each distinct token becomes:
    a token's fate (dropped, a URL, a mention, decoded, replaced) does not depend on the
    text around it, and most tokens of a feed were seen before."""

    CACHE_LIMIT = 100_000
    """Distinct tokens remembered (then the cache restarts)."""

    def __init__(self, slang: Mapping[str, str] | None = None) -> None:
        self.slang = slang
        self._fates: dict[str, tuple[int, str]] = {}

    def __call__(self, text: str) -> NormalizedText:
        """``normalize(text, slang)``."""
        if not text.isascii():
            text = strip_invisible(unicodedata.normalize("NFKC", text))
            for apostrophe in _CURLY_APOSTROPHES:
                text = text.replace(apostrophe, "'")
        text = text.lower()
        if _TRIPLE.search(text):
            text = _ELONGATED_IN_TEXT.sub(_shorten, text)
        tokens: list[str] = []
        mentions: list[str] = []
        hashtags: list[str] = []
        urls = 0
        fates = self._fates
        for token in _TOKEN.findall(text):
            fate = fates.get(token)
            if fate is None:
                fate = self._learn(token)
            kind, value = fate
            if kind != _WORD:
                if kind == _DROPPED:
                    continue
                if kind == _URL:
                    urls += 1
                else:
                    (mentions if kind == _MENTION else hashtags).append(token[1:])
            tokens.append(value)
        return NormalizedText(" ".join(tokens), tuple(mentions), tuple(hashtags), urls)

    def _learn(self, token: str) -> tuple[int, str]:
        fate = _fate(token, self.slang)
        if len(self._fates) >= self.CACHE_LIMIT:
            self._fates.clear()
        self._fates[token] = fate
        return fate


def _fate(token: str, slang: Mapping[str, str] | None) -> tuple[int, str]:
    """What one token of the lowered text becomes: its kind and the token kept."""
    first = token[0]
    kind = _WORD
    if first.isalnum() or first == "_":
        if token.startswith(_URL_PREFIXES):
            return _URL, "<url>"
        if _DIGIT.search(token) and _LEET_WORD.fullmatch(token):
            token = _ELONGATED.sub(r"\1\1", token.translate(_LEET))
    elif len(token) > 1 and (first == "@" or first == "#"):
        kind = _MENTION if first == "@" else _HASHTAG
    elif first != "?" and first != "!" and not _is_emoji(token):
        return _DROPPED, ""
    return kind, slang.get(token, token) if slang else token


def _shorten(match: re.Match[str]) -> str:
    letter = match.group(1)
    return match.group() if letter is None else letter * 2


def decode_word(word: str) -> str:
    """Leetspeak decoded and elongations shortened, for one word token."""
    if _LEET_WORD.fullmatch(word):
        word = word.translate(_LEET)
    return _ELONGATED.sub(r"\1\1", word)


def _is_emoji(char: str) -> bool:
    return unicodedata.category(char) == "So"

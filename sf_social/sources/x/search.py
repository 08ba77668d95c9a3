"""Listening queries for recent search, built from the playbook's keyword sets.

Each topic gets ``(term OR "two words" OR ...) -is:retweet``; a topic with more terms than
fit in the API's 512 characters is split into several queries, each term in exactly one.

A term is a keyword of X's query grammar ("Build a query", X API v2) only when it is one
word, or a ``@mention``, ``#hashtag`` or ``$cashtag``; anything else is an exact phrase in
quotes, so a term never reads as syntax: ``-x`` (negation), ``OR``, ``re:invent`` (an
operator), parentheses (grouping). The grammar has no escape for a quote inside a phrase:
quotes in a term are dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sf_social.errors import ConfigError
from sf_social.playbook import Listening
from sf_social.sources.x.fields import SEARCH_QUERY_MAX

_KEYWORD = re.compile(r"[@#$]?\w+")


@dataclass(frozen=True)
class ListeningQuery:
    topic: str
    """brand, industry or competitor (the playbook's listening topic names)."""
    query: str
    index: int = 0


def topic_terms(listening: Listening) -> dict[str, list[str]]:
    """Terms per listening topic: brand (brand, products, executives, nicknames), industry,
    competitor."""
    return {
        "brand": [
            *listening.brand,
            *listening.products,
            *listening.executives,
            *listening.nicknames,
        ],
        "industry": list(listening.industry),
        "competitor": list(listening.competitors),
    }


def term(text: str) -> str:
    """A search term: a bare keyword, or an exact phrase in quotes (quotes inside dropped)."""
    clean = " ".join(text.replace('"', " ").split())
    if not clean or (_KEYWORD.fullmatch(clean) and clean.upper() not in ("OR", "AND")):
        return clean
    return f'"{clean}"'


def split_query(
    terms: list[str], suffix: str = "-is:retweet", max_len: int = SEARCH_QUERY_MAX
) -> list[str]:
    """``(a OR b ...) suffix`` queries of at most ``max_len`` characters covering every term."""
    unique: dict[str, str] = {}
    for raw in terms:
        t = term(raw)
        if t:
            unique.setdefault(t.lower(), t)
    tail = f" {suffix}" if suffix else ""
    queries: list[str] = []
    chunk: list[str] = []

    def render(parts: list[str]) -> str:
        body = " OR ".join(parts)
        return (f"({body})" if len(parts) > 1 else body) + tail

    for t in unique.values():
        if len(render([t])) > max_len:
            raise ConfigError(
                f"listening term {t!r} alone makes a query longer than {max_len} characters"
            )
        if chunk and len(render([*chunk, t])) > max_len:
            queries.append(render(chunk))
            chunk = []
        chunk.append(t)
    if chunk:
        queries.append(render(chunk))
    return queries


def listening_queries(
    listening: Listening,
    topics: list[str] | None = None,
    *,
    exclude_retweets: bool = True,
    extra: str = "",
    max_len: int = SEARCH_QUERY_MAX,
) -> list[ListeningQuery]:
    """The queries for ``topics`` (default: every topic with terms)."""
    suffix = " ".join(p for p in (extra.strip(), "-is:retweet" if exclude_retweets else "") if p)
    result: list[ListeningQuery] = []
    for topic, terms in topic_terms(listening).items():
        if topics is not None and topic not in topics:
            continue
        for index, query in enumerate(split_query(terms, suffix, max_len)):
            result.append(ListeningQuery(topic, query, index))
    return result

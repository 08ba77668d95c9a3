"""Listening queries: built from the playbook, split under 512 characters, no retweets."""

from __future__ import annotations

import pytest
import responses

from sf_social.errors import ConfigError
from sf_social.playbook import Listening, Playbook
from sf_social.sources.x.fields import id_time
from sf_social.sources.x.search import listening_queries, split_query, term
from sf_social.sources.x.streams import SearchStream
from tests.sources.x.conftest import NOW, SEARCH_URL, add_json, make_rig, params


def test_the_default_playbook_gives_one_query_per_topic(playbook: Playbook) -> None:
    queries = listening_queries(playbook.listening)
    assert [q.topic for q in queries] == ["brand", "industry", "competitor"]
    competitor = queries[2].query
    assert competitor.startswith('(contoso OR "contoso bank" OR fabrikam')
    assert competitor.endswith(") -is:retweet")
    assert '"@northwindbank"' not in queries[0].query and "@northwindbank" in queries[0].query


def test_long_keyword_sets_are_split_with_every_term_once() -> None:
    words = [f"product number {i}" for i in range(120)]
    queries = listening_queries(Listening(products=words))
    assert len(queries) > 1
    assert all(len(q.query) <= 512 for q in queries)
    assert all(q.query.endswith("-is:retweet") for q in queries)
    found = [w for q in queries for w in words if f'"{w}"' in q.query]
    assert sorted(found) == sorted(words)
    assert [q.index for q in queries] == list(range(len(queries)))


def test_terms_holding_query_syntax_are_exact_phrases() -> None:
    """Unquoted, ``-x`` negated, ``OR`` joined, ``re:invent`` was an operator X refuses."""
    terms = ["-x", "OR", "re:invent", "(beta)", "e-banking", "o'brien", "café", "@nw_bank",
             "#NorthwindCares", "$NWB", "and"]  # fmt: skip
    assert split_query(terms, "") == [
        '("-x" OR "OR" OR "re:invent" OR "(beta)" OR "e-banking" OR "o\'brien" OR café'
        ' OR @nw_bank OR #NorthwindCares OR $NWB OR "and")'
    ]


def test_terms_and_options() -> None:
    assert term('say "hi" there') == '"say hi there"'
    assert split_query(["a", "A", "b"], "") == ["(a OR b)"]
    assert split_query(["solo"]) == ["solo -is:retweet"]
    assert listening_queries(Listening(brand=["x"]), exclude_retweets=False, extra="lang:en")[
        0
    ].query == ("x lang:en")
    with pytest.raises(ConfigError, match="longer than 20"):
        split_query(["a" * 30], max_len=20)


@responses.activate
def test_a_search_stream_reads_recent_search_with_its_topic(playbook: Playbook) -> None:
    add_json(SEARCH_URL, "search_recent.json")
    stream = SearchStream("(contoso OR fabrikam) -is:retweet", "competitor")
    rig = make_rig(playbook, [stream])
    (batch,) = rig.pull()
    asked = params(0)
    assert asked["query"] == "(contoso OR fabrikam) -is:retweet"
    assert "note_tweet" in asked["tweet.fields"]
    (post,) = batch.posts
    assert post.raw is not None and post.raw["listening_topic"] == "competitor"
    streams = batch.cursor["streams"]
    assert isinstance(streams, dict)
    assert streams["search:competitor:0"]["query"] == stream.query


@responses.activate
def test_a_mark_older_than_seven_days_is_moved_and_reported(playbook: Playbook) -> None:
    add_json(SEARCH_URL, "empty.json")
    stream = SearchStream("contoso", "competitor")
    rig = make_rig(playbook, [stream])
    old = {"query": "contoso", "window": {"newest_id": "1500000000000000000", "pending": None}}
    rig.pull({"v": 1, "streams": {"search:competitor:0": old}})
    assert (NOW - id_time(params(0)["since_id"])).days < 7
    assert "7-day reach" in rig.reports[-1]["streams"]["search:competitor:0"]["gap"][0]

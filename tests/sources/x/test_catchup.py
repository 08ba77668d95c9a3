"""Catch-up through recent search after the 800-mention window was exceeded."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import responses

from sf_social.playbook import Playbook
from sf_social.posts import PostKind
from sf_social.sources.base import SourceBatch
from sf_social.sources.x.catchup import CATCH_UP, LAST, open_gap
from sf_social.sources.x.fields import id_at
from sf_social.sources.x.streams import MentionsStream
from sf_social.sources.x.timeline import WindowEnd
from tests.sources.x.conftest import (
    MENTIONS_URL,
    NOW,
    SEARCH_URL,
    add_json,
    make_rig,
    params,
    payload,
)

KEY = "mentions:@northwindhelp"
HELP = MentionsStream("NorthwindHelp", user_id="1500000000000000002")
OLD = "1500000000000000000"  # March 2022: older than the 7-day reach of recent search
FLOOR = str(id_at(NOW - timedelta(days=7) + timedelta(minutes=5)))


def gap_cursor(since_id: str = OLD) -> dict[str, Any]:
    """A mentions window that will end with 800 posts (799 committed, 1 on the last page)."""
    pending = {
        "newest_id": "1600000000000009999",
        "since_id": since_id,
        "until_id": None,
        "next_token": "t8",
        "oldest_id": "1600000000000000300",
        "count": 799,
    }
    stream = {"user_id": "1500000000000000002", "window": {"pending": pending}}
    return {"v": 1, "streams": {KEY: stream}}


def found_in_the_gap(next_token: str | None) -> dict[str, Any]:
    """Mentions search finds before the oldest one read (ids below 1600000000000000200)."""
    body = payload("mentions_page1.json")
    body["data"][0]["id"], body["data"][1]["id"] = "1600000000000000150", "1600000000000000120"
    body["meta"] = {"result_count": 2, "newest_id": "1600000000000000150"}
    if next_token:
        body["meta"]["next_token"] = next_token
    return body


def state(batch: SourceBatch) -> dict[str, Any]:
    streams = batch.cursor["streams"]
    assert isinstance(streams, dict)
    result: dict[str, Any] = streams[KEY]
    return result


@responses.activate
def test_a_gap_is_read_through_recent_search_and_reported(playbook: Playbook) -> None:
    add_json(MENTIONS_URL, "mentions_page2.json")
    add_json(SEARCH_URL, found_in_the_gap("next-search-page"))
    add_json(SEARCH_URL, "empty.json")
    rig = make_rig(playbook, [HELP])
    window_end, found, last = rig.pull(gap_cursor())
    # the gap is stored with the batch that moves the mark: a crash cannot lose it
    assert state(window_end)["window"]["newest_id"] == "1600000000000009999"
    (queued,) = state(window_end)[CATCH_UP]
    assert (queued["since_id"], queued["until_id"]) == (OLD, "1600000000000000200")
    asked = params(1)
    assert asked["query"] == "@NorthwindHelp -is:retweet"
    assert asked["since_id"] == FLOOR  # clamped to the 7-day reach
    assert asked["until_id"] == "1600000000000000200"  # the oldest mention read
    assert "note_tweet" in asked["tweet.fields"]
    assert params(2)["next_token"] == "next-search-page"
    assert [p.id for p in found.posts] == ["1600000000000000150", "1600000000000000120"]
    assert [p.kind for p in found.posts] == [PostKind.REPLY, PostKind.MENTION]
    assert {p.account for p in found.posts} == {"northwindhelp"}
    assert found.posts[0].raw is not None
    assert found.posts[0].raw["stream"] == "mentions:@northwindhelp:catch-up"
    assert state(found)[CATCH_UP][0]["window"]["pending"]["next_token"] == "next-search-page"
    assert last.posts == [] and state(last)[CATCH_UP] == []
    info = rig.reports[-1]["streams"][KEY]
    assert "only the newest 800 are reachable" in info["gap"][0]
    done = info["catch_up"]["last"]
    assert done["recovered"] == 2
    (lost,) = done["not_recovered"]
    assert f"after id {OLD}" in lost and "7-day reach" in lost
    assert "protected accounts" in done["note"]
    assert "pending" not in info["catch_up"]


@responses.activate
def test_an_interrupted_catch_up_resumes_on_the_next_pass(playbook: Playbook) -> None:
    add_json(MENTIONS_URL, "mentions_page2.json")
    add_json(SEARCH_URL, found_in_the_gap("next-search-page"))
    rig = make_rig(playbook, [HELP])
    batches = rig.source.pull(gap_cursor())
    next(batches)
    found = next(batches)  # the process dies after committing the first search page
    responses.reset()
    add_json(MENTIONS_URL, "empty.json")
    add_json(SEARCH_URL, "empty.json")
    _, resumed = rig.pull(found.cursor)  # the new mentions window first, then the catch-up
    again = params(1)
    assert again["next_token"] == "next-search-page"
    assert again["since_id"] == FLOOR and again["until_id"] == "1600000000000000200"
    assert state(resumed)[CATCH_UP] == []
    assert state(resumed)[LAST]["recovered"] == 2  # counted across passes


@responses.activate
def test_a_refused_search_leaves_the_mentions_running(playbook: Playbook) -> None:
    add_json(MENTIONS_URL, "mentions_page2.json")
    add_json(SEARCH_URL, "error_403.json", 403)
    rig = make_rig(playbook, [HELP])
    batches = rig.pull(gap_cursor())  # no exception: the mentions stream is fine
    assert state(batches[-1])[CATCH_UP] == []
    info = rig.reports[-1]["streams"][KEY]
    assert "stopped" not in info
    refused = info["catch_up"]["last"]["not_recovered"][-1]
    assert refused.startswith("recent search refused") and "403" in refused
    responses.reset()
    add_json(MENTIONS_URL, "empty.json")
    rig.pull(batches[-1].cursor)
    assert all(MENTIONS_URL in str(c.request.url) for c in responses.calls)


@responses.activate
def test_a_rate_limited_catch_up_waits_for_the_next_pass(playbook: Playbook) -> None:
    far = str(int(NOW.timestamp()) + 3600)
    add_json(MENTIONS_URL, "mentions_page2.json")
    add_json(SEARCH_URL, "error_429.json", 429, headers={"x-rate-limit-reset": far})
    rig = make_rig(playbook, [HELP])
    batches = rig.pull(gap_cursor())
    assert len(batches) == 1 and rig.sleeps == []
    info = rig.reports[-1]["streams"][KEY]
    assert "rate_limited_until" not in info  # the mentions themselves are not limited
    (pending,) = info["catch_up"]["pending"]
    assert "rate limited" in pending["waiting"]
    assert len(state(batches[-1])[CATCH_UP]) == 1  # kept for the next pass


def test_gaps_inside_and_outside_the_search_reach() -> None:
    recent = str(id_at(NOW - timedelta(hours=10)))
    inside: dict[str, Any] = {}
    open_gap(inside, "NorthwindHelp", WindowEnd(recent, "1600000000000000200", 800), NOW)
    (gap,) = inside[CATCH_UP]
    assert gap["not_recovered"] == [] and gap["window"]["pending"]["since_id"] == recent
    outside: dict[str, Any] = {}
    too_old = str(id_at(NOW - timedelta(days=9)))
    open_gap(outside, "NorthwindHelp", WindowEnd(OLD, too_old, 800), NOW)
    assert CATCH_UP not in outside  # nothing searchable: closed at once, as not recovered
    assert outside[LAST]["recovered"] == 0 and "7-day reach" in outside[LAST]["not_recovered"][0]

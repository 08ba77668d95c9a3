"""Mentions polling: newest-first paging, cursors that resume, overlap, the 800-mention gap."""

from __future__ import annotations

from datetime import timedelta

import responses

from sf_social.playbook import Playbook
from sf_social.sources.x.fields import id_at, id_time
from sf_social.sources.x.streams import MentionsStream
from tests.sources.x.conftest import (
    MENTIONS_URL,
    NOW,
    SEARCH_URL,
    USER_URL,
    add_json,
    make_rig,
    params,
    payload,
)

TOKEN = "7140dibdnow9c7btw423x78lqpf4i2yxvs0mbvsb1hv4w"


def window(cursor: object) -> dict[str, object]:
    assert isinstance(cursor, dict)
    state = cursor["streams"]["mentions:@northwindhelp"]
    assert isinstance(state, dict)
    result = state["window"]
    assert isinstance(result, dict)
    return result


@responses.activate
def test_a_window_pages_back_and_moves_the_mark_only_at_its_end(playbook: Playbook) -> None:
    add_json(USER_URL, "user_by_username.json")
    add_json(MENTIONS_URL, "mentions_page1.json")
    add_json(MENTIONS_URL, "mentions_page2.json")
    rig = make_rig(playbook)
    first, last = rig.pull()
    assert [p.id for p in first.posts] == ["1600000000000000300", "1600000000000000250"]
    assert [p.id for p in last.posts] == ["1600000000000000200"]
    # mid-window: the mark has not moved, the window is pending with its token
    mid = window(first.cursor)
    assert mid.get("newest_id") is None
    assert mid["pending"] == {
        "newest_id": "1600000000000000300",
        "since_id": str(id_at(NOW - timedelta(days=1))),
        "until_id": None,
        "next_token": TOKEN,
        "oldest_id": "1600000000000000250",
        "count": 2,
    }
    # end of window: the mark is the window's newest id
    assert window(last.cursor) == {"newest_id": "1600000000000000300", "pending": None}
    # requests: the user lookup, then the same since_id on both pages, the token on page 2
    one, two = params(1), params(2)
    assert one["since_id"] == two["since_id"]
    assert "pagination_token" not in one and two["pagination_token"] == TOKEN
    assert one["expansions"] == "author_id,referenced_tweets.id,referenced_tweets.id.author_id"
    assert one["tweet.fields"] == (
        "author_id,created_at,conversation_id,in_reply_to_user_id,referenced_tweets,lang,"
        "note_tweet,withheld"
    )
    assert one["user.fields"] == "username,name,public_metrics,verified"
    assert one["max_results"] == "100"
    assert rig.reports[-1]["reads_this_pass"] == 4
    assert rig.reports[-1]["reads_this_month"] == 4


@responses.activate
def test_an_interrupted_pass_resumes_with_the_saved_token(playbook: Playbook) -> None:
    add_json(USER_URL, "user_by_username.json")
    add_json(MENTIONS_URL, "mentions_page1.json")
    rig = make_rig(playbook)
    batches = rig.source.pull(None)
    first = next(batches)  # the process dies after committing page 1
    responses.reset()
    add_json(MENTIONS_URL, "mentions_page2.json")
    (resumed,) = rig.pull(first.cursor)
    assert [p.id for p in resumed.posts] == ["1600000000000000200"]
    assert len(responses.calls) == 1  # no user lookup: the id is in the cursor
    asked = params(0)
    assert asked["pagination_token"] == TOKEN
    assert asked["since_id"] == window(first.cursor)["pending"]["since_id"]  # type: ignore[index]
    assert window(resumed.cursor)["newest_id"] == "1600000000000000300"


@responses.activate
def test_an_expired_token_falls_back_to_until_id(playbook: Playbook) -> None:
    add_json(USER_URL, "user_by_username.json")
    add_json(MENTIONS_URL, "mentions_page1.json")
    rig = make_rig(playbook)
    batches = rig.source.pull(None)
    first = next(batches)
    responses.reset()
    bad = {"errors": [{"message": "The `pagination_token` query parameter value is not valid"}]}
    add_json(MENTIONS_URL, bad, status=400)
    add_json(MENTIONS_URL, "mentions_page2.json")
    (resumed,) = rig.pull(first.cursor)
    retry = params(1)
    assert "pagination_token" not in retry
    assert retry["until_id"] == "1600000000000000250"  # the oldest committed post
    assert [p.id for p in resumed.posts] == ["1600000000000000200"]


@responses.activate
def test_the_next_window_starts_a_small_overlap_before_the_mark(playbook: Playbook) -> None:
    add_json(MENTIONS_URL, "empty.json")
    rig = make_rig(playbook, [MentionsStream("NorthwindHelp", user_id="1500000000000000002")])
    mark = "1600000000000000300"
    cursor = {
        "v": 1,
        "streams": {"mentions:@northwindhelp": {"window": {"newest_id": mark, "pending": None}}},
    }
    (batch,) = rig.pull(cursor)
    since = params(0)["since_id"]
    assert int(since) < int(mark)
    assert id_time(mark) - id_time(since) <= timedelta(seconds=10, milliseconds=1)
    assert batch.posts == []
    assert window(batch.cursor)["newest_id"] == mark  # an empty window keeps the mark


@responses.activate
def test_more_than_800_mentions_since_the_last_pass_is_reported_as_a_gap(
    playbook: Playbook,
) -> None:
    add_json(MENTIONS_URL, "mentions_page2.json")
    add_json(SEARCH_URL, "empty.json")  # the catch-up (tests/sources/x/test_catchup.py)
    rig = make_rig(playbook, [MentionsStream("NorthwindHelp", user_id="1500000000000000002")])
    pending = {
        "newest_id": "1600000000000009999",
        "since_id": "1500000000000000000",
        "until_id": None,
        "next_token": "t8",
        "oldest_id": "1600000000000000300",
        "count": 799,
    }
    cursor = {"v": 1, "streams": {"mentions:@northwindhelp": {"window": {"pending": pending}}}}
    rig.pull(cursor)
    gap = rig.reports[-1]["streams"]["mentions:@northwindhelp"]["gap"]
    assert "only the newest 800 are reachable" in gap[0]


@responses.activate
def test_partial_errors_are_reported_and_bad_posts_rejected(playbook: Playbook) -> None:
    add_json(MENTIONS_URL, "partial.json")
    rig = make_rig(playbook, [MentionsStream("NorthwindHelp", user_id="1500000000000000002")])
    (batch,) = rig.pull()
    assert [p.id for p in batch.posts] == ["1600000000000000400"]
    assert len(batch.rejected) == 2
    info = rig.reports[-1]["streams"]["mentions:@northwindhelp"]
    assert info["partial_errors"] == ["Could not find user with id: [1600000000000000666]."]


def test_fixtures_cite_their_page() -> None:
    for name in ("mentions_page1.json", "partial.json", "search_recent.json", "dm_events.json"):
        assert payload(name)["_source"].startswith("https://")

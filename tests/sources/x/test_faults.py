"""Rate limits, server errors, refused credentials and the read budget: no real sleeps."""

from __future__ import annotations

import pytest
import requests
import responses
import tweepy

from sf_social.errors import SourceApiError
from sf_social.playbook import Playbook
from sf_social.sources.base import SourceBatch
from sf_social.sources.x.streams import MentionsStream, SearchStream
from tests.sources.x.conftest import (
    API,
    MENTIONS_URL,
    NOW,
    SEARCH_URL,
    add_json,
    make_rig,
    x_policy,
)

HELP = MentionsStream("NorthwindHelp", user_id="1500000000000000002")
BANK = MentionsStream("NorthwindBank", user_id="1500000000000000001")
BANK_URL = f"{API}/users/1500000000000000001/mentions"
RESET = int(NOW.timestamp()) + 30


@responses.activate
def test_429_waits_until_the_reset_then_goes_on(playbook: Playbook) -> None:
    add_json(MENTIONS_URL, "error_429.json", 429, headers={"x-rate-limit-reset": str(RESET)})
    add_json(MENTIONS_URL, "mentions_page2.json")
    rig = make_rig(playbook, [HELP])
    (batch,) = rig.pull()
    assert [p.id for p in batch.posts] == ["1600000000000000200"]
    assert rig.sleeps == [31.0]
    assert rig.reports[-1]["rate_limit_waits"] == 1


@responses.activate
def test_429_wait_comes_from_the_header_as_tweepy_4_14_raises_it(
    playbook: Playbook, monkeypatch: pytest.MonkeyPatch
) -> None:
    """tweepy < 4.17 (setup.cfg allows 4.14) raises TooManyRequests without ``reset_time``."""

    def as_in_4_14(self: tweepy.TooManyRequests, response: object, **_: object) -> None:
        tweepy.HTTPException.__init__(self, response)

    monkeypatch.setattr(tweepy.TooManyRequests, "__init__", as_in_4_14)
    add_json(MENTIONS_URL, "error_429.json", 429, headers={"x-rate-limit-reset": str(RESET)})
    add_json(MENTIONS_URL, "mentions_page2.json")
    rig = make_rig(playbook, [HELP])
    (batch,) = rig.pull()
    assert [p.id for p in batch.posts] == ["1600000000000000200"]
    assert rig.sleeps == [31.0]


@responses.activate
def test_a_long_rate_limit_skips_the_stream_until_its_reset(playbook: Playbook) -> None:
    far = int(NOW.timestamp()) + 3600
    add_json(MENTIONS_URL, "error_429.json", 429, headers={"x-rate-limit-reset": str(far)})
    add_json(SEARCH_URL, "search_recent.json")
    search = SearchStream("contoso -is:retweet", "competitors")
    rig = make_rig(playbook, [HELP, search], policy=x_policy(max_rate_wait=60))
    batches = rig.pull()  # no exception: being rate limited is not a failure
    assert len(batches) == 1
    assert rig.sleeps == []
    info = rig.reports[-1]["streams"]["mentions:@northwindhelp"]
    assert info["rate_limited_until"].startswith("2022-12-06T14:00")
    calls = len(responses.calls)
    rig.pull(batches[-1].cursor)  # next pass: the limited stream is not called at all
    assert all(SEARCH_URL in str(c.request.url) for c in responses.calls[calls:])


@responses.activate
def test_remaining_zero_waits_before_calling_instead_of_spending_a_429(
    playbook: Playbook,
) -> None:
    add_json(
        MENTIONS_URL,
        "mentions_page1.json",
        headers={"x-rate-limit-remaining": "0", "x-rate-limit-reset": str(RESET)},
    )
    add_json(MENTIONS_URL, "mentions_page2.json")
    rig = make_rig(playbook, [HELP])
    assert len(rig.pull()) == 2
    assert rig.sleeps == [31.0]
    assert len(responses.calls) == 2


@responses.activate
def test_server_errors_and_dropped_connections_are_retried_with_backoff(
    playbook: Playbook,
) -> None:
    responses.add(responses.GET, MENTIONS_URL, json={"title": "Service Unavailable"}, status=503)
    responses.add(responses.GET, MENTIONS_URL, body=requests.ConnectionError("reset by peer"))
    add_json(MENTIONS_URL, "mentions_page2.json")
    rig = make_rig(playbook, [HELP])
    (batch,) = rig.pull()
    assert len(batch.posts) == 1
    assert rig.sleeps == [2.0, 4.0]
    assert rig.reports[-1]["retries"] == 2


@responses.activate
def test_persistent_server_errors_fail_the_pass_as_transient(playbook: Playbook) -> None:
    responses.add(responses.GET, MENTIONS_URL, json={"title": "Internal Error"}, status=500)
    rig = make_rig(playbook, [HELP], policy=x_policy(attempts=3))
    with pytest.raises(SourceApiError) as caught:
        rig.pull()
    assert caught.value.transient
    assert "after 3 attempts" in str(caught.value)
    assert rig.sleeps == [2.0, 4.0]


@responses.activate
def test_401_stops_that_stream_and_the_others_keep_running(playbook: Playbook) -> None:
    add_json(MENTIONS_URL, "error_401.json", 401)
    add_json(BANK_URL, "mentions_page2.json")
    rig = make_rig(playbook, [HELP, BANK])
    batches: list[SourceBatch] = []
    pull = rig.source.pull(None)
    with pytest.raises(SourceApiError) as caught:
        batches.extend(pull)
    assert len(batches) == 1 and batches[0].posts[0].id == "1600000000000000200"
    assert "401" in str(caught.value) and "X_* credentials" in str(caught.value)
    assert "test-bearer-token" not in str(caught.value)
    info = rig.reports[-1]["streams"]["mentions:@northwindhelp"]
    assert "401" in info["stopped"]
    calls = len(responses.calls)
    with pytest.raises(SourceApiError):
        rig.pull(batches[-1].cursor)
    assert all(BANK_URL in str(c.request.url) for c in responses.calls[calls:])


@responses.activate
def test_403_explains_the_access_level(playbook: Playbook) -> None:
    add_json(MENTIONS_URL, "error_403.json", 403)
    rig = make_rig(playbook, [HELP])
    with pytest.raises(SourceApiError, match=r"403.*access level"):
        rig.pull()


@responses.activate
def test_the_monthly_read_budget_pauses_the_source(playbook: Playbook) -> None:
    add_json(MENTIONS_URL, "mentions_page1.json")
    rig = make_rig(playbook, [HELP, BANK], budget=3)
    (batch,) = rig.pull()  # page 1 reads 3 posts: the budget is spent, page 2 waits
    assert len(responses.calls) == 1
    report = rig.reports[-1]
    assert report["reads_this_month"] == 3
    assert "budget" in report["streams"]["mentions:@northwindhelp"]["paused"]
    assert "budget" in report["streams"]["mentions:@northwindbank"]["paused"]
    assert batch.cursor["reads"] == {"month": "2022-12", "count": 3}

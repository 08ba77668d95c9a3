"""Polling: requests, paging, cursors, resume, overlap, errors (no network, no real sleeps)."""

from __future__ import annotations

from datetime import timedelta
from types import GeneratorType

import pytest
import requests
import responses

from sf_social.errors import ConfigError, SourceApiError, SourceAuthError
from sf_social.posts import PostKind
from sf_social.sources.linkedin_api.client import LinkedInCredentials
from tests.sources.linkedin_api.conftest import (
    NOW_MS,
    ORG,
    TOKEN,
    URL,
    add,
    li_policy,
    make_rig,
    params,
    payload,
)

DAY_MS = 86_400_000


@responses.activate
def test_a_first_pass_pages_through_the_last_day_with_the_documented_request() -> None:
    add("notifications_page1.json")
    add("notifications_page2.json")
    rig = make_rig()
    first, second = rig.pull()
    assert [p.kind for p in first.posts] == [PostKind.COMMENT, PostKind.COMMENT]
    assert [p.kind for p in second.posts] == [PostKind.MENTION]
    request = responses.calls[0].request
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert request.headers["LinkedIn-Version"] == "202610"
    assert request.headers["X-Restli-Protocol-Version"] == "2.0.0"
    url = str(request.url)
    assert "organizationalEntity=urn%3Ali%3Aorganization%3A2414183" in url  # URN encoded
    assert "actions=List(COMMENT,SHARE_MENTION,COMMENT_EDIT,COMMENT_DELETE)" in url  # not encoded
    assert f"timeRange=(start:{NOW_MS - DAY_MS},end:{NOW_MS})" in url
    assert params(0)["q"] == "criteria"
    assert (params(0)["start"], params(0)["count"]) == ("0", "3")
    assert (params(1)["start"], params(1)["count"]) == ("3", "3")
    # mid-window: the mark has not moved, the window and offset are pending
    assert first.cursor["mark"] is None
    assert first.cursor["pending"] == {
        "start": NOW_MS - DAY_MS,
        "end": NOW_MS,
        "offset": 3,
        "boundary": [],
    }
    # window done: the mark is its end, ids within the overlap before it are remembered
    assert second.cursor == {"v": 1, "mark": NOW_MS, "seen": ["4406044"], "pending": None}
    counts = rig.reports[-1]["counts"]
    assert counts == {"posts": 3, "rejected": 0, "skipped": 1, "already_seen": 0, "pages": 2}


@responses.activate
def test_an_interrupted_pass_resumes_at_the_last_durable_page_of_the_same_window() -> None:
    add("notifications_page1.json")
    rig = make_rig()
    batches = rig.source.pull(None)
    first = next(batches)
    assert isinstance(batches, GeneratorType)
    batches.close()  # the process dies after the first batch is stored
    responses.reset()
    add("notifications_page2.json")
    rig.now[0] += timedelta(minutes=30)
    (resumed,) = rig.pull(first.cursor)
    assert [p.id for p in resumed.posts] == ["urn:li:share:7390000000000000899"]
    url = str(responses.calls[0].request.url)
    assert f"timeRange=(start:{NOW_MS - DAY_MS},end:{NOW_MS})" in url  # the same window
    assert params(0)["start"] == "3"
    assert resumed.cursor["mark"] == NOW_MS and resumed.cursor["pending"] is None


@responses.activate
def test_the_next_window_starts_one_overlap_before_the_mark_and_skips_seen_ids() -> None:
    add("notifications_page1.json")
    add("notifications_page2.json")
    rig = make_rig()
    done = rig.pull()[-1].cursor
    responses.reset()
    add(payload("notifications_page2.json"))  # the mention again, inside the overlap
    rig.now[0] += timedelta(minutes=10)
    (batch,) = rig.pull(done)
    later = NOW_MS + 600_000
    assert f"timeRange=(start:{NOW_MS - 300_000},end:{later})" in str(
        responses.calls[0].request.url
    )
    assert batch.posts == []
    assert rig.reports[-1]["counts"]["already_seen"] == 1
    assert batch.cursor["mark"] == later


@responses.activate
def test_an_empty_window_still_moves_the_mark() -> None:
    add("notifications_empty.json")
    rig = make_rig(page_size=50)
    (batch,) = rig.pull({"v": 1, "mark": NOW_MS - 60_000, "seen": [], "pending": None})
    assert batch.posts == [] and batch.cursor["mark"] == NOW_MS


@responses.activate
def test_a_mark_older_than_the_60_day_retention_is_moved_forward_and_reported() -> None:
    add("notifications_empty.json")
    rig = make_rig(page_size=50)
    rig.pull({"v": 1, "mark": NOW_MS - 90 * DAY_MS, "seen": [], "pending": None})
    assert "60-day retention" in rig.reports[-1]["gap"]
    start = int(params(0)["timeRange"].split("start:")[1].split(",")[0])
    assert start == NOW_MS - 60 * DAY_MS + 60_000


@responses.activate
def test_a_long_window_stops_after_max_pages_and_continues_next_pass() -> None:
    add("notifications_page1.json")
    rig = make_rig(max_pages=1)
    (batch,) = rig.pull()
    pending = batch.cursor["pending"]
    assert isinstance(pending, dict) and pending["offset"] == 3
    assert "next pass resumes" in rig.reports[-1]["continues"]


@responses.activate
def test_a_garbled_cursor_starts_afresh() -> None:
    add("notifications_empty.json")
    rig = make_rig(page_size=50)
    (batch,) = rig.pull({"v": 1, "mark": "soon", "seen": "x", "pending": {"start": "a"}})
    assert f"start:{NOW_MS - DAY_MS}" in str(responses.calls[0].request.url)
    assert batch.cursor["mark"] == NOW_MS


@responses.activate
def test_malformed_answers_do_not_crash_the_pass() -> None:
    add("notifications_partial.json")
    rig = make_rig(page_size=50)
    (batch,) = rig.pull()
    assert len(batch.posts) == 1
    assert len(batch.rejected) == 4
    responses.reset()
    responses.add(responses.GET, URL, json=["not", "an", "object"])
    (batch,) = rig.pull()
    assert batch.posts == [] and batch.cursor["mark"] == NOW_MS


@pytest.mark.parametrize(
    ("status", "fixture", "hint"),
    [
        (401, "error_401.json", "expired or was revoked"),
        (403, "error_403.json", "not approved for the Community Management API"),
    ],
)
@responses.activate
def test_401_and_403_stop_the_source_with_a_clear_message(
    status: int, fixture: str, hint: str
) -> None:
    add(fixture, status)
    rig = make_rig()
    with pytest.raises(SourceAuthError) as caught:
        rig.pull()
    message = str(caught.value)
    assert hint in message and f"HTTP {status}" in message
    assert TOKEN not in message
    assert rig.reports[-1]["stopped"] == message
    calls = len(responses.calls)
    with pytest.raises(SourceAuthError):
        rig.pull()  # stopped: no further request until the process restarts
    assert len(responses.calls) == calls
    assert not caught.value.transient


@responses.activate
def test_429_waits_retry_after_then_goes_on() -> None:
    add("error_429.json", 429, headers={"Retry-After": "20"})
    add("notifications_page2.json")
    rig = make_rig()
    (batch,) = rig.pull()
    assert len(batch.posts) == 1
    assert rig.sleeps == [20.0]
    assert rig.reports[-1]["rate_limit_waits"] == 1


@responses.activate
def test_429_without_retry_after_backs_off_and_a_long_limit_skips_the_source() -> None:
    for _ in range(4):
        add("error_429.json", 429)
    rig = make_rig(policy=li_policy(max_rate_wait=5))
    assert rig.pull() == []  # rate limited: not a failure, nothing stored
    assert rig.sleeps == [2.0, 4.0]  # the third wait (8 s) is beyond max_rate_wait
    assert "rate_limited_until" in rig.reports[-1]
    calls = len(responses.calls)
    assert rig.pull() == []  # before the reset: not called at all
    assert len(responses.calls) == calls
    rig.now[0] += timedelta(minutes=1)
    responses.reset()
    add("notifications_empty.json")
    assert len(rig.pull()) == 1


@responses.activate
def test_5xx_and_connection_errors_are_retried_with_bounded_backoff() -> None:
    add({"message": "Internal Server Error", "status": 500}, 500)
    responses.add(responses.GET, URL, body=requests.ConnectionError("reset"))
    responses.add(responses.GET, URL, body="<html>gateway</html>", status=200)
    add("notifications_page2.json")
    rig = make_rig()
    (batch,) = rig.pull()
    assert len(batch.posts) == 1
    assert rig.sleeps == [2.0, 4.0, 8.0]
    assert rig.reports[-1]["retries"] == 3


@responses.activate
def test_5xx_every_time_fails_the_pass_as_transient() -> None:
    for _ in range(4):
        add({"message": "Service Unavailable", "status": 503}, 503)
    rig = make_rig()
    with pytest.raises(SourceApiError) as caught:
        rig.pull()
    assert caught.value.transient and "after 4 attempts" in str(caught.value)
    assert len(rig.sleeps) == 3 and sum(rig.sleeps) <= 60
    assert "error" in rig.reports[-1]


@responses.activate
def test_other_4xx_are_permanent_and_a_sunset_version_says_so() -> None:
    add({"message": "Version is deprecated", "status": 426}, 426)
    rig = make_rig()
    with pytest.raises(SourceApiError) as caught:
        rig.pull()
    assert not caught.value.transient
    assert "set api_version" in str(caught.value)
    assert len(responses.calls) == 1


def test_the_token_comes_from_the_environment_and_is_never_shown() -> None:
    with pytest.raises(ConfigError, match="LINKEDIN_ACCESS_TOKEN"):
        LinkedInCredentials.from_env({})
    creds = LinkedInCredentials.from_env({"LINKEDIN_ACCESS_TOKEN": f" {TOKEN} "})
    assert creds.access_token == TOKEN
    assert TOKEN not in repr(creds)


@responses.activate
def test_the_status_report_never_contains_the_token() -> None:
    add("error_401.json", 401)
    rig = make_rig()
    with pytest.raises(SourceAuthError):
        rig.pull()
    assert TOKEN not in repr(rig.reports) and ORG in repr(rig.reports)

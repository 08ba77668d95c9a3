"""Direct messages: GET /2/dm_events paged back to the stored mark, normalized, isolated on 403."""

from __future__ import annotations

import tomllib
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import responses
from pydantic import ValidationError

from sf_social.config.sources import XSourceConfig
from sf_social.errors import SourceApiError
from sf_social.playbook import Playbook
from sf_social.posts import Direction, Network, PostKind
from sf_social.sources.base import SourceBatch
from sf_social.sources.x.check import check_access
from sf_social.sources.x.client import XApi, XCredentials
from sf_social.sources.x.config import XOptions
from sf_social.sources.x.dms import DirectMessagesStream, normalize_dm_page
from sf_social.sources.x.fields import id_at
from sf_social.sources.x.normalize import Page
from sf_social.sources.x.source import XSource
from sf_social.sources.x.streams import MentionsStream, Stream
from tests.sources.x.conftest import (
    API,
    MENTIONS_URL,
    TWEETS_URL,
    add_json,
    params,
    payload,
    x_policy,
)

DM_URL = f"{API}/dm_events"
ME_URL = f"{API}/users/me"
DM_NOW = datetime(2022, 10, 19, 21, 0, tzinfo=UTC)
TOKEN = "18LAA581J5II7LA00C00ZZZZ"
KEY = "dms:@northwindhelp"
OUR_ID = "1500000000000000002"
OAUTH1 = {
    "X_CONSUMER_KEY": "ck-secret",
    "X_CONSUMER_SECRET": "cs-secret",
    "X_ACCESS_TOKEN": "at-secret",
    "X_ACCESS_TOKEN_SECRET": "ats-secret",
}
HELP = MentionsStream("NorthwindHelp", user_id=OUR_ID, user_auth=True)


def make_source(
    playbook: Playbook, streams: list[Stream], creds: XCredentials | None = None
) -> tuple[XSource, list[dict[str, Any]]]:
    reports: list[dict[str, Any]] = []
    creds = creds or XCredentials.from_env(OAUTH1)
    api = XApi(creds.client(), policy=x_policy(sleep=lambda s: None), clock=DM_NOW.timestamp)
    source = XSource(
        "x",
        api,
        playbook,
        streams,
        report=lambda name, status: reports.append(status),
        clock=lambda: DM_NOW,
    )
    return source, reports


def window(batch: SourceBatch, key: str = KEY) -> dict[str, Any]:
    streams = batch.cursor["streams"]
    assert isinstance(streams, dict)
    result: dict[str, Any] = streams[key]["window"]
    return result


def test_every_field_of_a_direct_message(playbook: Playbook) -> None:
    stream = DirectMessagesStream("NorthwindHelp")
    page = Page.parse(payload("dm_events_page1.json"))
    posts, rejected = normalize_dm_page(page, stream.context(playbook), OUR_ID)
    assert rejected == []
    inbound, outbound = posts  # the ParticipantsLeave event carries no words: skipped
    assert inbound.network is Network.TWITTER
    assert inbound.id == "1582838499983564806"
    assert inbound.text == "Hi everyone."
    assert inbound.kind is PostKind.DIRECT_MESSAGE
    assert inbound.direction is Direction.INBOUND
    assert inbound.created_at == datetime(2022, 10, 19, 20, 58, tzinfo=UTC)
    assert inbound.conversation_id == "1578398451921985538"
    assert inbound.in_reply_to_id is None
    assert inbound.url == "https://x.com/messages/1578398451921985538"
    assert inbound.account == "northwindhelp"
    assert inbound.author is not None
    assert inbound.author.model_dump(exclude_none=True) == {
        "id": "944480690",
        "handle": "jane_customer",
        "name": "Jane Customer",
        "followers": 412,
        "following": 380,
        "posts": 2210,
        "verified": False,
        "profile_url": "https://x.com/jane_customer",
    }
    assert inbound.raw is not None and inbound.raw["dm_event"]["event_type"] == "MessageCreate"
    assert inbound.raw["stream"] == KEY
    # sent by our own account: outbound, on the account, in the one-to-one conversation
    assert outbound.direction is Direction.OUTBOUND
    assert outbound.author is not None and outbound.author.handle == "NorthwindHelp"
    assert outbound.account == "northwindhelp"
    assert outbound.conversation_id == "944480690-1500000000000000002"


def test_partial_events_are_read_or_rejected_never_crash(playbook: Playbook) -> None:
    ctx = DirectMessagesStream("NorthwindHelp").context(playbook)
    body = {
        "data": [
            {"id": "1582835728512049728", "event_type": "MessageCreate", "sender_id": "7"},
            {"id": "1582835728512049729", "event_type": "MessageCreate", "text": "no includes"},
            {
                "id": "1582835728512049730",
                "event_type": "MessageCreate",
                "attachments": {"media_keys": ["3_1"]},
                "participant_ids": "not a list",
            },
            {"id": "oops", "event_type": "MessageCreate", "text": "bad id"},
            "not an event",
        ]
    }
    posts, rejected = normalize_dm_page(Page.parse(body), ctx, OUR_ID)
    assert [p.text for p in posts] == ["no includes", "[attachment: 3_1]"]
    assert posts[0].author is None and posts[0].direction is Direction.INBOUND
    assert [r.field for r in rejected] == ["text", "id"]
    # our sender known only by its id is still outbound
    ours = {"data": [{"id": "1", "event_type": "MessageCreate", "text": "hi", "sender_id": OUR_ID}]}
    (post,), _ = normalize_dm_page(Page.parse(ours), ctx, OUR_ID)
    assert post.direction is Direction.OUTBOUND and post.author is not None


@responses.activate
def test_dms_page_back_to_the_mark_and_move_it_only_at_the_end(playbook: Playbook) -> None:
    add_json(ME_URL, "users_me.json")
    add_json(DM_URL, "dm_events_page1.json")
    page2 = payload("dm_events_page2.json")
    page2["meta"]["next_token"] = "a-page-older-than-the-mark"
    add_json(DM_URL, page2)
    source, reports = make_source(playbook, [DirectMessagesStream("NorthwindHelp")])
    mark = "1582835728512049728"  # the 20:47 message, committed by the last pass
    cursor = {"v": 1, "streams": {KEY: {"user_id": OUR_ID, "window": {"newest_id": mark}}}}
    first, last = source.pull(cursor)
    assert [p.id for p in first.posts] == ["1582838499983564806", "1582836483486769728"]
    assert window(first)["newest_id"] == mark  # mid-window: the mark has not moved
    pending = window(first)["pending"]
    assert pending["next_token"] == TOKEN and pending["newest_id"] == "1582838535115067392"
    # page 2 reaches the mark: the overlap re-reads the 20:47 message (the ledger dedups),
    # older events are dropped and page 3 is never asked for
    assert [p.id for p in last.posts] == [mark]
    assert window(last) == {"newest_id": "1582838535115067392", "pending": None}
    assert len(responses.calls) == 2  # no /users/me: the id is in the cursor
    one, two = params(0), params(1)
    assert "pagination_token" not in one and two["pagination_token"] == TOKEN
    assert "since_id" not in one
    assert one["dm_event.fields"] == (
        "id,text,event_type,dm_conversation_id,created_at,sender_id,participant_ids,"
        "referenced_tweets,attachments"
    )
    assert one["expansions"] == "sender_id,participant_ids"
    assert one["user.fields"] == "username,name,public_metrics,verified"
    assert one["event_types"] == "MessageCreate"
    assert one["max_results"] == "100"
    auth = responses.calls[0].request.headers["Authorization"]
    assert str(auth).startswith("OAuth ")  # user context: app-only cannot read DMs
    assert reports[-1]["reads_this_pass"] == 6


@responses.activate
def test_an_interrupted_dm_window_resumes_with_its_token(playbook: Playbook) -> None:
    add_json(ME_URL, "users_me.json")
    add_json(DM_URL, "dm_events_page1.json")
    source, _ = make_source(playbook, [DirectMessagesStream("NorthwindHelp")])
    first = next(source.pull(None))  # first pass: the last 24 hours; dies after page 1
    assert window(first)["pending"]["stop_id"] == str(id_at(DM_NOW - timedelta(days=1)))
    responses.reset()
    add_json(DM_URL, "dm_events_page2.json")
    (resumed,) = source.pull(first.cursor)
    assert params(0)["pagination_token"] == TOKEN
    assert [p.id for p in resumed.posts] == ["1582835728512049728", "1582831450321969728"]
    assert window(resumed) == {"newest_id": "1582838535115067392", "pending": None}


@responses.activate
def test_an_expired_dm_token_reads_again_from_the_newest(playbook: Playbook) -> None:
    add_json(ME_URL, "users_me.json")
    add_json(DM_URL, "dm_events_page1.json")
    source, _ = make_source(playbook, [DirectMessagesStream("NorthwindHelp")])
    first = next(source.pull(None))
    responses.reset()
    add_json(DM_URL, {"errors": [{"message": "The `pagination_token` is not valid"}]}, 400)
    page1 = payload("dm_events_page1.json")
    del page1["meta"]["next_token"]
    add_json(DM_URL, page1)
    (again,) = source.pull(first.cursor)
    assert "pagination_token" not in params(1)
    assert len(again.posts) == 2  # already committed: the ledger drops them
    assert window(again)["pending"] is None


@responses.activate
def test_403_on_dms_stops_only_the_dm_stream(playbook: Playbook) -> None:
    add_json(ME_URL, "users_me.json")
    add_json(MENTIONS_URL, "mentions_page2.json")
    add_json(TWEETS_URL, "users_tweets.json")
    add_json(DM_URL, "error_403.json", 403)
    source, reports = make_source(playbook, [HELP, DirectMessagesStream("NorthwindHelp")])
    batches: list[SourceBatch] = []
    with pytest.raises(SourceApiError, match=r"dms:@northwindhelp.*403") as caught:
        batches.extend(source.pull(None))
    assert "direct messages need user context" in str(caught.value)
    assert "secret" not in str(caught.value)
    assert [p.id for b in batches for p in b.posts] == ["1600000000000000200"]
    assert "403" in reports[-1]["streams"][KEY]["stopped"]
    calls = len(responses.calls)
    with pytest.raises(SourceApiError):
        batches.extend(source.pull(batches[-1].cursor))  # mentions still polled, DMs not
    assert all(MENTIONS_URL in str(c.request.url) for c in responses.calls[calls:])


@responses.activate
def test_a_token_of_another_account_or_no_user_context_stops_with_a_reason(
    playbook: Playbook,
) -> None:
    add_json(ME_URL, {"data": {"id": "42", "name": "Other", "username": "SomeoneElse"}})
    source, reports = make_source(playbook, [DirectMessagesStream("NorthwindHelp")])
    with pytest.raises(SourceApiError, match="belongs to @SomeoneElse, not @NorthwindHelp"):
        list(source.pull(None))
    bearer = XCredentials(bearer_token="b")
    source, reports = make_source(playbook, [DirectMessagesStream("NorthwindHelp", False)], bearer)
    with pytest.raises(SourceApiError, match=r"need OAuth 1\.0a user context.*X_CONSUMER_KEY"):
        list(source.pull(None))
    assert "X_CONSUMER_KEY" in reports[-1]["streams"][KEY]["stopped"]


def test_dms_are_off_by_default_and_validated_per_account(playbook: Playbook) -> None:
    creds = XCredentials.from_env(OAUTH1)
    keys = [s.key for s in XOptions(listening=False).streams(playbook, creds)]
    assert not any(k.startswith("dms:") for k in keys)
    every = XOptions(listening=False, direct_messages=True).streams(playbook, creds)
    assert [s.key for s in every if s.key.startswith("dms:")] == [
        "dms:@northwindbank",
        "dms:@northwindhelp",
    ]
    one = XSourceConfig.model_validate(
        {"type": "x", "accounts": ["NorthwindHelp"], "direct_messages": ["@northwindhelp"]}
    )
    dms = [s for s in one.streams(playbook, creds) if isinstance(s, DirectMessagesStream)]
    assert [(s.handle, s.user_context) for s in dms] == [("NorthwindHelp", True)]
    with pytest.raises(ValidationError, match="@Stranger, which is not among the accounts"):
        XSourceConfig.model_validate(
            {"type": "x", "accounts": ["NorthwindHelp"], "direct_messages": ["Stranger"]}
        )
    with pytest.raises(ValidationError):
        XSourceConfig.model_validate({"type": "x", "direct_messages": "yes please"})


@responses.activate
def test_check_reports_dm_access(playbook: Playbook) -> None:
    add_json(ME_URL, "users_me.json")
    add_json(ME_URL, "users_me.json")
    add_json(MENTIONS_URL, "mentions_page2.json")
    add_json(TWEETS_URL, "users_tweets.json")
    add_json(DM_URL, "dm_events_page2.json")
    options = XOptions(
        accounts=["NorthwindHelp"],
        account_ids={"NorthwindHelp": OUR_ID},
        listening=False,
        direct_messages=True,
    )
    lines = check_access(options, playbook, OAUTH1)
    assert [(line.what, line.ok) for line in lines] == [
        ("credentials", True),
        ("user context", True),
        ("mentions:@northwindhelp", True),
        ("tweets:@northwindhelp", True),
        (KEY, True),
    ]
    assert "direct messages readable" in lines[4].detail
    responses.reset()
    add_json(ME_URL, "users_me.json")
    add_json(ME_URL, "users_me.json")
    add_json(MENTIONS_URL, "mentions_page2.json")
    add_json(DM_URL, "error_403.json", 403)
    denied = check_access(options, playbook, OAUTH1)[-1]
    assert not denied.ok and "403" in denied.detail and "direct messages" in denied.detail
    assert all("secret" not in line.detail for line in [denied, *lines])


def test_the_readme_x_example_is_a_valid_entry_and_fixtures_cite_their_page(
    playbook: Playbook,
) -> None:
    readme = (Path(__file__).resolve().parents[3] / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## X (Twitter) source") :]
    block = section[
        section.index("```toml") + 7 : section.index("```", section.index("```toml") + 7)
    ]
    (entry,) = tomllib.loads(block)["sources"]
    config = XSourceConfig.model_validate(entry)
    creds = XCredentials.from_env(OAUTH1)
    assert KEY in [s.key for s in config.streams(playbook, creds)]
    for name in ("dm_events_page1.json", "dm_events_page2.json", "users_me.json"):
        assert payload(name)["_source"].startswith("https://")

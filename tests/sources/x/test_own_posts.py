"""Our own posts on X (``GET /2/users/:id/tweets``): replies written on X are outbound and
set the first response of their thread's Case."""

from __future__ import annotations

import json

import responses

from sf_social.pipeline import Pipeline
from sf_social.plan import WriteMode
from sf_social.playbook import Playbook
from sf_social.posts import Direction
from sf_social.records import CaseRecord
from sf_social.sources.x.client import XCredentials
from sf_social.sources.x.config import XOptions
from sf_social.sources.x.streams import MentionsStream, OwnPostsStream
from tests.sources.x.conftest import TWEETS_URL, USER_URL, add_json, make_rig, params


@responses.activate
def test_our_reply_on_x_is_outbound_and_sets_the_first_response(playbook: Playbook) -> None:
    add_json(USER_URL, "user_by_username.json")
    add_json(TWEETS_URL, "users_tweets.json")
    rig = make_rig(playbook, [OwnPostsStream("NorthwindHelp")])
    (batch,) = rig.pull()
    reply, announcement = batch.posts
    assert reply.direction is announcement.direction is Direction.OUTBOUND
    assert reply.thread_root_id == "1600000000000000100" and reply.is_reply
    asked = params(1)
    assert asked["exclude"] == "retweets" and "since_id" in asked
    assert json.dumps(batch.cursor).count(f'"newest_id": "{reply.id}"') == 1

    (answer,) = [
        w.record
        for w in Pipeline(playbook).plan(reply).writes
        if isinstance(w.record, CaseRecord) and w.mode is WriteMode.UPDATE_ONLY
    ]
    assert isinstance(answer, CaseRecord)
    assert answer.thread_key == "twitter:thread:1600000000000000100"
    assert answer.first_response == reply.created_at
    assert Pipeline(playbook).plan(announcement).writes == []  # answering nobody


def test_each_account_gets_an_own_posts_stream_unless_turned_off(playbook: Playbook) -> None:
    creds = XCredentials(bearer_token="t")
    options = XOptions(accounts=["NorthwindHelp", "NorthwindBank"], listening=False)
    keys = [s.key for s in options.streams(playbook, creds)]
    assert keys == [
        "mentions:@northwindhelp",
        "mentions:@northwindbank",
        "tweets:@northwindhelp",
        "tweets:@northwindbank",
    ]
    off = XOptions(accounts=["NorthwindHelp"], listening=False, own_posts=False)
    assert [type(s) for s in off.streams(playbook, creds)] == [MentionsStream]

"""Posting replies on X, and what the reply job reads first: the post replied to, the
account's latest posts (to find a reply whose outcome a crash hid).

Posting is not idempotent: :meth:`XReplyClient.post_reply` makes exactly one attempt
(``sf_social.http`` with one attempt and no rate-limit wait). What the failure means is the
caller's to decide from the error: ``SourceRateLimitError`` or ``SourceAuthError``: not
posted; a transient ``SourceApiError`` (5xx, a timeout, a reset): the outcome is unknown;
another (a 403 for a post that did not summon the account, duplicate content): refused.
Reads retry as every X call does.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, replace
from typing import Any

import tweepy

from sf_social.http import ApiCaller, Clock, Refusal, Verdict
from sf_social.retry import RetryPolicy
from sf_social.social_reply import (
    PostedReply,
    XTarget,
)
from sf_social.sources.x.client import POLICY, XApi, classify
from sf_social.sources.x.normalize import X_BASE

DUPLICATE = "duplicate content"
"""What X's 403 for a post whose text the account already posted says."""
RECENT = 100
"""How many of the account's latest posts a lookup reads (one call)."""
_URL = re.compile(r"https?://\S+")
_LEADING_MENTIONS = re.compile(r"^(?:@\w+\s+)+")


@dataclass(frozen=True)
class RecentPost:
    """One of the account's latest posts: its text and the post it replies to."""

    id: str
    text: str
    replied_to_id: str | None


def same_text(posted: str, written: str) -> bool:
    """Whether X's text of a post is the reply as written (links shortened by t.co, the
    mentions X puts before a reply's text ignored)."""

    def norm(text: str) -> str:
        text = _LEADING_MENTIONS.sub("", text.strip())
        return " ".join(_URL.sub("<link>", text).split())

    return norm(posted) == norm(written)


class XReplyClient:
    """One X account's replies, through a ``tweepy.Client`` with its user context."""

    def __init__(
        self,
        client: Any,
        account_id: str,
        *,
        policy: RetryPolicy | None = None,
        clock: Clock = time.time,
    ) -> None:
        self.client = client
        self.account_id = account_id
        self.reads = XApi(client, policy=policy, clock=clock)
        once = replace(policy or POLICY, attempts=1, max_rate_wait=0.0)
        self.posts = ApiCaller("X", _classify_post, policy=once, clock=clock)

    def target(self, post_id: str) -> XTarget:
        """The post replied to: its author and whom it mentions, quotes or replies to."""
        body = self.reads.call(
            "replies",
            "GET /2/tweets/:id",
            lambda: self.client.get_tweet(
                post_id,
                tweet_fields=["author_id", "entities", "referenced_tweets", "in_reply_to_user_id"],
                expansions=["referenced_tweets.id.author_id"],
                user_auth=True,
            ),
        )
        data = body.get("data") or {}
        quoted = {
            r.get("id") for r in data.get("referenced_tweets") or [] if r.get("type") == "quoted"
        }
        included = (body.get("includes") or {}).get("tweets") or []
        return XTarget(
            post_id=post_id,
            author_id=str(data.get("author_id") or ""),
            mentioned_ids=frozenset(
                str(m["id"])
                for m in (data.get("entities") or {}).get("mentions") or []
                if m.get("id")
            ),
            quoted_author_ids=frozenset(
                str(t.get("author_id")) for t in included if t.get("id") in quoted
            ),
            replied_to_id=data.get("in_reply_to_user_id"),
        )

    def post_reply(self, in_reply_to: str, text: str) -> PostedReply:
        """Post ``text`` as a reply to ``in_reply_to``: exactly one attempt."""
        body = self.posts.call(
            "replies",
            "POST /2/tweets",
            lambda: raw_answer(
                lambda: self.client.create_tweet(
                    text=text, in_reply_to_tweet_id=in_reply_to, user_auth=True
                )
            ),
        )
        posted_id = str((body.get("data") or {}).get("id") or "")
        if not posted_id:
            raise ValueError(f"X answered no post id: {body!r:.200}")
        return PostedReply(posted_id, post_url(posted_id))

    def recent_posts(self) -> list[RecentPost]:
        """The account's latest posts (one call, ``RECENT`` at most)."""
        body = self.reads.call(
            "replies",
            "GET /2/users/:id/tweets",
            lambda: self.client.get_users_tweets(
                self.account_id,
                max_results=RECENT,
                tweet_fields=["referenced_tweets", "created_at"],
                user_auth=True,
            ),
        )
        return [
            RecentPost(
                str(p["id"]),
                str(p.get("text") or ""),
                next(
                    (
                        str(r.get("id"))
                        for r in p.get("referenced_tweets") or []
                        if r.get("type") == "replied_to"
                    ),
                    None,
                ),
            )
            for p in body.get("data") or []
            if p.get("id")
        ]

    def find_reply(self, in_reply_to: str, text: str) -> PostedReply | None:
        """Our reply to ``in_reply_to`` with ``text`` among the latest posts, if there."""
        for post in self.recent_posts():
            if post.replied_to_id == in_reply_to and same_text(post.text, text):
                return PostedReply(post.id, post_url(post.id))
        return None


def post_url(post_id: str) -> str:
    """Where a post is seen (X redirects ``/i/status/<id>`` to the author's handle)."""
    return f"{X_BASE}/i/status/{post_id}"


def raw_answer(request: Any) -> Any:
    """``request()``'s answer, a refusal included (tweepy raises on 4xx and 5xx)."""
    try:
        return request()
    except tweepy.HTTPException as exc:
        return exc.response


def _classify_post(response: Any) -> Refusal | None:
    """A post's answer: 403 is a refusal of this post (not of the credentials)."""
    if response.status_code == 403:
        return Refusal(Verdict.FATAL, _detail(response))
    return classify(response)


def _detail(response: Any) -> str:
    try:
        body = response.json()
    except ValueError:
        return f"{response.status_code}: {response.text[:200]}"
    status, title = body.get("status", response.status_code), body.get("title", "")
    return f"{status} {title}: {body.get('detail', '')}"

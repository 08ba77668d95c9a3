"""A local twin of X's posting endpoints, with X's own refusals.

``XPostingTwin`` keeps posts in memory, in the X API v2 shapes, and answers through
``responses`` (no network)::

    twin = XPostingTwin(me="100", tier="basic")
    twin.add_post("555", author_id="42", text="@acme my parcel is late", mentions=("100",))
    with twin.mock():
        ...  # tweepy's create_tweet(..., in_reply_to_tweet_id="555") posts as account 100

Endpoints: ``POST /2/tweets`` (``text``, ``reply.in_reply_to_tweet_id``), ``GET
/2/tweets/:id`` (``entities.mentions``, ``referenced_tweets`` and their authors in
``includes``), ``GET /2/users/:id/tweets`` (newest first, ``max_results``), and direct
messages: ``POST /2/dm_conversations/:id/messages`` (a 403 outside the account's
conversations) and ``GET /2/dm_conversations/:id/dm_events`` (newest first). Refusals as X
answers them (``{"title", "detail", "type", "status"}``): 403 for a reply to a post that
neither mentions, quotes nor replies to the account on a tier other than Enterprise, 403
for duplicate content, 429 with ``x-rate-limit-reset``, 404 for an unknown post, and
scripted ones (:meth:`fail_next`): ``429``, ``503`` (not posted) and ``lost`` (posted, but
the answer is a 503: the outcome a client cannot know). ``created`` lists what was posted;
:func:`twin_poster` is the reply job's X poster that posts there.
:meth:`answer` serves one request from any transport (a loopback server in another process's
tests); ``answer_delay`` seconds pass between storing a post and answering, as on X, where a
client that dies then never learns its post exists.
"""

from __future__ import annotations

import itertools
import json
import math
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests
import responses
import tweepy

from sf_social.retry import RetryPolicy
from sf_social.social_reply import XTier
from sf_social.sources.x.poster import XPoster
from sf_social.sources.x.replies import XReplyClient

_API = r"https://api\.(?:twitter|x)\.com/2"
_TWEETS = re.compile(_API + r"/tweets(?:\?.*)?$")
_TWEET = re.compile(_API + r"/tweets/(?P<id>\d+)(?:\?.*)?$")
_TIMELINE = re.compile(_API + r"/users/(?P<id>\d+)/tweets(?:\?.*)?$")
_MESSAGES = re.compile(_API + r"/dm_conversations/(?P<id>\d+-\d+)/messages$")
_EVENTS = re.compile(_API + r"/dm_conversations/(?P<id>\d+-\d+)/dm_events(?:\?.*)?$")
UNSUMMONED = (
    "Reply to this conversation is not allowed because you have not been mentioned or"
    " otherwise engaged by the author of the post you are replying to."
)
DUPLICATE = "You are not allowed to create a Tweet with duplicate content."

Answer = tuple[int, dict[str, str], str]


@dataclass
class _Post:
    id: str
    author_id: str
    text: str
    mentions: tuple[str, ...] = ()
    quotes: str | None = None
    replied_to: str | None = None
    in_reply_to_user_id: str | None = None


@dataclass
class XPostingTwin:
    """X as one account (``me``) sees it; see the module docstring."""

    me: str
    tier: str = "basic"
    reset_after: float = 900.0
    """Seconds from a 429 to the ``x-rate-limit-reset`` it names (X's windows: 15 minutes)."""
    answer_delay: float = 0.0
    """Seconds between storing a new post and answering for it."""
    refuse_duplicates: bool = True
    """X's 403 for a text the account already posted (off: a test of our own protection)."""
    posts: dict[str, _Post] = field(default_factory=dict)
    messages: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    """Direct-message events by conversation (``<a>-<b>``), oldest first."""
    created: list[str] = field(default_factory=list)
    calls: list[str] = field(default_factory=list)
    _failures: list[str] = field(default_factory=list)
    _lookup_failures: list[str] = field(default_factory=list)
    _ids: Iterator[int] = field(default_factory=lambda: itertools.count(1_900_000_000_000_000_001))

    def add_post(
        self,
        post_id: str,
        *,
        author_id: str,
        text: str,
        mentions: tuple[str, ...] = (),
        quotes: str | None = None,
    ) -> None:
        """A post someone made (``mentions`` and the author of ``quotes``: user ids)."""
        self.posts[post_id] = _Post(post_id, author_id, text, mentions, quotes)

    def add_message(self, conversation: str, *, sender_id: str, text: str) -> None:
        """A direct message someone sent in ``conversation`` (``<a>-<b>`` of user ids)."""
        event = {"id": str(next(self._ids)), "text": text, "sender_id": sender_id}
        self.messages.setdefault(conversation, []).append(event)

    def fail_next(self, *how: str) -> None:
        """The next posts fail: ``"429"``, ``"503"`` (not posted), ``"lost"`` (posted,
        answered 503) or ``"garbled"`` (posted, answered 201 without the post's id)."""
        self._failures.extend(how)

    def fail_next_lookup(self, *how: str) -> None:
        """The next reads of the account's posts or a conversation answer ``"429"`` or
        ``"503"``."""
        self._lookup_failures.extend(how)

    def answer(self, method: str, url: str, body: bytes | None) -> Answer | None:
        """X's answer to ``method url`` (``None``: not one of the twin's endpoints)."""
        request = requests.Request(method, url, data=body).prepare()
        if method == "POST" and _TWEETS.match(url):
            return self._create(request)
        if method == "GET" and _TWEET.match(url):
            return self._lookup(request)
        if method == "GET" and _TIMELINE.match(url):
            return self._timeline(request)
        if method == "POST" and _MESSAGES.match(url):
            return self._send(request)
        if method == "GET" and _EVENTS.match(url):
            return self._events(request)
        return None

    @contextmanager
    def mock(self, rsps: responses.RequestsMock | None = None) -> Iterator[XPostingTwin]:
        """Answer ``requests`` calls to X's posting endpoints for the block."""
        mock = rsps or responses.RequestsMock(assert_all_requests_are_fired=False)
        mock.add_callback(responses.POST, _TWEETS, callback=self._create, content_type=None)
        mock.add_callback(responses.GET, _TWEET, callback=self._lookup, content_type=None)
        mock.add_callback(responses.GET, _TIMELINE, callback=self._timeline, content_type=None)
        mock.add_callback(responses.POST, _MESSAGES, callback=self._send, content_type=None)
        mock.add_callback(responses.GET, _EVENTS, callback=self._events, content_type=None)
        if rsps is None:
            with mock:
                yield self
        else:
            yield self

    # -- endpoints ---------------------------------------------------------------------

    def _create(self, request: requests.PreparedRequest) -> Answer:
        self.calls.append("POST /2/tweets")
        body = json.loads(request.body or b"{}")
        text = str(body.get("text") or "")
        parent_id = str((body.get("reply") or {}).get("in_reply_to_tweet_id") or "")
        failure = self._failures.pop(0) if self._failures else None
        if failure in ("429", "503"):
            return self._refused(failure)
        parent = self.posts.get(parent_id) if parent_id else None
        if parent_id and parent is None:
            return _problem(404, "Not Found Error", f"Could not find tweet with id: [{parent_id}].")
        if parent is not None and self.tier != "enterprise" and not self._summoned(parent):
            return _problem(403, "Forbidden", UNSUMMONED)
        if self.refuse_duplicates and any(
            p.author_id == self.me and p.text == text for p in self.posts.values()
        ):
            return _problem(403, "Forbidden", DUPLICATE)
        post = _Post(
            str(next(self._ids)),
            self.me,
            text,
            replied_to=parent_id or None,
            in_reply_to_user_id=parent.author_id if parent else None,
        )
        self.posts[post.id] = post
        self.created.append(post.id)
        time.sleep(self.answer_delay)
        if failure == "lost":
            return _problem(503, "Service Unavailable", "Service Unavailable")
        if failure == "garbled":
            return 201, {}, json.dumps({"data": {}})
        return 201, {}, json.dumps({"data": {"id": post.id, "text": text}})

    def _refused(self, failure: str) -> Answer:
        """A scripted refusal: ``429`` (with its reset) or ``503``; nothing is posted."""
        if failure == "429":
            reset = math.ceil(time.time() + self.reset_after)
            headers = {"x-rate-limit-remaining": "0", "x-rate-limit-reset": str(reset)}
            return _problem(429, "Too Many Requests", "Too Many Requests", headers)
        return _problem(503, "Service Unavailable", "Service Unavailable")

    def _lookup(self, request: requests.PreparedRequest) -> Answer:
        self.calls.append("GET /2/tweets/:id")
        match = _TWEET.match(request.url or "")
        post = self.posts.get(match["id"]) if match else None
        if post is None:
            return _problem(404, "Not Found Error", "Could not find tweet.")
        data = _shape(post)
        data["entities"] = {"mentions": [{"id": m, "username": f"user{m}"} for m in post.mentions]}
        includes = {}
        quoted = self.posts.get(post.quotes or "")
        if quoted is not None:
            includes = {"tweets": [{"id": quoted.id, "author_id": quoted.author_id}]}
        return 200, {}, json.dumps({"data": data, "includes": includes})

    def _timeline(self, request: requests.PreparedRequest) -> Answer:
        self.calls.append("GET /2/users/:id/tweets")
        if self._lookup_failures:
            return self._refused(self._lookup_failures.pop(0))
        match = _TIMELINE.match(request.url or "")
        query = parse_qs(urlsplit(request.url or "").query)
        limit = int((query.get("max_results") or ["10"])[0])
        user = match["id"] if match else ""
        mine = [p for p in self.posts.values() if p.author_id == user]
        newest = sorted(mine, key=lambda p: int(p.id), reverse=True)[:limit]
        return 200, {}, json.dumps({"data": [_shape(p) for p in newest]})

    def _send(self, request: requests.PreparedRequest) -> Answer:
        self.calls.append("POST /2/dm_conversations/:id/messages")
        match = _MESSAGES.match(request.url or "")
        conversation = match["id"] if match else ""
        text = str(json.loads(request.body or b"{}").get("text") or "")
        failure = self._failures.pop(0) if self._failures else None
        if failure in ("429", "503"):
            return self._refused(failure)
        if self.me not in conversation.split("-"):
            return _problem(403, "Forbidden", "You are not permitted to send this message.")
        event = {"id": str(next(self._ids)), "text": text, "sender_id": self.me}
        self.messages.setdefault(conversation, []).append(event)
        self.created.append(event["id"])
        time.sleep(self.answer_delay)
        if failure == "lost":
            return _problem(503, "Service Unavailable", "Service Unavailable")
        data = {"dm_conversation_id": conversation, "dm_event_id": event["id"]}
        return 201, {}, json.dumps({"data": data})

    def _events(self, request: requests.PreparedRequest) -> Answer:
        self.calls.append("GET /2/dm_conversations/:id/dm_events")
        if self._lookup_failures:
            return self._refused(self._lookup_failures.pop(0))
        match = _EVENTS.match(request.url or "")
        query = parse_qs(urlsplit(request.url or "").query)
        limit = int((query.get("max_results") or ["100"])[0])
        events = self.messages.get(match["id"] if match else "", [])
        newest = [{**e, "event_type": "MessageCreate"} for e in reversed(events)][:limit]
        return 200, {}, json.dumps({"data": newest})

    def _summoned(self, parent: _Post) -> bool:
        quoted = self.posts.get(parent.quotes or "")
        return (
            self.me in parent.mentions
            or (quoted is not None and quoted.author_id == self.me)
            or parent.in_reply_to_user_id == self.me
            or parent.author_id == self.me
        )


def twin_poster(account_id: str, tier: XTier = XTier.BASIC) -> XPoster:
    """The reply job's X poster for ``account_id`` with placeholder user-context
    credentials and instant retries: what posts on the twin."""
    client = tweepy.Client(
        consumer_key="twin",
        consumer_secret="twin",  # noqa: S106 - the twin checks no signature
        access_token="twin",  # noqa: S106
        access_token_secret="twin",  # noqa: S106
        return_type=requests.Response,
    )
    clients = {account_id: XReplyClient(client, account_id, policy=RetryPolicy.instant())}
    return XPoster(clients, tier)


def _shape(post: _Post) -> dict[str, Any]:
    data: dict[str, Any] = {"id": post.id, "text": post.text, "author_id": post.author_id}
    refs = [{"type": "replied_to", "id": post.replied_to}] if post.replied_to else []
    refs += [{"type": "quoted", "id": post.quotes}] if post.quotes else []
    if refs:
        data["referenced_tweets"] = refs
    if post.in_reply_to_user_id:
        data["in_reply_to_user_id"] = post.in_reply_to_user_id
    return data


def _problem(status: int, title: str, detail: str, headers: dict[str, str] | None = None) -> Answer:
    body = {"title": title, "detail": detail, "type": "about:blank", "status": status}
    return status, {"content-type": "application/problem+json", **(headers or {})}, json.dumps(body)

"""A local twin of the Graph API's posting endpoints for a page, with Meta's own refusals.

``GraphPostingTwin`` keeps a page's posts, comments and Messenger conversations in memory
and answers through ``responses`` (no network)::

    twin = GraphPostingTwin(page_id="300")
    twin.add_post("300_1", author="300")
    twin.add_comment("1_7", on="300_1", author="42", text="my parcel is late")
    twin.add_message("4242", "where is my order?", at=datetime.now(UTC) - timedelta(hours=2))
    with twin.mock():
        ...  # FacebookPoster(PageToken("page-token"), "300") replies as the page

Endpoints (``/v<version>/`` of ``graph.facebook.com``): ``GET /{id}`` (a post's or a
comment's ``from``, ``can_comment``; a message's ``from`` and ``to``), ``GET
/{object-id}/comments`` (newest first), ``POST /{object-id}/comments`` (``message``;
answers the new comment's ``id``), ``GET /{page-id}/conversations`` (``user_id``: the
conversation's messages, newest first) and ``POST /{page-id}/messages`` (``recipient.id``,
``messaging_type``, ``tag``; answers ``recipient_id`` and ``message_id``). Errors as Graph
gives them (``{"error": {"message", "type", "code", "error_subcode", "fbtrace_id"}}``):
190 for another token, 100 for an unknown object, 10 / 2018278 for a message outside the
24-hour window (7 days with ``HUMAN_AGENT``), 506 for a duplicate comment of the page, and
scripted ones (:meth:`fail_next`): ``rate`` (code 4), ``permission`` (code 200), ``551``
(the person is not available), ``500`` (not posted) and ``lost`` (posted, answered 500).
``created`` lists what was posted.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests
import responses

_GRAPH = r"https://graph\.facebook\.com/v[0-9.]+/"
_NODE = re.compile(_GRAPH + r"(?P<id>[^/?]+)(?:\?.*)?$")
_COMMENTS = re.compile(_GRAPH + r"(?P<id>[^/?]+)/comments(?:\?.*)?$")
_CONVERSATIONS = re.compile(_GRAPH + r"(?P<id>\d+)/conversations(?:\?.*)?$")
_MESSAGES = re.compile(_GRAPH + r"(?P<id>\d+)/messages(?:\?.*)?$")
OUTSIDE_WINDOW = "(#10) This message is sent outside of allowed window."
WINDOW = timedelta(hours=24)
HUMAN_AGENT = timedelta(days=7)

Answer = tuple[int, dict[str, str], str]
_FAILURES = {
    "rate": (400, 4, None, "(#4) Application request limit reached"),
    "permission": (403, 200, None, "(#200) Requires pages_manage_engagement permission"),
    "551": (400, 551, 1545041, "(#551) This person isn't available right now."),
    "500": (500, 2, None, "An unexpected error has occurred. Please retry your request later."),
}


@dataclass
class _Item:
    """A post, comment or message: its id, author, text, parent and time."""

    id: str
    author: str
    text: str = ""
    on: str | None = None
    at: datetime = field(default_factory=lambda: datetime.now(UTC))
    can_comment: bool = True


@dataclass
class GraphPostingTwin:
    """The Graph API as a page's token sees it; see the module docstring."""

    page_id: str
    token: str = "page-token"  # noqa: S105 (the twin's fake token)
    items: dict[str, _Item] = field(default_factory=dict)
    conversations: dict[str, list[_Item]] = field(default_factory=dict)
    created: list[str] = field(default_factory=list)
    calls: list[str] = field(default_factory=list)
    _failures: list[str] = field(default_factory=list)
    _ids: Iterator[int] = field(default_factory=lambda: itertools.count(900_001))

    def add_post(self, post_id: str, *, author: str, text: str = "") -> None:
        """A post on the page's feed (``author``: the page, or a visitor)."""
        self.items[post_id] = _Item(post_id, author, text)

    def add_comment(
        self, comment_id: str, *, on: str, author: str, text: str, can_comment: bool = True
    ) -> None:
        """A comment under the post or comment ``on``."""
        self.items[comment_id] = _Item(comment_id, author, text, on, can_comment=can_comment)

    def add_message(self, psid: str, text: str, *, at: datetime, mid: str | None = None) -> str:
        """A person's Messenger message to the page; its ``mid``."""
        message = _Item(mid or f"m_{next(self._ids)}", psid, text, at=at)
        self.conversations.setdefault(psid, []).append(message)
        return message.id

    def fail_next(self, *how: str) -> None:
        """The next posts fail: ``rate``, ``permission``, ``551``, ``500`` (not posted) or
        ``lost`` (posted, answered 500)."""
        self._failures.extend(how)

    @contextmanager
    def mock(self, rsps: responses.RequestsMock | None = None) -> Iterator[GraphPostingTwin]:
        """Answer ``requests`` calls to the Graph API for the block."""
        mock = rsps or responses.RequestsMock(assert_all_requests_are_fired=False)
        mock.add_callback(responses.GET, _CONVERSATIONS, callback=self._conversation)
        mock.add_callback(responses.POST, _MESSAGES, callback=self._send)
        mock.add_callback(responses.GET, _COMMENTS, callback=self._comments)
        mock.add_callback(responses.POST, _COMMENTS, callback=self._comment)
        mock.add_callback(responses.GET, _NODE, callback=self._node)
        if rsps is None:
            with mock:
                yield self
        else:
            yield self

    # -- endpoints ---------------------------------------------------------------------

    def _node(self, request: requests.PreparedRequest) -> Answer:
        self.calls.append("GET /{id}")
        ident = _match(_NODE, request)
        refused = self._refused(request)
        if refused:
            return refused
        item = self.items.get(ident)
        if item is not None:
            body: dict[str, Any] = {"id": item.id, "from": {"id": item.author}}
            if item.on is not None:
                body |= {"message": item.text, "can_comment": item.can_comment}
            return _ok(body)
        for psid, messages in self.conversations.items():
            for message in messages:
                if message.id == ident:
                    to = self.page_id if message.author == psid else psid
                    return _ok(
                        {"id": ident, "from": {"id": message.author}, "to": {"data": [{"id": to}]}}
                    )
        return _unknown(ident)

    def _comments(self, request: requests.PreparedRequest) -> Answer:
        self.calls.append("GET /{id}/comments")
        ident = _match(_COMMENTS, request)
        refused = self._refused(request)
        if refused:
            return refused
        under = [i for i in self.items.values() if i.on == ident]
        newest = sorted(under, key=lambda i: i.at, reverse=True)
        return _ok({"data": [_shape(i) for i in newest]})

    def _comment(self, request: requests.PreparedRequest) -> Answer:
        self.calls.append("POST /{id}/comments")
        ident = _match(_COMMENTS, request)
        refused = self._refused(request) or self._scripted()
        if refused:
            return refused
        text = str(json.loads(request.body or b"{}").get("message") or "")
        parent = self.items.get(ident)
        if parent is None:
            return _unknown(ident)
        if not parent.can_comment:
            return _error(400, 100, None, "(#100) Comments are not allowed on this object")
        if any(
            i.on == ident and i.author == self.page_id and i.text == text
            for i in self.items.values()
        ):
            return _error(400, 506, None, "(#506) Duplicate status message")
        post_object = ident.partition("_")[2] if parent.on is None else ident.partition("_")[0]
        comment = _Item(f"{post_object}_{next(self._ids)}", self.page_id, text, ident)
        self.items[comment.id] = comment
        return self._created(comment.id, {"id": comment.id})

    def _conversation(self, request: requests.PreparedRequest) -> Answer:
        self.calls.append("GET /{page-id}/conversations")
        refused = self._refused(request)
        if refused:
            return refused
        psid = _query(request).get("user_id", "")
        messages = sorted(self.conversations.get(psid, []), key=lambda m: m.at, reverse=True)
        if not messages:
            return _ok({"data": []})
        thread = {"id": f"t_{psid}", "messages": {"data": [_shape(m) for m in messages[:25]]}}
        return _ok({"data": [thread]})

    def _send(self, request: requests.PreparedRequest) -> Answer:
        self.calls.append("POST /{page-id}/messages")
        refused = self._refused(request) or self._scripted()
        if refused:
            return refused
        body = json.loads(request.body or b"{}")
        psid = str((body.get("recipient") or {}).get("id") or "")
        theirs = [m.at for m in self.conversations.get(psid, []) if m.author == psid]
        if not theirs:
            return _error(400, 100, 2018001, "(#100) No matching user found")
        tagged = body.get("messaging_type") == "MESSAGE_TAG" and body.get("tag") == "HUMAN_AGENT"
        allowed = HUMAN_AGENT if tagged else WINDOW
        if datetime.now(UTC) - max(theirs) > allowed:
            return _error(400, 10, 2018278, OUTSIDE_WINDOW)
        text = str((body.get("message") or {}).get("text") or "")
        message = _Item(f"m_{next(self._ids)}", self.page_id, text)
        self.conversations[psid].append(message)
        return self._created(message.id, {"recipient_id": psid, "message_id": message.id})

    # -- helpers -----------------------------------------------------------------------

    def _refused(self, request: requests.PreparedRequest) -> Answer | None:
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return _error(400, 190, 460, "Error validating access token: the session is invalid")
        return None

    def _scripted(self) -> Answer | None:
        failure = self._failures[0] if self._failures else None
        if failure in _FAILURES:
            self._failures.pop(0)
            return _error(*_FAILURES[failure])
        return None

    def _created(self, ident: str, body: dict[str, Any]) -> Answer:
        self.created.append(ident)
        if self._failures and self._failures[0] == "lost":
            self._failures.pop(0)
            return _error(*_FAILURES["500"])
        return _ok(body)


def _shape(item: _Item) -> dict[str, Any]:
    return {
        "id": item.id,
        "from": {"id": item.author},
        "message": item.text,
        "created_time": item.at.strftime("%Y-%m-%dT%H:%M:%S+0000"),
    }


def _match(pattern: re.Pattern[str], request: requests.PreparedRequest) -> str:
    match = pattern.match(request.url or "")
    return match["id"] if match else ""


def _query(request: requests.PreparedRequest) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(request.url or "").query).items()}


def _ok(body: dict[str, Any]) -> Answer:
    return 200, {"Content-Type": "application/json"}, json.dumps(body)


def _unknown(ident: str) -> Answer:
    message = (
        f"Unsupported get request. Object with ID '{ident}' does not exist, cannot be loaded"
        " due to missing permissions, or does not support this operation"
    )
    return _error(400, 100, 33, message)


def _error(status: int, code: int, subcode: int | None, message: str) -> Answer:
    error: dict[str, Any] = {
        "message": message,
        "type": "OAuthException",
        "code": code,
        "fbtrace_id": "AbCdEfGhIjK",
    }
    if subcode is not None:
        error["error_subcode"] = subcode
    return status, {"Content-Type": "application/json"}, json.dumps({"error": error})

"""A local twin of LinkedIn's Comments API for an organization, with LinkedIn's refusals.

``LinkedInPostingTwin`` keeps posts and comments in memory and answers through
``responses`` (no network)::

    twin = LinkedInPostingTwin(organization="urn:li:organization:5")
    twin.add_post("urn:li:share:1", author="urn:li:organization:5")
    with twin.mock():
        ...  # LinkedInPoster(credentials, "urn:li:organization:5") comments as the page

Endpoints (``https://api.linkedin.com/rest/``, URNs URL-encoded in the path): ``GET
/posts/{urn}`` (``author``), ``POST /socialActions/{urn}/comments`` (``actor``, ``object``,
``message.text``, ``parentComment``; 201 with the ``x-restli-id`` header and the comment,
``commentUrn`` included) and ``GET /socialActions/{urn}/comments`` (``elements``). Every
call needs ``LinkedIn-Version`` and ``X-Restli-Protocol-Version: 2.0.0``. Errors as
LinkedIn gives them (``{"message", "serviceErrorCode", "status"}``): 401 for another token,
404 for an unknown post, 403 for an actor the token may not act as, and scripted ones
(:meth:`fail_next`): ``429``, ``403``, ``503`` (not posted) and ``lost`` (posted, answered
503). ``created`` lists the comment URNs posted.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

import requests
import responses

_REST = r"https://api\.linkedin\.com/rest/"
_POST = re.compile(_REST + r"posts/(?P<urn>[^/?]+)(?:\?.*)?$")
_COMMENTS = re.compile(_REST + r"socialActions/(?P<urn>[^/?]+)/comments(?:\?.*)?$")

Answer = tuple[int, dict[str, str], str]
_FAILURES = {
    "429": (
        429,
        101,
        "Resource level throttle APPLICATION DAY limit for calls to this resource is reached.",
    ),
    "403": (403, 100, "Not enough permissions to access: partnerApiSocialActions.CREATE.20261001"),
    "503": (503, 0, "Service Unavailable"),
}


@dataclass
class _Comment:
    urn: str
    id: str
    actor: str
    object: str
    text: str
    parent: str | None


@dataclass
class LinkedInPostingTwin:
    """LinkedIn as one organization's administrator sees it; see the module docstring."""

    organization: str
    token: str = "linkedin-token"  # noqa: S105 (the twin's fake token)
    posts: dict[str, str] = field(default_factory=dict)
    """Post URN → its author URN."""
    comments: list[_Comment] = field(default_factory=list)
    created: list[str] = field(default_factory=list)
    calls: list[str] = field(default_factory=list)
    _failures: list[str] = field(default_factory=list)
    _ids: Iterator[int] = field(default_factory=lambda: itertools.count(7_100_000_000_000_000_001))

    def add_post(self, urn: str, *, author: str) -> None:
        """A post (``author``: the organization, or a member)."""
        self.posts[urn] = author

    def fail_next(self, *how: str) -> None:
        """The next comments fail: ``429``, ``403``, ``503`` (not posted) or ``lost``
        (posted, answered 503)."""
        self._failures.extend(how)

    @contextmanager
    def mock(self, rsps: responses.RequestsMock | None = None) -> Iterator[LinkedInPostingTwin]:
        """Answer ``requests`` calls to the Comments and Posts APIs for the block."""
        mock = rsps or responses.RequestsMock(assert_all_requests_are_fired=False)
        mock.add_callback(responses.GET, _POST, callback=self._post)
        mock.add_callback(responses.POST, _COMMENTS, callback=self._create)
        mock.add_callback(responses.GET, _COMMENTS, callback=self._list)
        if rsps is None:
            with mock:
                yield self
        else:
            yield self

    def _post(self, request: requests.PreparedRequest) -> Answer:
        self.calls.append("GET /rest/posts/{urn}")
        urn = _urn(_POST, request)
        refused = self._refused(request)
        if refused:
            return refused
        if urn not in self.posts:
            return _problem(404, 0, f"Post {urn} not found")
        return _ok(200, {"id": urn, "author": self.posts[urn], "lifecycleState": "PUBLISHED"})

    def _create(self, request: requests.PreparedRequest) -> Answer:
        self.calls.append("POST /rest/socialActions/{urn}/comments")
        target = _urn(_COMMENTS, request)
        refused = self._refused(request)
        if refused:
            return refused
        failure = self._failures[0] if self._failures else None
        if failure in _FAILURES:
            self._failures.pop(0)
            return _problem(*_FAILURES[failure])
        body = json.loads(request.body or b"{}")
        actor, post = str(body.get("actor") or ""), str(body.get("object") or "")
        if actor != self.organization:
            return _problem(403, 100, f"Member is not allowed to act as {actor}")
        if post not in self.posts:
            return _problem(404, 0, f"Post {post} not found")
        parent = body.get("parentComment")
        if parent is not None and parent != target:
            return _problem(400, 0, "parentComment must be the URN in the path")
        ident = str(next(self._ids))
        comment = _Comment(
            f"urn:li:comment:({post},{ident})",
            ident,
            actor,
            post,
            str((body.get("message") or {}).get("text") or ""),
            parent,
        )
        self.comments.append(comment)
        self.created.append(comment.urn)
        if failure == "lost":
            self._failures.pop(0)
            return _problem(*_FAILURES["503"])
        status, headers, text = _ok(201, _shape(comment))
        return status, {**headers, "x-restli-id": ident}, text

    def _list(self, request: requests.PreparedRequest) -> Answer:
        self.calls.append("GET /rest/socialActions/{urn}/comments")
        target = _urn(_COMMENTS, request)
        refused = self._refused(request)
        if refused:
            return refused
        under = [c for c in self.comments if (c.parent or c.object) == target]
        elements = [_shape(c) for c in reversed(under)]
        return _ok(200, {"elements": elements, "paging": {"start": 0, "count": len(elements)}})

    def _refused(self, request: requests.PreparedRequest) -> Answer | None:
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return _problem(401, 65600, "Invalid access token")
        if request.headers.get("X-Restli-Protocol-Version") != "2.0.0":
            return _problem(400, 0, "X-Restli-Protocol-Version 2.0.0 is required")
        if not request.headers.get("LinkedIn-Version"):
            return _problem(400, 0, "A version must be present. Please specify a version")
        return None


def _shape(comment: _Comment) -> dict[str, Any]:
    shaped: dict[str, Any] = {
        "id": comment.id,
        "commentUrn": comment.urn,
        "$URN": comment.urn,
        "actor": comment.actor,
        "object": comment.object,
        "message": {"text": comment.text},
    }
    if comment.parent:
        shaped["parentComment"] = comment.parent
    return shaped


def _urn(pattern: re.Pattern[str], request: requests.PreparedRequest) -> str:
    match = pattern.match(request.url or "")
    return unquote(match["urn"]) if match else ""


def _ok(status: int, body: dict[str, Any]) -> Answer:
    return status, {"Content-Type": "application/json"}, json.dumps(body)


def _problem(status: int, code: int, message: str) -> Answer:
    body = {"message": message, "serviceErrorCode": code, "status": status}
    return status, {"Content-Type": "application/json"}, json.dumps(body)

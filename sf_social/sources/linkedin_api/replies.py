"""Posting replies on LinkedIn: the reply job's ``linkedin:`` poster, as the organization.

A reply's key names the post replied to: ``linkedin:<post URN>`` (``urn:li:share:`` or
``urn:li:ugcPost:``; what the Case's quick action fills in, the Case of a LinkedIn comment
thread being keyed by the organization's post), or ``linkedin:urn:li:comment:(<post
URN>,<id>)`` (a comment's Task key) to answer inside that comment's thread. The reply is a
comment of the organization (Comments API,
https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/comments-api):
``POST /rest/socialActions/{encoded URN}/comments`` with ``actor`` = the organization URN,
``object`` = the post URN, ``message.text`` (and ``parentComment`` = the comment URN for a
reply in a comment's thread), only under the organization's own posts: the post is read
first (``GET /rest/posts/{encoded post URN}``) and its ``author`` must be the organization;
anything else is refused with the reason. A comment URN whose post is an ``activity`` (the
Posts API cannot read it) is refused too: reply to the post (the Case's key).

The posted id is the created comment's URN (the answer's ``commentUrn``, else built from
``object`` and the ``x-restli-id`` id), what the page source keys a comment by, so its later
read of our comment upserts the reply's Task (``linkedin:<comment URN>``). One attempt per
post; reads retry. After an unknown outcome the reply is looked up among the comments of
the URN replied to (``GET /rest/socialActions/{URN}/comments``, one call) by the
organization with the same text. 401/403 keep the reply Approved (the token, or its
``w_organization_social`` grant); 429 too; other 4xx are final.

Credentials: ``LINKEDIN_ACCESS_TOKEN`` of a page administrator with ``w_organization_social``
(comment as the organization) and ``r_organization_social`` (read its posts and comments).
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from dataclasses import replace
from typing import Any
from urllib.parse import quote

import requests

from sf_social.errors import SourceApiError, SourceAuthError
from sf_social.http import Clock
from sf_social.retry import RetryPolicy
from sf_social.social_reply import (
    LINKEDIN_COMMENT_LIMIT,
    Cleared,
    PostedReply,
    ReplyRefusal,
    SocialReply,
    check_length,
    own_post_refusal,
)
from sf_social.sources.linkedin_api.client import (
    API_BASE,
    POLICY,
    LinkedInApi,
    LinkedInCredentials,
)
from sf_social.sources.linkedin_api.normalize import LINKEDIN

REPLY_SCOPES = ("w_organization_social", "r_organization_social")
FORBIDDEN = (
    "the token lacks w_organization_social (comment as the organization) or"
    " r_organization_social, or its member is not an ADMINISTRATOR of the page: authorize"
    " again with both and update LINKEDIN_ACCESS_TOKEN"
)
COMMENTS = 100
"""How many comments a lookup reads (one call)."""
SOURCE = "replies"
_POST = re.compile(r"^urn:li:(?:share|ugcPost):\d+$")
_COMMENT = re.compile(r"^urn:li:comment:\((?P<post>urn:li:[A-Za-z]+:\d+),(?P<id>\d+)\)$")


class LinkedInPoster:
    """Comments as ``organization`` (``urn:li:organization:<id>``): see the module docstring."""

    prefix = "linkedin"

    def __init__(
        self,
        credentials: LinkedInCredentials,
        organization: str,
        *,
        policy: RetryPolicy | None = None,
        session: requests.Session | None = None,
        base: str = API_BASE,
        clock: Clock = time.time,
    ) -> None:
        reads = policy or POLICY
        once = replace(reads, attempts=1, max_rate_wait=0.0)
        common: dict[str, Any] = {"session": session, "base": base, "clock": clock}
        self.reads = LinkedInApi(credentials, policy=reads, forbidden=FORBIDDEN, **common)
        self.posts = LinkedInApi(credentials, policy=once, forbidden=FORBIDDEN, **common)
        self.organization = organization

    def check(self, reply: SocialReply) -> ReplyRefusal | Cleared:
        """The length, then the post's author (one read); no route to remember."""
        refusal = check_length(reply, LINKEDIN_COMMENT_LIMIT, "a LinkedIn comment")
        if refusal is not None:
            return refusal
        target = reply.reply_to_id
        comment = _COMMENT.match(target)
        post = comment["post"] if comment else target
        if not _POST.match(post):
            return ReplyRefusal(
                f"{target!r} is not a LinkedIn post (urn:li:share:, urn:li:ugcPost:) nor a"
                " comment on one: reply to the organization's post (the Case's key)"
            )
        try:
            body = self.reads.get_json(SOURCE, f"posts/{_encoded(post)}", "GET /rest/posts/{urn}")
        except SourceApiError as exc:
            if exc.transient or isinstance(exc, SourceAuthError):
                raise
            return ReplyRefusal(f"post {post} cannot be read ({exc}): nothing to reply under")
        author = body.get("author") if isinstance(body, dict) else None
        refusal = own_post_refusal(
            post, str(author) if author else None, self.organization, "LinkedIn"
        )
        return refusal if refusal is not None else Cleared()

    def post(self, reply: SocialReply, cleared: Cleared) -> PostedReply:
        """One attempt: the organization's comment."""
        target = reply.reply_to_id
        comment = _COMMENT.match(target)
        post = comment["post"] if comment else target
        body: dict[str, Any] = {
            "actor": self.organization,
            "object": post,
            "message": {"text": reply.body},
        }
        if comment:
            body["parentComment"] = target
        urn = self.posts.post_reading(
            SOURCE,
            f"socialActions/{_encoded(target)}/comments",
            body,
            "POST /rest/socialActions/{urn}/comments",
            lambda response: _created_urn(response, post),
        )
        return PostedReply(urn, comment_url(post, urn))

    def find(self, reply: SocialReply, cleared: Cleared | None) -> PostedReply | None:
        """The organization's comment with the same text under the URN replied to."""
        target = reply.reply_to_id
        comment = _COMMENT.match(target)
        post = comment["post"] if comment else target
        answer = self.reads.get_json(
            SOURCE,
            f"socialActions/{_encoded(target)}/comments?count={COMMENTS}",
            "GET /rest/socialActions/{urn}/comments",
        )
        elements = answer.get("elements") if isinstance(answer, dict) else None
        for element in elements or []:
            if not isinstance(element, dict) or element.get("actor") != self.organization:
                continue
            text = (element.get("message") or {}).get("text")
            urn = _urn_of(element, post)
            if urn and isinstance(text, str) and _same(text, reply.body):
                return PostedReply(urn, comment_url(post, urn))
        return None

    def unknown(self, error: SourceApiError) -> bool:
        """A 5xx, a timeout or a reset: any other refusal is final."""
        return error.transient

    def searched(self, reply: SocialReply, cleared: Cleared | None) -> str:
        """Where :meth:`find` looked, for the Needs review reason."""
        return f"the comments under {reply.reply_to_id} by {self.organization}"


def comment_url(post: str, comment: str) -> str:
    """Where a comment is seen: its post's page, opened at the comment."""
    return f"{LINKEDIN}/feed/update/{post}/?commentUrn={quote(comment, safe='')}"


def linkedin_poster(organization: str, env: Mapping[str, str]) -> LinkedInPoster:
    """The poster of ``organization`` with ``LINKEDIN_ACCESS_TOKEN`` (``ConfigError``
    without it)."""
    return LinkedInPoster(LinkedInCredentials.from_env(env), organization)


def _encoded(urn: str) -> str:
    return quote(urn, safe="")


def _created_urn(response: requests.Response, post: str) -> str:
    """The created comment's URN: ``commentUrn`` of the answer, else built from its id."""
    try:
        body = response.json() if response.content else {}
    except ValueError:
        body = {}
    element = body if isinstance(body, dict) else {}
    if not element.get("id"):
        element = {**element, "id": response.headers.get("x-restli-id")}
    urn = _urn_of(element, post)
    if urn is None:
        raise ValueError("the created comment's URN (commentUrn, x-restli-id) is missing")
    return urn


def _urn_of(element: Mapping[str, Any], post: str) -> str | None:
    urn = element.get("commentUrn") or element.get("$URN")
    if isinstance(urn, str) and urn:
        return urn
    ident = element.get("id")
    return f"urn:li:comment:({post},{ident})" if ident else None


def _same(posted: str, written: str) -> bool:
    return " ".join(posted.split()) == " ".join(written.split())

"""Posting replies on Facebook through the Graph API: the reply job's ``facebook:`` poster.

What a reply's key (``Reply_To_Key__c``, ``facebook:<id>``) names, and how it is answered:

- ``messenger:<PSID>`` (what the Case's quick action fills in for a Messenger Case) or a
  message id ``m_...`` (an inbound message's Task key; its sender read with ``GET
  /{message-id}?fields=from,to``): a Messenger reply, ``POST /{page-id}/messages`` with
  ``recipient.id`` = the PSID and ``messaging_type`` RESPONSE within 24 hours of the
  person's last message, or MESSAGE_TAG with ``tag`` HUMAN_AGENT up to 7 days; refused
  after that. The last message's time is read from the conversation itself (``GET
  /{page-id}/conversations?platform=messenger&user_id=<PSID>`` with its latest messages),
  not from the post replied to: a person who wrote again since keeps the window open, and
  the window is Meta's, counted from the person's latest message;
- ``<page-id>_<n>`` (a page post: the Case of a comment thread is keyed by its post): a
  comment on that post; ``<n>_<m>`` (a comment's id, the Task key of a comment): a reply to
  the comment. Either way ``POST /{object-id}/comments`` with ``message``, and only under
  a post of the page itself: the post (``GET /{post-id}?fields=from``; a comment ``<n>_<m>``
  is on the post ``<page-id>_<n>``, Graph's id scheme) must be the page's, and the comment
  must accept replies (``can_comment``); anything else is refused with the reason.

Posted ids are what the Facebook webhook source keys the same item by: a comment's
``comment_id`` and a message's ``mid`` (its echo), so the source's later read of our reply
upserts the reply's Task (``facebook:<id>``). Posts make exactly one attempt; reads retry.
After an unknown outcome the reply is looked up: among the replies to the object (``GET
/{object-id}/comments``, newest first) from the page with the same text, or among the
conversation's latest messages from the page. Graph's errors are read by ``GraphApi``'s
hook: a permission error (10, 200-299) keeps the reply Approved naming the permission; a
message outside the window (10 / 2018278), a person not reachable (551), a duplicate (506)
or any other refusal is final.

Credentials: the page access token in ``FB_PAGE_TOKEN`` with ``pages_manage_engagement``
(comments) and ``pages_messaging`` (Messenger); the page's id is ``replies.facebook_page_id``.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from sf_social.errors import ConfigError, SourceApiError, SourceAuthError
from sf_social.http import Clock
from sf_social.retry import RetryPolicy
from sf_social.social_reply import (
    FACEBOOK_COMMENT_LIMIT,
    MESSENGER_LIMIT,
    Cleared,
    MessagingType,
    PostedReply,
    ReplyRefusal,
    SocialReply,
    check_length,
    messenger_window,
    own_post_refusal,
)
from sf_social.sources.facebook.graph import GRAPH_BASE, POLICY, TOKEN_ENV, GraphApi, PageToken

REPLY_PERMISSIONS = ("pages_manage_engagement", "pages_messaging")
"""What the page token needs: comments, Messenger."""
FORBIDDEN = (
    "the page token lacks pages_manage_engagement (comments) or pages_messaging (Messenger),"
    " or its user cannot moderate or message as the page: issue a page token with both and"
    " update FB_PAGE_TOKEN"
)
MESSAGES = 25
"""How many of a conversation's latest messages are read (one call)."""
COMMENTS = 100
"""How many of an object's newest comments a lookup reads (one call)."""
SOURCE = "replies"
_GRAPH_ID = re.compile(r"^(?P<object>\d+)_(?P<item>\d+)$")
FACEBOOK_BASE = "https://www.facebook.com"


@dataclass(frozen=True)
class _Comment:
    """Comment under ``object_id`` (a page post or a comment)."""

    object_id: str


@dataclass(frozen=True)
class _Message:
    """Message ``psid`` as ``how``."""

    psid: str
    how: MessagingType


@dataclass(frozen=True)
class _Said:
    """One message or comment as read back: its id, author, text and time."""

    id: str
    author: str
    text: str
    at: datetime | None


class FacebookPoster:
    """Replies as the page ``page_id``: see the module docstring."""

    prefix = "facebook"

    def __init__(
        self,
        token: PageToken,
        page_id: str,
        *,
        policy: RetryPolicy | None = None,
        base: str = GRAPH_BASE,
        clock: Clock = time.time,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        reads = policy or POLICY
        once = replace(reads, attempts=1, max_rate_wait=0.0)
        self.reads = GraphApi(token, policy=reads, clock=clock, base=base, forbidden=FORBIDDEN)
        self.posts = GraphApi(token, policy=once, clock=clock, base=base, forbidden=FORBIDDEN)
        self.page_id = page_id
        self.now = now

    def check(self, reply: SocialReply) -> ReplyRefusal | Cleared:
        """The page's rules for ``reply`` (one to three reads); the route: a comment under
        an object, or a Messenger message and its window."""
        ident = reply.reply_to_id
        psid = self._person(ident)
        if psid is not None:
            refusal = check_length(reply, MESSENGER_LIMIT, "a Messenger message")
            if refusal is not None:
                return refusal
            messages = self._conversation(psid)
            theirs = [m.at for m in messages if m.author == psid and m.at is not None]
            window = messenger_window(max(theirs, default=None), self.now())
            if isinstance(window, ReplyRefusal):
                return window
            return Cleared(_Message(psid, window))
        refusal = check_length(reply, FACEBOOK_COMMENT_LIMIT, "a Facebook comment")
        if refusal is None:
            refusal = self._check_comment(ident)
        return refusal if refusal is not None else Cleared(_Comment(ident))

    def post(self, reply: SocialReply, cleared: Cleared) -> PostedReply:
        """One attempt: a comment under the object, or a Messenger message."""
        plan: _Comment | _Message = cleared.route
        if isinstance(plan, _Comment):
            body = self.posts.post_json(
                SOURCE,
                f"{plan.object_id}/comments",
                {"message": reply.body},
                "POST /{object-id}/comments",
            )
            posted = _answered(body, "id")
            return PostedReply(posted, comment_url(posted))
        message: dict[str, Any] = {
            "recipient": {"id": plan.psid},
            "message": {"text": reply.body},
            "messaging_type": plan.how.value,
        }
        if plan.how is MessagingType.HUMAN_AGENT:
            message |= {"messaging_type": "MESSAGE_TAG", "tag": MessagingType.HUMAN_AGENT.value}
        body = self.posts.post_json(
            SOURCE, f"{self.page_id}/messages", message, "POST /{page-id}/messages"
        )
        return PostedReply(_answered(body, "message_id"), None, message=True)

    def find(self, reply: SocialReply, cleared: Cleared | None) -> PostedReply | None:
        """The page's reply with the same text: among the object's newest comments, or the
        conversation's latest messages."""
        psid = self._person(reply.reply_to_id)
        said = self._comments(reply.reply_to_id) if psid is None else self._conversation(psid)
        for item in said:
            if item.author == self.page_id and _same(item.text, reply.body):
                if psid is not None:
                    return PostedReply(item.id, None, message=True)
                return PostedReply(item.id, comment_url(item.id))
        return None

    def unknown(self, error: SourceApiError) -> bool:
        """A 5xx, a timeout or a reset: anything else Graph refused is final."""
        return error.transient

    def searched(self, reply: SocialReply, cleared: Cleared | None) -> str:
        """Where :meth:`find` looked, for the Needs review reason."""
        if reply.reply_to_id.startswith("messenger:") or _is_message(reply.reply_to_id):
            return f"the latest {MESSAGES} messages of the conversation, from page {self.page_id}"
        return f"the newest {COMMENTS} comments under {reply.reply_to_id}, from page {self.page_id}"

    # -- reads -------------------------------------------------------------------------

    def _person(self, ident: str) -> str | None:
        """The PSID a Messenger key names (``None``: not a Messenger key)."""
        if ident.startswith("messenger:"):
            return ident.removeprefix("messenger:")
        if not _is_message(ident):
            return None
        body = self.reads.get_json(SOURCE, ident, {"fields": "from,to"}, "GET /{message-id}")
        sender = str(_dict(body.get("from")).get("id") or "")
        if sender != self.page_id:
            return sender
        to = _dict(body.get("to")).get("data") or []
        recipient = str(_dict(to[0]).get("id") or "") if to else ""
        if not recipient:
            raise SourceApiError(
                "Facebook",
                SOURCE,
                f"message {ident} is the page's own and Graph names no recipient: whom to"
                " answer cannot be known; reply from the Case of the person's message",
            )
        return recipient

    def _check_comment(self, ident: str) -> ReplyRefusal | None:
        match = _GRAPH_ID.match(ident)
        if match is None:
            return ReplyRefusal(
                f"{ident!r} is neither a page post, a comment (<n>_<m>), a Messenger"
                " conversation (messenger:<PSID>) nor a message (m_...)"
            )
        if match["object"] == self.page_id:
            return self._own_post(ident)
        refusal = self._own_post(f"{self.page_id}_{match['object']}", of=ident)
        if refusal is not None:
            return refusal
        comment = self.reads.get_json(
            SOURCE, ident, {"fields": "id,can_comment"}, "GET /{comment-id}"
        )
        if comment.get("can_comment") is False:
            return ReplyRefusal(
                f"Facebook does not allow replies to comment {ident} (a reply to a reply, or"
                " comments closed): answer the comment it replies to"
            )
        return None

    def _own_post(self, post_id: str, of: str | None = None) -> ReplyRefusal | None:
        """Refused unless ``post_id`` is the page's own post."""
        try:
            post = self.reads.get_json(SOURCE, post_id, {"fields": "id,from"}, "GET /{post-id}")
        except SourceApiError as exc:
            if exc.transient or isinstance(exc, SourceAuthError):
                raise
            where = f"comment {of}" if of else f"post {post_id}"
            return ReplyRefusal(
                f"{where} is not under a post of page {self.page_id} ({exc}): the page replies"
                " only to comments on its own posts"
            )
        author = _dict(post.get("from")).get("id")
        return own_post_refusal(post_id, str(author) if author else None, self.page_id, "Facebook")

    def _conversation(self, psid: str) -> list[_Said]:
        """The latest messages of the page's conversation with ``psid``, newest first."""
        fields = f"messages.limit({MESSAGES}){{id,created_time,from,message}}"
        body = self.reads.get_json(
            SOURCE,
            f"{self.page_id}/conversations",
            {"platform": "messenger", "user_id": psid, "fields": fields},
            "GET /{page-id}/conversations",
        )
        threads = body.get("data") or []
        messages = _dict(_dict(threads[0]).get("messages")).get("data") if threads else None
        return [_said(m) for m in messages or [] if isinstance(m, dict)]

    def _comments(self, object_id: str) -> list[_Said]:
        body = self.reads.get_json(
            SOURCE,
            f"{object_id}/comments",
            {
                "fields": "id,from,message,created_time",
                "order": "reverse_chronological",
                "filter": "stream",
                "limit": str(COMMENTS),
            },
            "GET /{object-id}/comments",
        )
        return [_said(c) for c in body.get("data") or [] if isinstance(c, dict)]


def comment_url(comment_id: str) -> str:
    """Where a comment is seen (the URL the webhook source gives a comment)."""
    return f"{FACEBOOK_BASE}/{comment_id}"


def facebook_poster(page_id: str, env: Mapping[str, str]) -> FacebookPoster:
    """The poster of page ``page_id`` with ``FB_PAGE_TOKEN`` (``ConfigError`` without it)."""
    token = (env.get(TOKEN_ENV) or "").strip()
    if not token:
        raise ConfigError(
            f"replies to Facebook need a page access token: set {TOKEN_ENV} to a long-lived"
            f" token of page {page_id} with {' and '.join(REPLY_PERMISSIONS)}"
        )
    return FacebookPoster(PageToken(token), page_id)


def _is_message(ident: str) -> bool:
    return ident.startswith(("m_", "mid."))


def _said(item: dict[str, Any]) -> _Said:
    at = item.get("created_time")
    when = datetime.fromisoformat(at.replace("+0000", "+00:00")) if isinstance(at, str) else None
    return _Said(
        str(item.get("id") or ""),
        str(_dict(item.get("from")).get("id") or ""),
        str(item.get("message") or ""),
        when,
    )


def _same(posted: str, written: str) -> bool:
    return " ".join(posted.split()) == " ".join(written.split())


def _answered(body: Any, key: str) -> str:
    value = body.get(key) if isinstance(body, dict) else None
    if not value:
        raise ValueError(f"Facebook answered no {key}: {body!r:.200}")
    return str(value)


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}

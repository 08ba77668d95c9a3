"""X API v2 payloads → ``SocialPost``: one page at a time, never crashing on a partial answer.

A page is what one call answers: ``data`` (the posts), ``includes`` (their authors and the
posts they reference), ``meta`` (``newest_id``, ``oldest_id``, ``next_token``) and
``errors`` (partial errors: a deleted author, a withheld referenced post). Everything is
read defensively: a missing ``includes`` gives posts without author details, a post without
usable text is rejected with a reason instead of stopping the pass.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Any

from pydantic import ValidationError

from sf_social.boundary import admit
from sf_social.errors import FeedLineError
from sf_social.playbook import Playbook
from sf_social.posts import Author, Direction, Network, PostKind, SocialPost

X_BASE = "https://x.com"
_UNDETERMINED_LANG = {"und", "zxx", "qme", "qht", "qst", "art"}


def conversation_url(conversation: str) -> str:
    """Where the account sees a direct-message conversation."""
    return f"{X_BASE}/messages/{conversation}"


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _str(value: Any) -> str | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | str):
        text = str(value).strip()
        return text or None
    return None


@dataclass(frozen=True)
class Page:
    """One answer of the API, parsed without trusting its shape."""

    data: list[dict[str, Any]]
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    tweets: dict[str, dict[str, Any]] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)
    errors: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def parse(cls, body: Any) -> Page:
        if not isinstance(body, dict):
            return cls(data=[], errors=[{"detail": f"answer is not a JSON object: {body!r:.80}"}])
        includes = _dict(body.get("includes"))
        meta = _dict(body.get("meta"))
        data = body.get("data")
        return cls(
            data=_dicts(data if isinstance(data, list) else [data] if data else []),
            users={u["id"]: u for u in _dicts(includes.get("users")) if _str(u.get("id"))},
            tweets={t["id"]: t for t in _dicts(includes.get("tweets")) if _str(t.get("id"))},
            meta=dict(meta),
            errors=_dicts(body.get("errors")),
        )

    @property
    def newest_id(self) -> str | None:
        return _str(self.meta.get("newest_id")) or _max_id(self.data)

    @property
    def oldest_id(self) -> str | None:
        return _str(self.meta.get("oldest_id")) or _min_id(self.data)

    @property
    def next_token(self) -> str | None:
        return _str(self.meta.get("next_token"))

    @property
    def reads(self) -> int:
        """Posts this page billed: its posts and the referenced posts expanded with them."""
        return len(self.data) + len(self.tweets)

    def error_summary(self) -> list[str]:
        """Partial errors as short lines (``detail`` or ``title``)."""
        return [
            str(e.get("detail") or e.get("title") or e.get("message") or e) for e in self.errors
        ]


def _ids(data: list[dict[str, Any]]) -> list[int]:
    return [int(i) for d in data if (i := _str(d.get("id"))) and i.isdigit()]


def _max_id(data: list[dict[str, Any]]) -> str | None:
    ids = _ids(data)
    return str(max(ids)) if ids else None


def _min_id(data: list[dict[str, Any]]) -> str | None:
    ids = _ids(data)
    return str(min(ids)) if ids else None


def author_of(user: dict[str, Any] | None, user_id: str | None) -> Author | None:
    """An ``Author`` from an ``includes.users`` entry; only the id when the user is missing."""
    if user is None:
        return Author(id=user_id) if user_id else None
    metrics = _dict(user.get("public_metrics"))
    handle = _str(user.get("username"))

    def count(key: str) -> int | None:
        value = metrics.get(key)
        if isinstance(value, bool) or not isinstance(value, int):
            return None
        return value if value >= 0 else None

    return Author(
        id=_str(user.get("id")) or user_id,
        handle=handle,
        name=_str(user.get("name")),
        followers=count("followers_count"),
        following=count("following_count"),
        posts=count("tweet_count"),
        verified=user.get("verified") is True,
        profile_url=f"{X_BASE}/{handle}" if handle else None,
    )


def post_url(handle: str | None, post_id: str) -> str:
    """``https://x.com/<handle>/status/<id>`` (``/i/status/<id>`` when the author is unknown)."""
    return f"{X_BASE}/{handle or 'i'}/status/{post_id}"


def referenced(tweet: dict[str, Any], kind: str) -> str | None:
    """Id of the post this one references as ``kind`` (replied_to, quoted, retweeted)."""
    for ref in _dicts(tweet.get("referenced_tweets")):
        if ref.get("type") == kind:
            return _str(ref.get("id"))
    return None


def _created(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def _text(tweet: dict[str, Any]) -> str | None:
    note = tweet.get("note_tweet")
    if isinstance(note, dict) and isinstance(note.get("text"), str) and note["text"].strip():
        return str(note["text"])
    text = tweet.get("text")
    return text if isinstance(text, str) and text.strip() else None


@dataclass(frozen=True)
class Context:
    """What a stream knows that the payload does not."""

    stream: str
    playbook: Playbook
    account: str | None = None
    """Our brand account the stream reads for (mentions, DMs): routes the post."""
    kind: PostKind = PostKind.POST
    """Kind of a post that is neither a reply nor a quote (MENTION on a mentions stream)."""
    topic: str | None = None
    """Listening topic of the query that found the post (recorded in ``raw``)."""


def normalize_tweet(
    tweet: dict[str, Any], page: Page, ctx: Context
) -> SocialPost | FeedLineError | None:
    """One post of ``page.data``; ``None`` for a retweet (no new words), an error if unusable."""
    post_id = _str(tweet.get("id"))
    if post_id is None or not post_id.isdigit():
        return FeedLineError(f"x:{ctx.stream}", 0, "id", f"post without a valid id: {tweet!r:.120}")
    if referenced(tweet, "retweeted"):
        return None
    text = _text(tweet)
    if text is None:
        why = " (withheld)" if tweet.get("withheld") else ""
        return FeedLineError(f"x:{ctx.stream}", 0, "text", f"post {post_id} has no text{why}")
    author_id = _str(tweet.get("author_id"))
    author = author_of(page.users.get(author_id) if author_id else None, author_id)
    handle = author.handle if author else None
    ours = ctx.playbook.is_our_account(handle)
    reply_to = referenced(tweet, "replied_to")
    kind = (
        PostKind.REPLY if reply_to else PostKind.QUOTE if referenced(tweet, "quoted") else ctx.kind
    )
    lang = _str(tweet.get("lang"))
    raw: dict[str, Any] = {"tweet": tweet, "stream": ctx.stream}
    if author_id and author_id in page.users:
        raw["author"] = page.users[author_id]
    if ctx.topic:
        raw["listening_topic"] = ctx.topic
    try:
        return SocialPost(
            network=Network.TWITTER,
            id=post_id,
            text=text,
            created_at=_created(tweet.get("created_at")),
            author=author,
            direction=Direction.OUTBOUND if ours else Direction.INBOUND,
            kind=kind,
            conversation_id=_str(tweet.get("conversation_id")),
            in_reply_to_id=reply_to,
            url=post_url(handle, post_id),
            lang=None if lang in _UNDETERMINED_LANG else lang,
            account=handle if ours else ctx.account,
            raw=raw,
        )
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        return FeedLineError(f"x:{ctx.stream}", 0, where, f"post {post_id}: {first['msg']}")


def normalize_page(page: Page, ctx: Context) -> tuple[list[SocialPost], list[FeedLineError]]:
    """Every post of a page, with the ones that could not be read."""
    posts: list[SocialPost] = []
    rejected: list[FeedLineError] = []
    for n, tweet in enumerate(page.data, 1):
        ref = str(tweet.get("id"))[:40]
        item = admit(f"x:{ctx.stream}", n, ref, partial(normalize_tweet, tweet, page, ctx))
        if isinstance(item, SocialPost):
            posts.append(item)
        elif item is not None:
            rejected.append(item)
    return posts, rejected

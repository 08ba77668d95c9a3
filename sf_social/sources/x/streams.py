"""The streams of an X source: mentions of a brand account, one listening query.

A stream turns the API into pages (``fetch``) and pages into posts (a normalization
``Context``); the shared paging rules live in :mod:`~sf_social.sources.x.timeline`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, ClassVar, Protocol

from sf_social.errors import SourceApiError
from sf_social.playbook import Playbook
from sf_social.posts import PostKind
from sf_social.sources.x.client import XApi
from sf_social.sources.x.fields import (
    EXPANSIONS,
    MENTIONS_REACHABLE,
    SEARCH_DAYS,
    TWEET_FIELDS,
    USER_FIELDS,
    id_at,
    id_time,
)
from sf_social.sources.x.normalize import Context, Page
from sf_social.sources.x.timeline import WindowEnd

PAGE_SIZE = 100
OWN_POSTS_REACHABLE = 3200
"""The user posts timeline returns at most an account's newest 3,200 posts."""


class Stream(Protocol):
    @property
    def key(self) -> str:
        """Stable key of the stream's state inside the source's cursor."""
        ...

    def context(self, playbook: Playbook) -> Context: ...

    def prepare(self, api: XApi, state: dict[str, Any]) -> None:
        """Resolve what the stream needs once (a user id), kept in ``state``."""

    def fetch(
        self,
        api: XApi,
        state: dict[str, Any],
        since: str | None,
        until: str | None,
        token: str | None,
    ) -> Page: ...

    def gap(self, end: WindowEnd) -> str | None:
        """A warning when the window lost posts that cannot be read any more."""

    def clamp_since(self, since: str, now: datetime) -> tuple[str | None, str | None]:
        """The ``since_id`` the endpoint accepts, and a warning if it had to move."""


def _common(user_auth: bool) -> dict[str, Any]:
    return {
        "max_results": PAGE_SIZE,
        "expansions": EXPANSIONS,
        "tweet_fields": TWEET_FIELDS,
        "user_fields": USER_FIELDS,
        "user_auth": user_auth,
    }


@dataclass(frozen=True)
class AccountStream:
    """A timeline of one brand account, read by its user id (looked up once)."""

    handle: str
    user_id: str | None = None
    user_auth: bool = False

    name: ClassVar[str]
    """The stream's key is ``<name>:@<handle>``."""
    kind: ClassVar[PostKind]
    """Kind of a post that is neither a reply nor a quote."""
    endpoint: ClassVar[str]
    method: ClassVar[str]
    """The tweepy ``Client`` method that reads the endpoint."""
    options: ClassVar[dict[str, Any]] = {}

    @property
    def key(self) -> str:
        return f"{self.name}:@{self.handle.lower()}"

    def context(self, playbook: Playbook) -> Context:
        return Context(self.key, playbook, self.handle, self.kind)

    def prepare(self, api: XApi, state: dict[str, Any]) -> None:
        if self.user_id:
            state["user_id"] = self.user_id
        if state.get("user_id"):
            return
        body = api.call(
            self.key,
            "GET /2/users/by/username/:username",
            lambda: api.client.get_user(username=self.handle, user_auth=self.user_auth),
        )
        data = body.get("data") if isinstance(body, dict) else None
        if not isinstance(data, dict) or not data.get("id"):
            detail = "; ".join(Page.parse(body).error_summary()) or "no user in the answer"
            raise SourceApiError("X", self.key, f"cannot find the account @{self.handle}: {detail}")
        state["user_id"] = str(data["id"])

    def fetch(
        self,
        api: XApi,
        state: dict[str, Any],
        since: str | None,
        until: str | None,
        token: str | None,
    ) -> Page:
        user_id = state["user_id"]
        read = getattr(api.client, self.method)
        body = api.call(
            self.key,
            self.endpoint,
            lambda: read(
                user_id,
                since_id=since,
                until_id=until,
                pagination_token=token,
                **self.options,
                **_common(self.user_auth),
            ),
        )
        return Page.parse(body)

    def clamp_since(self, since: str, now: datetime) -> tuple[str | None, str | None]:
        return since, None


@dataclass(frozen=True)
class MentionsStream(AccountStream):
    """``GET /2/users/:id/mentions`` of one brand account."""

    name: ClassVar[str] = "mentions"
    kind: ClassVar[PostKind] = PostKind.MENTION
    endpoint: ClassVar[str] = "GET /2/users/:id/mentions"
    method: ClassVar[str] = "get_users_mentions"

    def gap(self, end: WindowEnd) -> str | None:
        if end.count < MENTIONS_REACHABLE:
            return None
        return (
            f"{end.count} mentions since the last pass: only the newest {MENTIONS_REACHABLE}"
            f" are reachable, older ones (after id {end.since_id}, before {end.oldest_id}) may"
            " be lost; poll more often (a catch-up through recent search recovers what it can:"
            " see catch_up)"
        )


@dataclass(frozen=True)
class OwnPostsStream(AccountStream):
    """``GET /2/users/:id/tweets`` of one brand account, retweets excluded: our own posts
    and replies, which mentions and search never return. A reply written on X itself is
    then seen, and sets the first response on its thread's Case."""

    name: ClassVar[str] = "tweets"
    kind: ClassVar[PostKind] = PostKind.POST
    endpoint: ClassVar[str] = "GET /2/users/:id/tweets"
    method: ClassVar[str] = "get_users_tweets"
    options: ClassVar[dict[str, Any]] = {"exclude": ["retweets"]}

    def gap(self, end: WindowEnd) -> str | None:
        if end.count < OWN_POSTS_REACHABLE:
            return None
        return (
            f"{end.count} posts of @{self.handle} since the last pass: only the newest"
            f" {OWN_POSTS_REACHABLE} are reachable, older replies (after id {end.since_id},"
            f" before {end.oldest_id}) may be missing as first responses; poll more often"
        )


@dataclass(frozen=True)
class SearchStream:
    """``GET /2/tweets/search/recent`` for one listening query."""

    query: str
    topic: str
    index: int = 0
    user_auth: bool = False

    @property
    def key(self) -> str:
        return f"search:{self.topic}:{self.index}"

    def context(self, playbook: Playbook) -> Context:
        return Context(self.key, playbook, None, PostKind.POST, topic=self.topic)

    def prepare(self, api: XApi, state: dict[str, Any]) -> None:
        if state.get("query") != self.query:
            # A changed query is a new stream: its old window means nothing for it.
            state.clear()
            state["query"] = self.query

    def fetch(
        self,
        api: XApi,
        state: dict[str, Any],
        since: str | None,
        until: str | None,
        token: str | None,
    ) -> Page:
        body = api.call(
            self.key,
            "GET /2/tweets/search/recent",
            lambda: api.client.search_recent_tweets(
                self.query,
                since_id=since,
                until_id=until,
                next_token=token,
                **_common(self.user_auth),
            ),
        )
        return Page.parse(body)

    def gap(self, end: WindowEnd) -> str | None:
        return None

    def clamp_since(self, since: str, now: datetime) -> tuple[str | None, str | None]:
        floor = now - timedelta(days=SEARCH_DAYS) + timedelta(minutes=5)
        if id_time(since) >= floor:
            return since, None
        return str(id_at(floor)), (
            f"the last pass was before the {SEARCH_DAYS}-day reach of recent search:"
            f" posts between id {since} and {floor:%Y-%m-%dT%H:%M}Z were not read"
        )

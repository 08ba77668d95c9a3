"""Options of an X source (a ``type = "x"`` entry of the config file) and the factory.

Secrets never live in the file: :class:`~sf_social.sources.x.client.XCredentials` reads
``X_BEARER_TOKEN`` / ``X_CONSUMER_KEY`` ... from the environment when the source is built.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from sf_social.errors import ConfigError
from sf_social.playbook import Playbook, load_playbook
from sf_social.retry import Sleeper

if TYPE_CHECKING:  # the client (tweepy) is imported when a source is built, not to read options
    from sf_social.sources.x.client import XCredentials
    from sf_social.sources.x.compliance import HeldPosts, XComplianceSource
    from sf_social.sources.x.source import Report, XSource
    from sf_social.sources.x.streams import Stream

TOPICS = ("brand", "industry", "competitor")


class CustomQuery(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    topic: str = Field(pattern="^(brand|industry|competitor)$")
    query: str = Field(min_length=1, max_length=512)


class XOptions(BaseModel):
    """What an X source reads, and how hard."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    accounts: list[str] | None = Field(
        default=None,
        description="brand handles whose mentions are read (default: the playbook's accounts)",
    )
    account_ids: dict[str, str] = Field(
        default={}, description="handle → user id, to skip the lookup"
    )
    direct_messages: bool | list[str] = Field(
        default=False,
        description="brand handles whose direct messages are read (OAuth 1.0a user context of"
        " that account): false (default), true (every account) or a list",
    )
    own_posts: bool = Field(
        default=True,
        description="read each account's own posts (GET /2/users/:id/tweets): replies written"
        " on X set the first response; each of our posts is one billed read",
    )
    listening: bool | list[str] = Field(
        default=True, description="recent-search topics from the playbook: true, false or a list"
    )
    queries: list[CustomQuery] = Field(default=[], description="more queries, as written")
    exclude_retweets: bool = True
    query_extra: str = Field(default="", description="appended to every query, e.g. lang:en")
    monthly_read_budget: int | None = Field(default=None, ge=1)
    overlap_seconds: float = Field(default=10, ge=0, le=3600)
    first_lookback_hours: float = Field(default=24, gt=0, le=24 * 7)
    max_pages: int = Field(default=50, ge=1, le=1000)
    max_rate_wait_seconds: float = Field(default=900, ge=0, le=3600)
    playbook: Path | None = Field(
        default=None, description="playbook for accounts and keywords (default: bundled)"
    )

    @field_validator("direct_messages")
    @classmethod
    def _handles(cls, value: bool | list[str]) -> bool | list[str]:
        if isinstance(value, bool):
            return value
        handles = [h.strip().lstrip("@") for h in value]
        if not all(handles):
            raise ValueError("an empty handle")
        return handles

    @model_validator(mode="after")
    def _dm_accounts(self) -> XOptions:
        if isinstance(self.direct_messages, list) and self.accounts is not None:
            try:
                self.dm_handles(self.accounts)
            except ConfigError as exc:
                raise ValueError(str(exc)) from None
        return self

    def dm_handles(self, handles: list[str]) -> list[str]:
        """The accounts whose direct messages are read (``ConfigError`` for a stranger)."""
        if self.direct_messages is False:
            return []
        if self.direct_messages is True:
            return [h.lstrip("@") for h in handles]
        known = {h.lower().lstrip("@"): h.lstrip("@") for h in handles}
        strangers = [h for h in self.direct_messages if h.lower() not in known]
        if strangers:
            raise ConfigError(
                f"direct_messages names {', '.join('@' + h for h in strangers)}, which is not"
                f" among the accounts ({', '.join('@' + h for h in known.values()) or 'none'})"
            )
        return [known[h.lower()] for h in self.direct_messages]

    def streams(self, playbook: Playbook, creds: XCredentials) -> list[Stream]:
        """The streams these options read for ``playbook``'s accounts and topics."""
        from sf_social.sources.x.dms import DirectMessagesStream
        from sf_social.sources.x.search import listening_queries
        from sf_social.sources.x.streams import MentionsStream, OwnPostsStream, SearchStream

        user_auth = not creds.app_only
        handles = self.accounts if self.accounts is not None else playbook.brand.accounts
        ids = {h.lower().lstrip("@"): i for h, i in self.account_ids.items()}
        streams: list[Stream] = [
            MentionsStream(h.lstrip("@"), ids.get(h.lower().lstrip("@")), user_auth)
            for h in handles
        ]
        if self.own_posts:
            streams.extend(
                OwnPostsStream(h.lstrip("@"), ids.get(h.lower().lstrip("@")), user_auth)
                for h in handles
            )
        streams.extend(
            DirectMessagesStream(h, creds.user_context) for h in self.dm_handles(list(handles))
        )
        topics = (
            list(TOPICS)
            if self.listening is True
            else []
            if self.listening is False
            else list(self.listening)
        )
        if topics:
            for q in listening_queries(
                playbook.listening,
                topics,
                exclude_retweets=self.exclude_retweets,
                extra=self.query_extra,
            ):
                streams.append(SearchStream(q.query, q.topic, q.index, user_auth))
        for n, custom in enumerate(self.queries):
            streams.append(SearchStream(custom.query, custom.topic, 100 + n, user_auth))
        return streams


def build_x_source(
    options: XOptions,
    name: str = "x",
    *,
    playbook: Playbook | None = None,
    env: Mapping[str, str] | None = None,
    report: Report | None = None,
    sleep: Sleeper | None = None,
    client_factory: Callable[[XCredentials], object] | None = None,
) -> XSource:
    """The configured source; ``ConfigError`` when credentials are missing."""
    from sf_social.sources.x.client import POLICY, XApi, XCredentials
    from sf_social.sources.x.source import XSource
    from sf_social.sources.x.timeline import Paging

    creds = XCredentials.from_env(os.environ if env is None else env)
    book = playbook or load_playbook(options.playbook)
    # an account read here is ours even when the playbook does not list it: its own
    # replies are outbound, never planned as a customer's posts
    book = book.with_accounts(options.accounts or ())
    client = client_factory(creds) if client_factory else creds.client()
    policy = replace(POLICY, max_rate_wait=options.max_rate_wait_seconds, sleep=sleep or time.sleep)
    api = XApi(client, policy=policy)
    paging = Paging(
        overlap=_seconds(options.overlap_seconds),
        first_lookback=_seconds(options.first_lookback_hours * 3600),
        max_pages=options.max_pages,
    )
    return XSource(
        name,
        api,
        book,
        options.streams(book, creds),
        paging=paging,
        monthly_read_budget=options.monthly_read_budget,
        report=report,
    )


def build_compliance_source(
    name: str,
    held: HeldPosts,
    *,
    window: timedelta,
    per_pass: int,
    max_rate_wait: float = 900,
    batch_jobs: bool = False,
    env: Mapping[str, str] | None = None,
    sleep: Sleeper | None = None,
    client_factory: Callable[[XCredentials], object] | None = None,
) -> XComplianceSource:
    """The compliance check; ``ConfigError`` when credentials are missing. App-only (bearer)
    when there is a bearer token, else the OAuth 1.0a user context; batch jobs need the
    bearer token (X answers them app-only)."""
    from sf_social.sources.x.client import POLICY, XApi, XCredentials
    from sf_social.sources.x.compliance import XComplianceSource
    from sf_social.sources.x.compliance_jobs import ComplianceJobs

    creds = XCredentials.from_env(os.environ if env is None else env)
    if batch_jobs and not creds.app_only:
        raise ConfigError(f"{name}: batch_jobs needs X_BEARER_TOKEN (compliance jobs are app-only)")
    client = client_factory(creds) if client_factory else creds.client()
    policy = replace(POLICY, max_rate_wait=max_rate_wait, sleep=sleep or time.sleep)
    api = XApi(client, policy=policy)
    return XComplianceSource(
        name,
        api,
        held,
        window=window,
        per_pass=per_pass,
        user_auth=not creds.app_only,
        jobs=ComplianceJobs(api, name) if batch_jobs else None,
    )


def _seconds(value: float) -> timedelta:
    return timedelta(seconds=value)

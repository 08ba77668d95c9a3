"""The validated configuration: one model per section of the config file.

Every setting has a default, so an empty configuration is a valid one (the Salesforce
login excepted, which only the commands that talk to the org ask for).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from sf_social.config.durations import Duration, format_duration
from sf_social.config.sources import SourceConfig
from sf_social.redaction import hide_password
from sf_social.salesforce_settings import SalesforceSettings
from sf_social.social_reply import XTier
from sf_social.userpaths import SettingFile

DEFAULT_DB = "sqlite:///sf_social.db"


class _Section(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


class StateConfig(_Section):
    """``[state]``: where the sync state lives."""

    url: str = DEFAULT_DB
    schema_: str | None = Field(default=None, alias="schema", min_length=1)
    """PostgreSQL schema for the tables (created if missing); default the search path."""

    def __repr_args__(self) -> Iterator[tuple[str | None, Any]]:
        """As pydantic's, with the password of ``url`` hidden."""
        for name, value in super().__repr_args__():
            yield name, (hide_password(value) if name == "url" else value)

    @model_validator(mode="after")
    def _schema_is_for_postgres(self) -> Self:
        if self.schema_ is not None and not self.url.startswith("postgresql"):
            raise ValueError("schema is for a PostgreSQL url; a SQLite file is its own namespace")
        return self

    @field_validator("url")
    @classmethod
    def _known_scheme(cls, value: str) -> str:
        if any(ord(c) < 32 for c in value):
            raise ValueError("holds a control character (NUL, newline...): remove it")
        if not value.startswith(("sqlite:", "postgresql", "memory://")):
            raise ValueError(
                f"not a state store URL ({hide_password(value)!r}): use sqlite:///path/state.db"
                " or postgresql+psycopg://user@host/db"
            )
        return value


class PushConfig(_Section):
    """``[push]``: how the outbox is drained to Salesforce."""

    interval: Duration = timedelta(seconds=15)
    batch_size: int = Field(default=1_000, ge=1, le=10_000)
    """Outbox rows per claim: one Case read and one lookup call per claim, then sObject
    Collections calls of 200 records; 1,000 halves the calls of 200 (scripts/bench-sync)."""
    max_attempts: int = Field(default=12, ge=1, le=1_000)
    backoff_base: Duration = timedelta(seconds=30)
    backoff_max: Duration = timedelta(hours=1)
    lease: Duration = timedelta(seconds=30)
    call_attempts: int = Field(default=5, ge=1, le=20)
    """Tries of one API call on a transient error (with backoff) before the write waits
    in the outbox for its next attempt."""


class LogFormat(StrEnum):
    TEXT = "text"
    JSON = "json"


class DaemonConfig(_Section):
    """``[daemon]``: scheduling, shutdown and logs."""

    poll_interval: Duration = timedelta(minutes=1)
    """How often each source is polled unless its own ``poll_interval`` says otherwise."""
    shutdown_timeout: Duration = timedelta(seconds=30)
    """How long SIGTERM waits for the batch in flight before leaving anyway."""
    sweep_interval: Duration = timedelta(minutes=5)
    """How often the overdue sweep flags Cases past their due time without our reply."""
    log_format: LogFormat = LogFormat.TEXT


class MetricsConfig(_Section):
    """``[metrics]``: Prometheus text metrics, to a file and/or on a loopback port."""

    file: SettingFile | None = None
    """A node-exporter textfile (``*.prom``), rewritten atomically after every job."""
    port: int | None = Field(default=None, ge=0, le=65535)
    """Serve ``/metrics`` on ``host:port`` (0: any free port)."""
    host: str = "127.0.0.1"


class HealthConfig(_Section):
    """``[health]``: when ``sf-social health`` says unhealthy (exit 1)."""

    max_pass_age: Duration | None = None
    """Oldest acceptable successful pass of each source and of push (default: three poll
    intervals, at least five minutes)."""
    max_outbox_age: Duration = timedelta(hours=1)
    max_dead_letters: int = Field(default=0, ge=-1, le=1_000_000_000)
    """More dead letters than this is unhealthy; -1: not checked."""


class RetentionConfig(_Section):
    """``[retention]``: how long personal data stays in the local state (design rule 11).

    Post text lives in the outbox only until its write lands (then the row goes); what
    outlives that is pruned by the daemon every ``interval``.
    """

    raw_grace: Duration = timedelta(days=1)
    """Raw payloads a source keeps locally (the Facebook webhook spool) are blanked this
    long after the source read them into the outbox."""
    dead_letters: Duration = timedelta(days=30)
    """Dead letters (their plans hold the post's text and author) are dropped this long
    after they last failed; their posts stay ``failed`` in the ledger."""
    interval: Duration = timedelta(hours=1)
    """How often the daemon prunes."""


class RepliesConfig(_Section):
    """``[replies]``: the reply job, posting the replies agents approved in Salesforce."""

    enabled: bool = False
    """Post Approved ``Social_Reply__c`` replies on each network configured below."""
    interval: Duration = timedelta(minutes=1)
    """How often approved replies are read: one API call when none is pending."""
    x_account_id: str | None = Field(default=None, pattern=r"^[0-9]{1,20}$")
    """The X user id the X_* user-context credentials post as."""
    x_tier: XTier = XTier.BASIC
    """The X API tier: below enterprise, replies only to posts that summoned the account."""
    facebook_page_id: str | None = Field(default=None, pattern=r"^[0-9]{1,20}$")
    """The Facebook page whose ``FB_PAGE_TOKEN`` replies to comments and on Messenger."""
    linkedin_organization: str | None = None
    """The organization (``urn:li:organization:<id>`` or its id) commenting with
    ``LINKEDIN_ACCESS_TOKEN``."""
    settle: Duration = timedelta(minutes=2)
    """A reply left in Sending this long is settled (found posted: Sent; else Needs review)."""

    @field_validator("linkedin_organization")
    @classmethod
    def _organization(cls, value: str | None) -> str | None:
        if value is None:
            return None
        ident = value.strip().removeprefix("urn:li:organization:")
        if not ident.isdigit() or len(ident) > 20:
            raise ValueError(
                "replies.linkedin_organization must be urn:li:organization:<numeric id> (or"
                f" the id), not {value!r}"
            )
        return f"urn:li:organization:{ident}"

    @model_validator(mode="after")
    def _network_when_enabled(self) -> Self:
        if self.enabled and not self.networks:
            raise ValueError(
                "replies.enabled needs a network to post on: replies.x_account_id (the X user"
                " id), replies.facebook_page_id or replies.linkedin_organization"
            )
        return self

    @property
    def networks(self) -> list[str]:
        """The networks configured for posting (``twitter``, ``facebook``, ``linkedin``)."""
        ids = {
            "twitter": self.x_account_id,
            "facebook": self.facebook_page_id,
            "linkedin": self.linkedin_organization,
        }
        return [network for network, ident in ids.items() if ident is not None]


class Config(_Section):
    """Everything the operator commands need, after file and environment are merged."""

    config_file: Path | None = None
    """The file it was read from, if any."""
    playbook: SettingFile | None = None
    model: SettingFile | None = None
    """A trained model (``sf-social train``) deciding what it learned; none: rules only."""
    state: StateConfig = StateConfig()
    salesforce: SalesforceSettings = SalesforceSettings()
    sources: list[SourceConfig] = []
    push: PushConfig = PushConfig()
    daemon: DaemonConfig = DaemonConfig()
    metrics: MetricsConfig = MetricsConfig()
    health: HealthConfig = HealthConfig()
    retention: RetentionConfig = RetentionConfig()
    replies: RepliesConfig = RepliesConfig()

    @property
    def db_url(self) -> str:
        return self.state.url

    @property
    def db_schema(self) -> str | None:
        """The PostgreSQL schema of the state tables, if one is set."""
        return self.state.schema_

    def max_pass_age(self) -> timedelta:
        """``health.max_pass_age``, or three of the longest interval (at least 5 minutes)."""
        if self.health.max_pass_age is not None:
            return self.health.max_pass_age
        intervals = [s.interval(self.daemon.poll_interval) for s in self.sources]
        longest = max([self.push.interval, *intervals])
        return max(timedelta(minutes=5), 3 * longest)

    def describe(self) -> dict[str, Any]:
        """The effective settings as JSON-ready data: durations as ``30s``, secrets ``***``."""
        data: dict[str, Any] = _plain(
            self.model_dump(exclude={"sources", "salesforce"}, by_alias=True)
        )
        data["state"]["url"] = hide_password(self.state.url)
        data["salesforce"] = {
            name: ("***" if value is not None and _secret(name) else value)
            for name, value in _plain(self.salesforce.model_dump()).items()
        }
        data["sources"] = [
            {"name": s.source_name, **_plain(s.model_dump(exclude_none=True))} for s in self.sources
        ]
        return data


def _secret(name: str) -> bool:
    return name in ("access_token", "consumer_secret", "password", "security_token")


def _plain(value: Any) -> Any:
    """``value`` with durations as ``30s``, paths and enums as strings."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, timedelta):
        return format_duration(value).replace(" ", "")
    if isinstance(value, Path | StrEnum):
        return str(value)
    return value

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
from sf_social.settings import SalesforceSettings, SettingFile, Settings, _hide_password
from sf_social.sync.push import PushPolicy

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
            yield name, (_hide_password(value) if name == "url" else value)

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
                f"not a state store URL ({_hide_password(value)!r}): use sqlite:///path/state.db"
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

    def policy(self) -> PushPolicy:
        """The engine's push policy."""
        return PushPolicy(
            batch_size=self.batch_size,
            lease=self.lease,
            max_attempts=self.max_attempts,
            backoff_base=self.backoff_base,
            backoff_max=self.backoff_max,
        )


class LogFormat(StrEnum):
    TEXT = "text"
    JSON = "json"


class DaemonConfig(_Section):
    """``[daemon]``: scheduling, shutdown and logs."""

    poll_interval: Duration = timedelta(minutes=1)
    """How often each source is polled unless its own ``poll_interval`` says otherwise."""
    shutdown_timeout: Duration = timedelta(seconds=30)
    """How long SIGTERM waits for the batch in flight before leaving anyway."""
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

    @property
    def db_url(self) -> str:
        return self.state.url

    @property
    def db_schema(self) -> str | None:
        """The PostgreSQL schema of the state tables, if one is set."""
        return self.state.schema_

    def settings(self) -> Settings:
        """The connection settings as the library's other commands know them."""
        return Settings(
            salesforce=self.salesforce,
            db_url=self.db_url,
            playbook=self.playbook,
            model=self.model,
        )

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
        data["state"]["url"] = _hide_password(self.state.url)
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

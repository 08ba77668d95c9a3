"""Configured sources: ``[[sources]]`` tables of the config file, one model per type.

Each entry names its ``type``; the type's model validates the rest and ``build()`` makes
the :class:`~sf_social.sources.base.Source`. Options every source has: ``name`` (the key
of its cursor in the state store; keep it stable) and ``poll_interval`` (how often the
daemon polls it; default ``daemon.poll_interval``).

Extension point: a new source type is a subclass of :class:`SourceConfig` with a
``Literal`` ``type``, its options and ``build(context)``, added to :data:`SOURCE_TYPES`.
``context`` (:class:`SourceContext`) gives what a source may need besides its options: the
playbook (our accounts), a ``report(name, status)`` that stores what the source says about
itself (rate limits, gaps, reads this month: ``sf-social status`` shows it) and the
environment, where its secrets come from (an X bearer token belongs in a variable, not in
the file). Types: ``jsonl``, ``x``, ``x_compliance`` (deleted X posts),
``linkedin_page``, ``facebook_webhooks`` (the spool ``sf-social webhook serve`` fills) and
``lead_forms`` (LinkedIn and Meta lead forms, from the webhooks or a scheduled pull);
``context.held_posts`` reads the posts the state holds (for a compliance check). A type
reserved but not built yet goes in :data:`PLANNED_TYPES`, and naming it is refused.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from sf_social.config.durations import Duration
from sf_social.playbook import Playbook
from sf_social.sources.base import Source
from sf_social.sources.jsonl import JsonlSource
from sf_social.sources.linkedin_api.config import LinkedInPageOptions
from sf_social.sources.x.config import XOptions
from sf_social.userpaths import file_problem


@dataclass(frozen=True)
class SourceContext:
    """What building a source may need besides its options."""

    playbook: Playbook
    report: Callable[[str, dict[str, Any]], None] = lambda name, status: None
    """Store what source ``name`` reports about itself (``StateStore.set_source_status``)."""
    environ: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    sleep: Callable[[float], None] = time.sleep
    """How a source waits (the daemon's wait ends early, with ``Interrupted``, on stop)."""
    held_posts: Callable[[str, datetime, str | None, int], list[str]] = (
        lambda network, since, after, limit: []
    )
    """``StateStore.held_posts``: the posts whose deletion a compliance check looks for."""


class SourceConfig(BaseModel):
    """Options every configured source has."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    type: str
    name: str | None = Field(default=None, min_length=1)
    poll_interval: Duration | None = None

    path_fields: ClassVar[tuple[str, ...]] = ()
    """Options that are file paths: relative ones are resolved against the config file."""

    @field_validator("*")
    @classmethod
    def _paths_name_files(cls, value: Any, info: ValidationInfo) -> Any:
        """A path option may name a file still to come, never a folder or a device."""
        if info.field_name in cls.path_fields and isinstance(value, Path):
            if "\0" in str(value):
                raise ValueError("holds a NUL byte: a path cannot")
            problem = file_problem(value) if value.exists() else None
            if problem is not None:
                raise ValueError(problem)
        return value

    @property
    def source_name(self) -> str:
        """The name its cursor and runs are stored under."""
        return self.name or self.type

    def interval(self, default: timedelta) -> timedelta:
        """How often the daemon polls it."""
        return self.poll_interval or default

    def build(self, context: SourceContext) -> Source:
        """The source these options describe."""
        raise NotImplementedError(f"source type {self.type!r} has no build()")


class JsonlSourceConfig(SourceConfig):
    """A JSONL file of SocialPost lines, read from where the last pass stopped."""

    type: Literal["jsonl"] = "jsonl"
    path: Path
    batch_size: int = Field(default=500, ge=1, le=100_000)

    path_fields: ClassVar[tuple[str, ...]] = ("path",)

    @property
    def source_name(self) -> str:
        return self.name or f"jsonl:{self.path.resolve()}"

    def build(self, context: SourceContext) -> JsonlSource:
        return JsonlSource(self.path, self.batch_size, name=self.source_name)


class XSourceConfig(SourceConfig, XOptions):
    """X (Twitter): mentions of the brand accounts and listening queries, and the accounts'
    direct messages when ``direct_messages`` asks for them (off by default; see README).

    Credentials come from ``X_BEARER_TOKEN`` / ``X_CONSUMER_KEY`` ... when it is built.
    """

    type: Literal["x"] = "x"

    path_fields: ClassVar[tuple[str, ...]] = ("playbook",)

    def build(self, context: SourceContext) -> Source:
        from sf_social.sources.x.config import build_x_source

        return build_x_source(
            self,
            self.source_name,
            playbook=None if self.playbook else context.playbook,
            env=context.environ,
            report=context.report,
            sleep=context.sleep,
        )


class XComplianceSourceConfig(SourceConfig):
    """X compliance check: the posts we hold that X no longer finds are deleted here too
    (``sf_social.sources.x.compliance``; API cost in the README). Credentials as ``x``."""

    type: Literal["x_compliance"] = "x_compliance"
    window: Duration = timedelta(days=30)
    """Posts first seen this recently are checked."""
    posts_per_pass: int = Field(default=500, ge=1, le=100_000)
    """At most this many posts a pass (100 per request; each found post is a billed read)."""
    max_rate_wait_seconds: float = Field(default=900, ge=0, le=3600)
    batch_jobs: bool = False
    """Batch compliance jobs (no billed reads; X_BEARER_TOKEN, access that includes them)
    instead of lookups; a job checks posts_per_pass posts (up to 100,000)."""

    @property
    def source_name(self) -> str:
        return self.name or "x-compliance"

    def build(self, context: SourceContext) -> Source:
        from sf_social.sources.x.config import build_compliance_source

        return build_compliance_source(
            self.source_name,
            context.held_posts,
            window=self.window,
            per_pass=self.posts_per_pass,
            max_rate_wait=self.max_rate_wait_seconds,
            batch_jobs=self.batch_jobs,
            env=context.environ,
            sleep=context.sleep,
        )


class LinkedInPageSourceConfig(SourceConfig, LinkedInPageOptions):
    """A LinkedIn company page: comments and mentions (Community Management API, see README).

    The token comes from ``LINKEDIN_ACCESS_TOKEN`` when it is built.
    """

    type: Literal["linkedin_page"] = "linkedin_page"

    def build(self, context: SourceContext) -> Source:
        from sf_social.sources.linkedin_api.config import build_linkedin_page_source

        return build_linkedin_page_source(
            self,
            self.source_name,
            env=context.environ,
            report=context.report,
            sleep=context.sleep,
        )


class FacebookWebhookSourceConfig(SourceConfig):
    """Facebook page events stored by ``sf-social webhook serve`` in its spool file.

    ``page_id`` (else ``FB_PAGE_ID``) marks the page's own comments and messages outbound.
    """

    type: Literal["facebook_webhooks"] = "facebook_webhooks"
    spool: Path
    page_id: str | None = Field(default=None, min_length=1)
    batch_size: int = Field(default=500, ge=1, le=100_000)

    path_fields: ClassVar[tuple[str, ...]] = ("spool",)

    @property
    def source_name(self) -> str:
        return self.name or "facebook-webhooks"

    def build(self, context: SourceContext) -> Source:
        from sf_social.sources.facebook import FacebookWebhookSource

        page = self.page_id or context.environ.get("FB_PAGE_ID") or None
        return FacebookWebhookSource(self.spool, page, self.batch_size, self.source_name)


class LeadFormsSourceConfig(SourceConfig):
    """Lead form responses: what the webhooks brought (``mode = "webhooks"``: the spool
    ``webhook serve`` fills, each response fetched) or a scheduled pull of the last
    ``lookback`` (``mode = "pull"``: fills whatever the webhooks missed; the ledger drops
    the rest). Tokens and ids from the environment, as ``sf-social leads``."""

    type: Literal["lead_forms"] = "lead_forms"
    network: Literal["facebook", "linkedin"]
    mode: Literal["webhooks", "pull"] = "webhooks"
    spool: Path | None = None
    """``webhooks``: the spool (Facebook's page spool, or ``--linkedin-spool``)."""
    lookback: Duration = timedelta(days=1)
    """``pull``: how far back each pull reads (at most the networks' 90 days)."""
    owner: str | None = Field(default=None, min_length=1)
    """LinkedIn: the forms' owner URN (else ``LINKEDIN_LEAD_OWNER``)."""
    late_after: Duration = timedelta(hours=1)
    """``pull``: a notification this long after the submission is late (the spool tells)."""

    path_fields: ClassVar[tuple[str, ...]] = ("spool",)

    @property
    def source_name(self) -> str:
        return self.name or f"{self.network}-leads{'-pull' if self.mode == 'pull' else ''}"

    def build(self, context: SourceContext) -> Source:
        from sf_social.config.lead_sources import PullWatch, lead_source

        watch = PullWatch(context.playbook.lead_forms, context.report, self.late_after)
        return lead_source(
            self.network,
            self.mode,
            context.environ,
            spool=self.spool,
            lookback=min(self.lookback, timedelta(days=90)),
            owner=self.owner,
            name=self.source_name,
            watch=watch if self.mode == "pull" else None,
        )


SOURCE_TYPES: dict[str, type[SourceConfig]] = {
    "jsonl": JsonlSourceConfig,
    "x": XSourceConfig,
    "x_compliance": XComplianceSourceConfig,
    "linkedin_page": LinkedInPageSourceConfig,
    "facebook_webhooks": FacebookWebhookSourceConfig,
    "lead_forms": LeadFormsSourceConfig,
}
"""Source types by their ``type`` value."""

PLANNED_TYPES: dict[str, str] = {}
"""Types that are reserved but not built yet, with what to tell the user."""

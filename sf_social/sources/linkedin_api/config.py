"""Options of a LinkedIn company page source (a ``type = "linkedin_page"`` config entry).

The access token never lives in the file: ``LINKEDIN_ACCESS_TOKEN`` is read from the
environment when the source is built.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from dataclasses import replace
from datetime import timedelta
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field, field_validator

from sf_social.retry import Sleeper

if TYPE_CHECKING:  # the client (requests) is imported when a source is built, not to read options
    import requests

    from sf_social.sources.linkedin_api.source import LinkedInPageSource, Report

ORG_PREFIX = "urn:li:organization:"
DEFAULT_VERSION = "202610"
"""``LinkedIn-Version`` sent by default; each monthly version lives about a year: keep the
``api_version`` option current (https://learn.microsoft.com/en-us/linkedin/marketing/versioning)."""
DEFAULT_ACTIONS = ("COMMENT", "SHARE_MENTION", "COMMENT_EDIT", "COMMENT_DELETE")
"""Comments and mentions, and the edits and deletions of comments (design rule 11)."""


class LinkedInPageOptions(BaseModel):
    """Which page is read, and how."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    organization_id: str = Field(
        min_length=1, description="the page's numeric id, or urn:li:organization:<id>"
    )
    member_urns: list[str] = Field(
        default=[], description="urn:li:person:... of people who answer for the page (outbound)"
    )
    actions: list[str] = Field(
        default=list(DEFAULT_ACTIONS), min_length=1, description="notification actions read"
    )
    account: str | None = Field(
        default=None, description="routing account of its posts (default: the organization URN)"
    )
    api_version: str = Field(default=DEFAULT_VERSION, pattern=r"^\d{6}(\.\d{2})?$")
    page_size: int = Field(default=50, ge=1, le=100)
    overlap_seconds: float = Field(default=300, ge=0, le=3600)
    first_lookback_hours: float = Field(default=24, gt=0, le=24 * 59)
    max_pages: int = Field(default=50, ge=1, le=1000)
    max_rate_wait_seconds: float = Field(default=300, ge=0, le=3600)

    @field_validator("organization_id")
    @classmethod
    def _org(cls, value: str) -> str:
        ident = value.strip().removeprefix(ORG_PREFIX)
        if not ident.isdigit():
            raise ValueError("organization_id must be the page's numeric id")
        return ident

    @field_validator("member_urns")
    @classmethod
    def _members(cls, value: list[str]) -> list[str]:
        for urn in value:
            if not urn.startswith("urn:li:"):
                raise ValueError(f"{urn!r} is not a LinkedIn URN (urn:li:person:...)")
        return value

    @field_validator("actions")
    @classmethod
    def _actions(cls, value: list[str]) -> list[str]:
        upper = [a.strip().upper() for a in value]
        for action in upper:
            if not action.replace("_", "").isalpha():
                raise ValueError(f"{action!r} is not a notification action")
        return upper

    @property
    def organization(self) -> str:
        return f"{ORG_PREFIX}{self.organization_id}"


def build_linkedin_page_source(
    options: LinkedInPageOptions,
    name: str = "linkedin_page",
    *,
    env: Mapping[str, str] | None = None,
    report: Report | None = None,
    sleep: Sleeper | None = None,
    session: requests.Session | None = None,
) -> LinkedInPageSource:
    """The configured source; ``ConfigError`` when the token is missing."""
    from sf_social.sources.linkedin_api.client import POLICY, LinkedInApi, LinkedInCredentials
    from sf_social.sources.linkedin_api.source import LinkedInPageSource, Paging

    creds = LinkedInCredentials.from_env(os.environ if env is None else env)
    api = LinkedInApi(
        creds,
        version=options.api_version,
        policy=replace(
            POLICY, max_rate_wait=options.max_rate_wait_seconds, sleep=sleep or time.sleep
        ),
        session=session,
    )
    paging = Paging(
        page_size=options.page_size,
        overlap=timedelta(seconds=options.overlap_seconds),
        first_lookback=timedelta(hours=options.first_lookback_hours),
        max_pages=options.max_pages,
    )
    return LinkedInPageSource(
        name,
        api,
        options.organization,
        members=options.member_urns,
        actions=options.actions,
        account=options.account or options.organization,
        paging=paging,
        report=report,
    )

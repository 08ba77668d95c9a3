"""Fixtures for the LinkedIn page source: documented payloads (tests/data/linkedin_api)."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import responses

from sf_social.retry import RetryPolicy
from sf_social.sources.base import Cursor, SourceBatch
from sf_social.sources.linkedin_api.client import POLICY, LinkedInApi, LinkedInCredentials
from sf_social.sources.linkedin_api.source import LinkedInPageSource, Paging

DATA = Path(__file__).resolve().parents[2] / "data" / "linkedin_api"
URL = "https://api.linkedin.com/rest/organizationalEntityNotifications"
ORG = "urn:li:organization:2414183"
MEMBER = "urn:li:person:qA1b2C3d4E"
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
NOW_MS = 1795176000000
TOKEN = "AQX-test-token-never-printed"


def payload(name: str) -> dict[str, Any]:
    """A fixture from tests/data/linkedin_api (its ``_source`` key cites the reference page)."""
    body: dict[str, Any] = json.loads((DATA / name).read_text(encoding="utf-8"))
    return body


def add(
    name_or_body: str | dict[str, Any],
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> None:
    body = payload(name_or_body) if isinstance(name_or_body, str) else name_or_body
    responses.add(responses.GET, URL, json=body, status=status, headers=headers or {})


def params(index: int) -> dict[str, str]:
    """Query parameters of the n-th recorded request (Rest.li values decoded)."""
    url = responses.calls[index].request.url
    assert url is not None
    return {k: v[0] for k, v in parse_qs(urlparse(url).query).items()}


@dataclass
class Rig:
    source: LinkedInPageSource
    sleeps: list[float]
    reports: list[dict[str, Any]]
    now: list[datetime]

    def pull(self, cursor: Cursor | None = None) -> list[SourceBatch]:
        return list(self.source.pull(cursor))


def li_policy(**changes: Any) -> RetryPolicy:
    """The LinkedIn default policy without jitter (exact waits), with ``changes``."""
    return replace(POLICY, jitter=0.0, **changes)


def make_rig(*, page_size: int = 3, policy: RetryPolicy | None = None, max_pages: int = 50) -> Rig:
    sleeps: list[float] = []
    reports: list[dict[str, Any]] = []
    now = [NOW]
    api = LinkedInApi(
        LinkedInCredentials(TOKEN),
        version="202610",
        policy=replace(policy or li_policy(), sleep=sleeps.append),
        clock=lambda: now[0].timestamp(),
    )
    source = LinkedInPageSource(
        "linkedin_page",
        api,
        ORG,
        members=[MEMBER],
        account=ORG,
        paging=Paging(page_size=page_size, overlap=timedelta(minutes=5), max_pages=max_pages),
        report=lambda name, status: reports.append(status),
        clock=lambda: now[0],
    )
    return Rig(source, sleeps, reports, now)

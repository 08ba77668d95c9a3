"""Fixtures for the X source: documented payloads (tests/data/x) and the default playbook."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
import responses

from sf_social.playbook import Playbook, load_playbook
from sf_social.retry import RetryPolicy
from sf_social.sources.base import Cursor, SourceBatch
from sf_social.sources.x.client import POLICY, XApi, XCredentials
from sf_social.sources.x.source import XSource
from sf_social.sources.x.streams import MentionsStream, Stream
from sf_social.sources.x.timeline import Paging

DATA = Path(__file__).resolve().parents[2] / "data" / "x"


def payload(name: str) -> dict[str, Any]:
    """A fixture from tests/data/x (its ``_source`` key cites the reference page)."""
    body: dict[str, Any] = json.loads((DATA / name).read_text(encoding="utf-8"))
    return body


@pytest.fixture(scope="session")
def playbook() -> Playbook:
    return load_playbook()


API = "https://api.twitter.com/2"
MENTIONS_URL = f"{API}/users/1500000000000000002/mentions"
TWEETS_URL = f"{API}/users/1500000000000000002/tweets"
SEARCH_URL = f"{API}/tweets/search/recent"
USER_URL = f"{API}/users/by/username/NorthwindHelp"
NOW = datetime(2022, 12, 6, 13, 0, tzinfo=UTC)


@dataclass
class Rig:
    """An X source on a bearer-token tweepy client, a fixed clock and a recording sleeper."""

    source: XSource
    sleeps: list[float]
    reports: list[dict[str, Any]]

    def pull(self, cursor: Cursor | None = None) -> list[SourceBatch]:
        return list(self.source.pull(cursor))


def x_policy(**changes: Any) -> RetryPolicy:
    """The X default policy without jitter (exact waits), with ``changes``."""
    return replace(POLICY, jitter=0.0, **changes)


def make_rig(
    playbook: Playbook,
    streams: list[Stream] | None = None,
    *,
    budget: int | None = None,
    policy: RetryPolicy | None = None,
    paging: Paging | None = None,
) -> Rig:
    sleeps: list[float] = []
    reports: list[dict[str, Any]] = []
    creds = XCredentials(bearer_token="test-bearer-token")
    quiet = replace(policy or x_policy(), sleep=sleeps.append)
    api = XApi(creds.client(), policy=quiet, clock=NOW.timestamp)
    source = XSource(
        "x",
        api,
        playbook,
        streams if streams is not None else [MentionsStream("NorthwindHelp")],
        paging=paging,
        monthly_read_budget=budget,
        report=lambda name, status: reports.append(status),
        clock=lambda: NOW,
    )
    return Rig(source, sleeps, reports)


def params(call_index: int) -> dict[str, str]:
    """Query parameters of the n-th recorded request."""
    url = responses.calls[call_index].request.url
    assert url is not None
    return {k: v[0] for k, v in parse_qs(urlparse(url).query).items()}


def add_json(
    url: str,
    name_or_body: str | dict[str, Any],
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> None:
    body = payload(name_or_body) if isinstance(name_or_body, str) else name_or_body
    responses.add(responses.GET, url, json=body, status=status, headers=headers or {})

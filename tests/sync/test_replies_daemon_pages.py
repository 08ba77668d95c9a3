"""The daemon's reply job on Facebook (in-process: the Graph API is the twin)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from sf_social.testing.graph_posting import GraphPostingTwin
from tests.sync.test_replies_daemon import (
    approved_reply,
    folder_and_org,
    refused_at_start,
    run_until_sent,
)

CONFIG = """
[daemon]
poll_interval = "1h"
shutdown_timeout = "10s"

[push]
interval = "1h"

[replies]
enabled = true
interval = "1s"
facebook_page_id = "300"

[[sources]]
type = "jsonl"
name = "feed"
path = "feed.jsonl"
"""


def test_the_daemon_answers_on_messenger_with_the_page_token(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    org = folder_and_org(tmp_path, monkeypatch, CONFIG, FB_PAGE_TOKEN="page-token")
    twin = GraphPostingTwin(page_id="300")
    twin.add_message("4242", "where is my order?", at=datetime.now(UTC) - timedelta(hours=1))
    reply_id = approved_reply(org, "facebook:messenger:4242", "Facebook")
    assert run_until_sent(tmp_path / "sf-social.toml", org, twin, reply_id) == "Sent"
    assert len(twin.created) == 1


def test_facebook_replies_without_the_page_token_stop_the_daemon_at_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    org = folder_and_org(tmp_path, monkeypatch, CONFIG)
    monkeypatch.delenv("FB_PAGE_TOKEN", raising=False)
    refused_at_start(tmp_path, org, "set FB_PAGE_TOKEN")

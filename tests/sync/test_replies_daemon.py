"""The daemon runs the reply job when ``[replies]`` enables it (in-process: X is the twin)."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest
import responses

from sf_social.config import load_config
from sf_social.errors import ConfigError
from sf_social.sync.daemon import Daemon
from sf_social.sync.runtime import Runtime
from sf_social.testing import LocalOrg
from sf_social.testing.setup import ready_org
from sf_social.testing.x_posting import XPostingTwin
from tests.cli.conftest import clean_env

CONFIG = """
[daemon]
poll_interval = "1h"
shutdown_timeout = "10s"

[push]
interval = "1h"

[replies]
enabled = true
interval = "1s"
x_account_id = "100"

[[sources]]
type = "jsonl"
name = "feed"
path = "feed.jsonl"
"""
X_USER = {
    "X_CONSUMER_KEY": "ck",
    "X_CONSUMER_SECRET": "cs",
    "X_ACCESS_TOKEN": "at",
    "X_ACCESS_TOKEN_SECRET": "ats",
}


def use_env(monkeypatch: pytest.MonkeyPatch, **values: str) -> None:
    for name, value in clean_env(**values).items():
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)


def run_until_sent(config: Path, org: LocalOrg, twin: Any, reply_id: str) -> str:
    """Run the daemon of ``config`` on ``org`` and the network ``twin`` until the reply is
    Sent (30 s at most); its status then."""

    def status() -> str:
        record = next(r for r in org.records("Social_Reply__c") if r["Id"] == reply_id)
        return str(record["Status__c"])

    mock = responses.RequestsMock(assert_all_requests_are_fired=False)
    with mock, org.mock(mock), twin.mock(mock):
        daemon = Daemon(Runtime(load_config(config)))

        def stop_when_sent() -> None:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and status() != "Sent":
                time.sleep(0.05)
            daemon.stop("test done")

        threading.Thread(target=stop_when_sent, daemon=True).start()
        assert daemon.run() == 0
    return status()


def folder_and_org(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, config: str, **env: str
) -> LocalOrg:
    """``config`` and an empty feed in ``tmp_path``; an org the environment (with ``env``)
    points at."""
    org = ready_org()
    (tmp_path / "feed.jsonl").write_text("", encoding="utf-8")
    (tmp_path / "sf-social.toml").write_text(config, encoding="utf-8")
    use_env(
        monkeypatch,
        SF_INSTANCE_URL=org.instance_url,
        SF_ACCESS_TOKEN=org.access_token,
        SF_SOCIAL_DB=f"sqlite:///{tmp_path / 'state.db'}",
        **env,
    )
    return org


def approved_reply(org: LocalOrg, key: str, origin: str) -> str:
    """An approved reply to the post ``key`` on a new Case; its Id."""
    case_id = org.insert("Case", Subject="parcel", Origin=origin)
    return org.insert(
        "Social_Reply__c",
        Case__c=case_id,
        Reply_To_Key__c=key,
        Body__c="It left our warehouse today.",
        Status__c="Approved",
    )


def refused_at_start(tmp_path: Path, org: LocalOrg, says: str) -> None:
    """The daemon of the folder's configuration stops at start with ``says``."""
    with org.mock():
        daemon = Daemon(Runtime(load_config(tmp_path / "sf-social.toml")))
        with pytest.raises(ConfigError, match=says):
            daemon.run()


def test_the_daemon_posts_an_approved_reply(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    org = folder_and_org(tmp_path, monkeypatch, CONFIG, **X_USER)
    twin = XPostingTwin(me="100")
    twin.add_post("555", author_id="42", text="@acme where is my parcel", mentions=("100",))
    reply_id = approved_reply(org, "twitter:555", "Twitter")
    assert run_until_sent(tmp_path / "sf-social.toml", org, twin, reply_id) == "Sent"
    assert len(twin.created) == 1


def test_replies_enabled_without_x_user_context_stops_the_daemon_at_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    org = folder_and_org(tmp_path, monkeypatch, CONFIG, X_BEARER_TOKEN="b")  # reads only
    refused_at_start(tmp_path, org, "replies need X user context")


def test_replies_enabled_needs_the_account_id(tmp_path: Path) -> None:
    config = tmp_path / "sf-social.toml"
    config.write_text("[replies]\nenabled = true\n", encoding="utf-8")

    with pytest.raises(ConfigError, match=r"replies\.x_account_id"):
        load_config(config, {})

"""A stop that lands while the daemon starts still stops it (in-process, the local org)."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
import responses

from sf_social.config import load_config
from sf_social.sync.daemon import Daemon
from sf_social.sync.runtime import Runtime
from sf_social.testing.setup import ready_org
from tests.sync.test_replies_daemon import use_env

CONFIG = """
[daemon]
poll_interval = "1h"
shutdown_timeout = "10s"

[push]
interval = "1h"

[[sources]]
type = "jsonl"
name = "feed"
path = "feed.jsonl"
"""


@pytest.mark.parametrize("at", ["before the start", "while starting"])
def test_a_stop_during_start_up_ends_the_run(
    at: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SIGTERM between the signal handlers' install and ``scheduler.start()`` (systemd
    stopping a unit that is starting) used to leave the scheduler running forever."""
    org = ready_org()
    (tmp_path / "feed.jsonl").write_text("", encoding="utf-8")
    (tmp_path / "sf-social.toml").write_text(CONFIG, encoding="utf-8")
    use_env(
        monkeypatch,
        SF_INSTANCE_URL=org.instance_url,
        SF_ACCESS_TOKEN=org.access_token,
        SF_SOCIAL_DB=f"sqlite:///{tmp_path / 'state.db'}",
    )
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock, org.mock(mock):
        daemon = Daemon(Runtime(load_config(tmp_path / "sf-social.toml")))
        start = daemon.scheduler.start
        if at == "before the start":
            monkeypatch.setattr(daemon, "_observe", lambda: daemon.stop("SIGTERM"))
        else:  # the stop's shutdown runs before start() has made the scheduler running

            def stop_then_start() -> None:
                daemon.stop("SIGTERM")
                threading.Event().wait(0.1)  # the stop thread finds it not running yet
                start()

            monkeypatch.setattr(daemon.scheduler, "start", stop_then_start)
        finished: list[int] = []
        runner = threading.Thread(target=lambda: finished.append(daemon.run()), daemon=True)
        runner.start()
        runner.join(timeout=20)
    assert finished == [0], f"the daemon was still running 20 s after a stop {at}"

"""Issue 6's done-when: an X account and a listening query, configured in a file, run
through the operator's `sync --once` and the daemon (config -> runtime -> source -> engine
-> org)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import NoReturn
from urllib.parse import unquote

import pytest
import responses

from sf_social.config import load_config
from sf_social.logs import EVENT, FIELDS
from sf_social.state import open_store
from sf_social.sync.daemon import Daemon
from sf_social.sync.runtime import Runtime
from sf_social.testing import LocalOrg
from tests.cli.conftest import Ops, clean_env, seeded_org
from tests.sources.x.conftest import MENTIONS_URL, SEARCH_URL, TWEETS_URL, USER_URL, payload

CONFIG = """
[[sources]]
type = "x"
name = "x"
accounts = ["NorthwindHelp"]
listening = false
queries = [{ topic = "industry", query = "\\"mobile deposit\\" -is:retweet" }]
"""


@pytest.fixture
def x_ops(tmp_path: Path) -> Iterator[Ops]:
    """The local org and the X API answering on one ``responses`` mock."""
    org: LocalOrg = seeded_org()
    env = clean_env(
        SF_INSTANCE_URL=org.instance_url,
        SF_ACCESS_TOKEN=org.access_token,
        SF_SOCIAL_DB=f"sqlite:///{tmp_path / 'state.db'}",
        SF_SOCIAL_CONFIG=str(tmp_path / "sf-social.toml"),
        X_BEARER_TOKEN="x-bearer-secret-1234",
    )
    (tmp_path / "sf-social.toml").write_text(CONFIG, encoding="utf-8")
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock, org.mock(mock):
        mock.add(responses.GET, USER_URL, json=payload("user_by_username.json"))
        mock.add(responses.GET, MENTIONS_URL, json=payload("mentions_page1.json"))
        mock.add(responses.GET, MENTIONS_URL, json=payload("mentions_page2.json"))
        mock.add(responses.GET, SEARCH_URL, json=payload("search_recent.json"))
        mock.add(responses.GET, TWEETS_URL, json=payload("users_tweets.json"))
        yield Ops(org, tmp_path, env)


def test_a_configured_account_and_query_sync_into_the_org(x_ops: Ops) -> None:
    result = x_ops.run("sync", "--once")
    assert result.exit_code == 0, result.output
    store = open_store(f"sqlite:///{x_ops.db}")
    state = store.source("x")
    assert state is not None and state.cursor, "the X source stored its cursor"
    mentions = {"1600000000000000300", "1600000000000000250", "1600000000000000200"}
    found_by_search = "1600000000000000500"
    seen = store.seen(("twitter", i) for i in {*mentions, found_by_search})
    assert seen == {("twitter", i) for i in {*mentions, found_by_search}}
    tasks = {r["Social_Post_Key__c"] for r in x_ops.org.records("Task")}
    assert "twitter:1600000000000000300" in tasks  # "charged twice": a Case and its Task
    assert x_ops.org.count("Case") >= 1
    # our reply written on X (the own-posts stream) answered the "charged twice" Case
    (case,) = x_ops.org.find("Case", "Social_Thread_Key__c", "twitter:thread:1600000000000000100")
    assert case["Social_First_Response__c"].startswith("2022-12-06T11:40:00")
    assert case["Social_Response_Minutes__c"] == 70  # opened by the mention at 10:30
    assert "x-bearer-secret-1234" not in result.output
    again = x_ops.run("sync", "--once")
    assert again.exit_code == 0, again.output
    assert {r["Social_Post_Key__c"] for r in x_ops.org.records("Task")} == tasks


DAEMON_CONFIG = """
[daemon]
poll_interval = "1h"
shutdown_timeout = "10s"

[push]
interval = "1h"

[[sources]]
type = "x"
name = "x"
accounts = ["NorthwindHelp"]
listening = ["brand"]
"""


def test_the_daemon_runs_a_configured_account_and_a_playbook_listening_query(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 6's done-when, in the daemon itself (in-process: the X API is mocked)."""
    org: LocalOrg = seeded_org()
    config = tmp_path / "sf-social.toml"
    config.write_text(DAEMON_CONFIG, encoding="utf-8")
    _use_env(org, tmp_path, monkeypatch)
    wanted = {"twitter:1600000000000000300"}  # "charged twice", a mention: a Case and a Task
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock, org.mock(mock):
        mock.add(responses.GET, USER_URL, json=payload("user_by_username.json"))
        mock.add(responses.GET, MENTIONS_URL, json=payload("mentions_page1.json"))
        mock.add(responses.GET, MENTIONS_URL, json=payload("mentions_page2.json"))
        mock.add(responses.GET, SEARCH_URL, json=payload("search_recent.json"))
        mock.add(responses.GET, TWEETS_URL, json=payload("users_tweets.json"))
        daemon = Daemon(Runtime(load_config(config)))

        found_by_search = ("twitter", "1600000000000000500")

        def stop_when_written() -> None:
            """Stop once the mention's Task is written and the search's post was read: the
            two streams are separate batches, the push may write before the search's."""
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                if wanted <= {r["Social_Post_Key__c"] for r in org.records("Task")}:
                    break
                time.sleep(0.05)
            watcher = open_store(f"sqlite:///{tmp_path / 'state.db'}")  # the daemon made it
            try:
                while time.monotonic() < deadline and not watcher.seen([found_by_search]):
                    time.sleep(0.05)
            finally:
                watcher.close()
            daemon.stop("test done")

        threading.Thread(target=stop_when_written, daemon=True).start()
        code = daemon.run()
        searches = [
            unquote(str(c.request.url)) for c in mock.calls if SEARCH_URL in str(c.request.url)
        ]
    assert code == 0
    assert wanted <= {r["Social_Post_Key__c"] for r in org.records("Task")}
    # the query came from the playbook's brand keywords, retweets excluded
    assert searches and "northwind" in searches[0].lower() and "-is:retweet" in searches[0]
    store = open_store(f"sqlite:///{tmp_path / 'state.db'}")
    assert store.seen([found_by_search]) == {found_by_search}, "the search's post was read"
    status = store.source("x")
    assert status is not None and status.cursor, "the X source stored its cursor"


def test_stopping_the_daemon_ends_a_rate_limit_wait_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A 429 whose reset is ten minutes away: the source waits (within max_rate_wait); a stop
    during that wait ends the pass at once, as stopped, not failed, and nothing is lost."""
    org: LocalOrg = seeded_org()
    config = tmp_path / "sf-social.toml"
    config.write_text(DAEMON_CONFIG.replace('"10s"', '"120s"'), encoding="utf-8")
    _use_env(org, tmp_path, monkeypatch)
    reset = str(int(time.time()) + 600)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock, org.mock(mock):
        mock.add(responses.GET, USER_URL, json=payload("user_by_username.json"))
        mock.add(
            responses.GET,
            MENTIONS_URL,
            json=payload("error_429.json"),
            status=429,
            headers={"x-rate-limit-reset": reset},
        )
        daemon = Daemon(Runtime(load_config(config)), hard_exit=_job_left_running)
        stopped_at: list[float] = []

        def stop_once_waiting() -> None:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                if any(MENTIONS_URL in str(c.request.url) for c in mock.calls):
                    break
                time.sleep(0.05)
            time.sleep(0.3)  # now inside the wait for the reset
            stopped_at.append(time.monotonic())
            daemon.stop("test done")

        threading.Thread(target=stop_once_waiting, daemon=True).start()
        with caplog.at_level("INFO"):
            code = daemon.run()
        took = time.monotonic() - stopped_at[0]
    assert code == 0
    assert took < 5, f"the daemon took {took:.1f} s to stop (its bound is 120 s)"
    assert "job failed" not in caplog.text
    [intake] = [getattr(r, FIELDS) for r in caplog.records if getattr(r, EVENT, None) == "intake"]
    assert intake["stopped"] is True and intake["error"] is None, intake
    assert intake["pulled"] == 0  # nothing was read, so nothing is lost: the next pass reads it


def _job_left_running(code: int) -> NoReturn:
    pytest.fail(f"the daemon left a job running (exit code {code})")


def _use_env(org: LocalOrg, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The daemon reads its settings from the process environment: the local org, X."""
    env = clean_env(
        SF_INSTANCE_URL=org.instance_url,
        SF_ACCESS_TOKEN=org.access_token,
        SF_SOCIAL_DB=f"sqlite:///{tmp_path / 'state.db'}",
        X_BEARER_TOKEN="x-bearer-secret-1234",
    )
    for name, value in env.items():
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)

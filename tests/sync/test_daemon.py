"""``sf-social daemon`` as a real process: passes, SIGTERM within the bound, the SQLite lock.

The local org runs in this test process, over HTTPS on loopback; the daemon is a child
process that trusts its certificate through ``REQUESTS_CA_BUNDLE``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import pytest

from sf_social.state import StoreStatus, open_store
from sf_social.testing import LocalOrg, LocalOrgServer
from tests.cli.conftest import COMPLAINT, PRAISE, clean_env, seeded_org, tweet
from tests.state.conftest import drop_schema, require_postgres
from tests.tiny_model import IDEA, corrupt_model
from tests.waiting import until

pytestmark = pytest.mark.slow


@dataclass
class Rig:
    """An org over HTTPS, a folder with a feed and a config, daemons started from it."""

    org: LocalOrg
    server: LocalOrgServer
    folder: Path
    procs: list[subprocess.Popen[str]] = field(default_factory=list)
    logs: list[Path] = field(default_factory=list)
    db_url: str = ""
    schema: str | None = None

    def __post_init__(self) -> None:
        self.db_url = self.db_url or f"sqlite:///{self.folder / 'state.db'}"

    def env(self, **more: str) -> dict[str, str]:
        env = {k: v for k, v in {**os.environ, **clean_env()}.items() if v is not None}
        db = {"SF_SOCIAL_DB": self.db_url}
        if self.schema:
            db["SF_SOCIAL_DB_SCHEMA"] = self.schema
        return {**env, **self.server.env(), **db, **more}

    def config(self, *, shutdown: str = "10s", extra: str = "", top: str = "") -> Path:
        path = self.folder / "sf-social.toml"
        path.write_text(
            f"""{top}
[push]
interval = "500ms"
call_attempts = 1
backoff_base = "1s"

[daemon]
poll_interval = "300ms"
shutdown_timeout = "{shutdown}"
log_format = "json"

[metrics]
file = "metrics/sf_social.prom"

[[sources]]
type = "jsonl"
path = "feed.jsonl"
batch_size = 2
{extra}
""",
            encoding="utf-8",
        )
        return path

    def feed(self, *posts: dict[str, object]) -> None:
        import json

        lines = "".join(json.dumps(p) + "\n" for p in posts)
        (self.folder / "feed.jsonl").write_text(lines, encoding="utf-8")

    def start(self, config: Path, *args: str, **env: str) -> subprocess.Popen[str]:
        log = self.folder / f"daemon-{len(self.procs)}.log"
        stream: IO[str] = log.open("w")
        proc = subprocess.Popen(
            [sys.executable, "-m", "sf_social", "daemon", "--config", str(config), *args],
            env=self.env(**env),
            stdout=stream,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.procs.append(proc)
        self.logs.append(log)
        return proc

    def log(self, index: int = 0) -> str:
        return self.logs[index].read_text()

    def status(self) -> StoreStatus:
        store = open_store(self.db_url, schema=self.schema)
        try:
            return store.status()
        finally:
            store.close()


def stop(proc: subprocess.Popen[str], timeout: float) -> tuple[int, float]:
    """SIGTERM ``proc``; its exit code and how long it took."""
    started = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    code = proc.wait(timeout=timeout)
    return code, time.monotonic() - started


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[Rig]:
    org = seeded_org()
    with org.serve() as server:
        rig = Rig(org, server, tmp_path)
        try:
            yield rig
        finally:
            for proc in rig.procs:
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()


def test_the_daemon_syncs_and_stops_cleanly_on_sigterm(rig: Rig) -> None:
    rig.feed(tweet("1"), tweet("2", PRAISE), tweet("3"))
    proc = rig.start(rig.config())
    until(lambda: rig.org.count("Task") == 3, 30, "the first pass to land")
    assert rig.org.count("Case") == 2
    metrics = rig.folder / "metrics" / "sf_social.prom"
    until(lambda: "sf_social_written_total 3" in metrics.read_text(), 10, "the metrics file")

    rig.feed(tweet("1"), tweet("2", PRAISE), tweet("3"), tweet("4", PRAISE))  # appended
    until(lambda: rig.org.count("Task") == 4, 30, "the appended post")

    code, took = stop(proc, timeout=15)
    assert code == 0, rig.log()
    assert took < 10
    log = rig.log()
    assert '"event": "daemon started"' in log and '"event": "daemon stopped"' in log
    assert '"event": "intake"' in log and '"pulled": 1' in log  # one line per pass
    assert '"event": "push"' in log and '"written": 1' in log
    text = metrics.read_text()
    assert "sf_social_up 0" in text and "sf_social_outbox_depth 0" in text
    assert 'sf_social_new_total{source="jsonl:' in text
    status = rig.status()
    assert status.outbox_depth == 0 and status.outbox_leased == 0
    assert status.ledger_by_status == {"written": 4}
    assert rig.org.count("Case") == 2 and rig.org.count("Task") == 4


def test_sigterm_during_the_start_up_checks_ends_them_and_exits_0(rig: Rig) -> None:
    """A replica stopped while it still starts (its checks call a slow org) exits 0 at
    once, having taken nothing in; SIGTERM's default action used to kill it (exit -15)."""
    rig.feed(tweet("1"))
    rig.org.faults.latency = 2.0  # each check's call
    proc = rig.start(rig.config())
    until(lambda: bool(rig.org.calls), 30, "the start-up checks to call the org")
    code, took = stop(proc, timeout=15)
    assert code == 0, rig.log()
    assert took < 5  # not after every remaining check
    log = rig.log()
    assert '"event": "daemon stopping", "reason": "SIGTERM", "starting": true' in log
    assert '"event": "daemon stopped before it started"' in log
    assert '"daemon started"' not in log
    assert rig.org.count("Task") == 0


def test_a_second_daemon_on_the_same_sqlite_file_is_refused(rig: Rig) -> None:
    rig.feed(tweet("1"))
    config = rig.config()
    first = rig.start(config)
    until(lambda: rig.org.count("Task") == 1, 30, "the first daemon's pass")
    second = rig.start(config)
    assert second.wait(timeout=30) == 2
    assert "is in use by another sf-social process" in rig.log(1)
    assert f"PID {first.pid}" in rig.log(1)
    assert first.poll() is None  # the first one runs on
    assert stop(first, timeout=15)[0] == 0


def test_the_daemon_plans_with_the_configured_model(rig: Rig, tiny_model: Path) -> None:
    shutil.copy(tiny_model, rig.folder / "tiny.npz")
    rig.feed(tweet("1", IDEA), tweet("2", PRAISE))
    proc = rig.start(rig.config(top='model = "tiny.npz"'))  # relative to the config file
    until(lambda: rig.org.count("Task") == 2, 30, "the pass to land")
    assert stop(proc, timeout=15)[0] == 0, rig.log()
    (case,) = rig.org.records("Case")  # the rules alone: IDEA is nothing, PRAISE a Task
    assert case["Social_Segment__c"] == "Suggestion"
    assert case["Social_Thread_Key__c"] == "twitter:thread:1"


def test_an_unusable_model_stops_the_daemon_at_start_with_exit_2(rig: Rig) -> None:
    broken = corrupt_model(rig.folder / "broken.npz")
    rig.feed(tweet("1", IDEA))
    proc = rig.start(rig.config(), "--model", str(broken))
    assert proc.wait(timeout=30) == 2, rig.log()
    log = rig.log()
    assert f"error: model {broken}: not a model file" in log
    assert "Traceback" not in log and "daemon started" not in log
    assert rig.org.api_calls == 0 and rig.status().ledger_by_status == {}


def test_a_failing_start_up_check_stops_the_daemon_with_exit_2_naming_it(rig: Rig) -> None:
    rig.org.schema.remove_field("Case", "Social_Thread_Key__c")  # metadata not deployed
    rig.feed(tweet("1"))
    proc = rig.start(rig.config())
    assert proc.wait(timeout=60) == 2, rig.log()  # start-up and 14 checks; a loaded CI is slow
    lines = [json.loads(line) for line in rig.log().splitlines() if line.startswith("{")]
    (failed,) = [line for line in lines if line["event"] == "start-up check fail"]
    assert failed["check"] == "fields Case" and "Social_Thread_Key__c" in failed["detail"]
    assert "metadata deploy" in failed["fix"]
    assert lines[-1]["event"] == "not starting" and "--skip-checks" in lines[-1]["fix"]
    assert "daemon started" not in rig.log() and rig.status().ledger_by_status == {}

    proc = rig.start(rig.config(), "--skip-checks")  # the admin's choice: start anyway
    until(lambda: "daemon started" in rig.log(1), 60, "the daemon to start")
    assert stop(proc, timeout=30)[0] == 0, rig.log(1)


def test_sigterm_during_a_slow_write_leaves_within_the_bound_and_releases_the_rows(
    rig: Rig,
) -> None:
    rig.org.faults.latency = 5.0  # every answer takes 5 s: the push is stuck in a call
    rig.feed(tweet("1"), tweet("2", PRAISE), tweet("3"))
    proc = rig.start(rig.config(shutdown="1s"), "--skip-checks")  # each check would take 5 s
    until(lambda: rig.status().outbox_leased > 0, 30, "a push to lease rows")
    code, took = stop(proc, timeout=15)
    assert code == 0, rig.log()
    assert took < 4, f"took {took:.1f} s with a 1 s bound"
    stopped = [line for line in rig.log().splitlines() if '"daemon stopped"' in line]
    # The push, and any other job in a 5 s call at that moment (the overdue sweep, an intake).
    assert stopped and json.loads(stopped[-1])["jobs_abandoned"] >= 1, rig.log()
    status = rig.status()
    assert status.outbox_leased == 0 and status.outbox_depth > 0  # given back, not lost

    rig.org.faults.latency = 0.0  # the next run sends them, once
    proc = rig.start(rig.config())
    until(lambda: rig.status().outbox_depth == 0, 30, "the next run to send the rows")
    assert stop(proc, timeout=15)[0] == 0
    assert rig.org.count("Task") == 3 and rig.org.count("Case") == 2


def test_a_push_longer_than_its_interval_is_one_counted_line_not_a_warning_per_turn(
    rig: Rig,
) -> None:
    rig.org.faults.latency = 0.4  # each push takes a few calls: longer than its 0.5 s turn
    rig.feed(*(tweet(str(n), PRAISE) for n in range(1, 7)))
    proc = rig.start(rig.config(), "--skip-checks")
    until(lambda: rig.org.count("Task") == 6, 60, "the posts to land")
    assert stop(proc, timeout=15)[0] == 0, rig.log()
    lines = [json.loads(line) for line in rig.log().splitlines() if line.startswith("{")]
    assert all(list(line)[:4] == ["ts", "level", "logger", "event"] for line in lines)
    assert not [line for line in lines if "maximum number" in line["event"]]
    overran = [line for line in lines if line["event"] == "job overran"]
    assert overran and all(line["skipped_turns"] >= 1 for line in overran), lines


def test_sigterm_lets_the_batch_in_flight_finish_within_the_bound(rig: Rig) -> None:
    rig.org.faults.latency = 0.3
    rig.feed(*(tweet(str(n)) for n in range(1, 9)))  # 8 posts, 4 intake batches
    proc = rig.start(rig.config(shutdown="20s"), "--skip-checks")
    until(lambda: rig.status().outbox_leased > 0, 30, "a push to lease rows")
    code, took = stop(proc, timeout=30)
    assert code == 0, rig.log()
    log = rig.log()
    assert '"jobs_abandoned": null' in log and '"leases_released": 0' in log
    status = rig.status()
    assert status.outbox_leased == 0
    written = status.ledger_by_status.get("written", 0)
    assert written > 0  # the batch in flight was settled, not dropped
    assert rig.org.count("Task") == written  # what landed is what the ledger says
    assert took < 20


def test_two_replicas_on_postgresql_share_the_work_once(rig: Rig) -> None:
    rig.db_url = require_postgres()
    rig.schema = f"sfs_daemon_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    posts = [tweet(str(n), PRAISE if n % 3 else COMPLAINT) for n in range(1, 31)]
    rig.feed(*posts)
    config = rig.config()
    try:
        first, second = rig.start(config), rig.start(config)
        started = '"event": "daemon started"'
        until(lambda: all(started in rig.log(n) for n in (0, 1)), 60, "both replicas to start")
        until(lambda: rig.org.count("Task") == 30, 60, "both replicas to sync the feed")
        until(lambda: rig.status().outbox_depth == 0, 30, "the outbox to drain")
        assert stop(first, timeout=20)[0] == 0 and stop(second, timeout=20)[0] == 0
        logs = [rig.log(0), rig.log(1)]
        news = [
            int(n) for log in logs for n in re.findall(r'"event": "intake".*?"new": (\d+)', log)
        ]
        assert sum(news) == 30  # every post taken in once, by one replica or the other
        status = rig.status()
        assert status.ledger_by_status == {"written": 30} and status.outbox_leased == 0
        assert rig.org.count("Task") == 30 and rig.org.count("Case") == 10
    finally:
        drop_schema(rig.db_url, rig.schema)


def test_healthz_and_readyz_on_the_metrics_port_follow_the_daemon(rig: Rig) -> None:
    import json
    import urllib.error
    import urllib.request

    def get(url: str) -> tuple[int, str]:
        try:
            with urllib.request.urlopen(url, timeout=5) as answer:
                return answer.status, answer.read().decode()
        except urllib.error.HTTPError as refused:
            return refused.code, refused.read().decode()

    config = rig.config()
    config.write_text(config.read_text().replace("[metrics]\n", "[metrics]\nport = 0\n"))
    rig.feed(tweet("1"))
    proc = rig.start(config)
    until(lambda: "daemon started" in rig.log(), 30, "the daemon to start")
    started = next(json.loads(x) for x in rig.log().splitlines() if "daemon started" in x)
    base = started["metrics_url"].removesuffix("/metrics")
    until(lambda: get(f"{base}/healthz")[0] == 200, 10, "/healthz")
    until(lambda: get(f"{base}/readyz")[0] == 200, 30, "/readyz after the first passes")

    rig.org.sessions.expire_all()  # the bare token is rejected from now on
    rig.feed(tweet("1"), tweet("2", PRAISE))
    until(lambda: get(f"{base}/readyz")[0] == 503, 30, "/readyz to see the blocked writes")
    _, body = get(f"{base}/readyz")
    assert "FAIL  writes: blocked:" in body and "SF_ACCESS_TOKEN" in body
    assert get(f"{base}/healthz") == (200, "alive\n")  # alive: a restart would not help
    code, _ = stop(proc, timeout=15)
    assert code == 0, rig.log()

"""``sync --once``, ``status`` and ``health`` on a real SQLite file and the local org."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from sf_social.state import open_store
from tests.cli.conftest import LEAD, PRAISE, Ops, clean_env, tweet
from tests.tiny_model import IDEA, corrupt_model


def configure(ops: Ops, *feeds: Path, extra: str = "", top: str = "") -> Path:
    """A config file polling ``feeds`` (the environment gives the org and the database);
    ``top``: keys before the tables, ``extra``: tables after the sources."""
    sources = "".join(f'[[sources]]\ntype = "jsonl"\npath = "{f}"\n' for f in feeds)
    path = ops.tmp / "sf-social.toml"
    path.write_text(top + sources + extra, encoding="utf-8")
    ops.env["SF_SOCIAL_CONFIG"] = str(path)
    return path


def test_sync_once_runs_one_pass_and_status_shows_it(ops: Ops) -> None:
    feed = ops.feed("support.jsonl", tweet("1"), tweet("2", PRAISE), tweet("3", LEAD))
    configure(ops, feed)
    result = ops.run("sync", "--once")
    assert result.exit_code == 0, result.output
    assert (
        "pulled=3 rejected=0 new=3 planned=3 written=3 records=5 retried=0 dead=0" in result.stdout
    )
    assert ops.counts() == {"Case": 1, "Lead": 1, "Task": 3}

    again = ops.run("sync", "--once")
    assert "pulled=0 rejected=0 new=0 planned=0 written=0" in again.stdout

    shown = ops.run("status")
    assert shown.exit_code == 0, shown.output
    out = shown.stdout
    assert f"jsonl:{feed}" in out and '"line":3' in out
    assert "outbox: 0 row(s)" in out and "dead letters: 0" in out
    assert "ledger: written 3" in out
    assert "daily requests" in out  # the org's API usage, as the last push saw it
    assert "last push:" in out and "(ok)" in out

    data = json.loads(ops.run("status", "--json").stdout)
    (source,) = data["sources"]
    assert source["name"] == f"jsonl:{feed}" and source["cursor"]["line"] == 3
    assert source["last_pass"]["pulled"] == 0  # the second pass
    assert data["outbox"]["depth"] == 0 and data["dead_letters"]["total"] == 0
    assert data["ledger"] == {"written": 3}
    assert data["api"]["api_usage_limit"] == 15_000
    assert data["last_passes"]["push"]["error"] is None


def test_status_on_a_fresh_install_says_nothing_ran(ops: Ops) -> None:
    result = ops.run("status")
    assert result.exit_code == 0 and "nothing has run" in result.stdout
    assert not ops.db.exists()


def test_sync_once_refuses_while_a_daemon_holds_the_sqlite_file(ops: Ops) -> None:
    configure(ops, ops.feed("a.jsonl", tweet("1")))
    store = open_store(f"sqlite:///{ops.db}")
    lock = store.lock_for_daemon()
    try:
        # flock is per open file: another process is needed to see the refusal
        env = {k: v for k, v in {**_os_env(), **ops.env}.items() if v is not None}
        done = subprocess.run(
            [sys.executable, "-m", "sf_social", "sync", "--once"],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    finally:
        lock.release()
        store.close()
    assert done.returncode == 2, done.stderr
    assert "in use by another sf-social process" in done.stderr  # the store's own message
    assert f"PID {os.getpid()}" in done.stderr


def _os_env() -> dict[str, str | None]:
    return dict(os.environ)


def test_without_salesforce_settings_sync_names_the_missing_variables(tmp_path: Path) -> None:
    env = {k: v for k, v in {**_os_env(), **clean_env()}.items() if v is not None}
    env["SF_SOCIAL_DB"] = f"sqlite:///{tmp_path / 'state.db'}"
    done = subprocess.run(
        [sys.executable, "-m", "sf_social", "sync", "--once"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "no Salesforce login configured: set SF_INSTANCE_URL + SF_ACCESS_TOKEN" in done.stderr


def test_health_follows_passes_outbox_and_dead_letters(ops: Ops) -> None:
    feed = ops.feed("a.jsonl", tweet("1"))
    configure(ops, feed)
    never = ops.run("health")
    assert never.exit_code == 1 and "no state database" in never.stdout

    assert ops.run("sync", "--once").exit_code == 0
    healthy = ops.run("health")
    assert healthy.exit_code == 0, healthy.output
    assert f"ok    pass jsonl:{feed}" in healthy.stdout and "ok    pass push" in healthy.stdout

    stale = ops.run("health", "--max-pass-age", "1ms")
    assert stale.exit_code == 1 and "FAIL  pass push" in stale.stdout

    ops.org.schema.remove_picklist_value("Case", "Social_Segment__c", "Request")
    ops.feed("a.jsonl", tweet("1"), tweet("2"))
    assert ops.run("sync", "--once").exit_code == 1  # a dead letter
    dead = ops.run("health", "--json")
    assert dead.exit_code == 1
    checks = {c["name"]: c for c in json.loads(dead.stdout)["checks"]}
    assert checks["dead letters"]["ok"] is False
    assert "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST 1" in checks["dead letters"]["detail"]
    assert ops.run("health", "--max-dead-letters", "-1").exit_code == 0


def test_health_fails_on_an_old_outbox(ops: Ops) -> None:
    from sf_social.testing import FaultKind

    configure(ops, ops.feed("a.jsonl", tweet("1")))
    ops.org.faults.add(FaultKind.SERVER_UNAVAILABLE, rate=1.0, path="/composite/sobjects")
    assert ops.run("sync", "--once").exit_code == 0  # a retry is no failure of the pass
    result = ops.run("health", "--max-outbox-age", "1ms")
    assert result.exit_code == 1
    assert "FAIL  outbox: 1 row(s), oldest waiting" in result.stdout


def test_config_shows_the_effective_settings_without_secrets(ops: Ops) -> None:
    configure(ops, ops.feed("a.jsonl", tweet("1")), extra='[push]\ninterval = "45s"\n')
    result = ops.run("config")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["push"]["interval"] == "45s"
    assert data["salesforce"]["access_token"] == "***"
    assert ops.org.access_token not in result.stdout
    listing = ops.run("config", "--env-vars").stdout
    assert "SF_SOCIAL_PUSH_INTERVAL" in listing and "SF_SOCIAL_FEEDS" in listing
    ops.env["SF_SOCIAL_PUSH_BATCH_SIZE"] = "lots"
    bad = ops.run("config")
    assert bad.exit_code == 2
    assert "SF_SOCIAL_PUSH_BATCH_SIZE: push.batch_size: Input should be a valid integer" in (
        bad.stderr
    )


def test_sync_once_skips_a_source_someone_else_is_polling(ops: Ops) -> None:
    feed = ops.feed("a.jsonl", tweet("1"))
    configure(ops, feed)
    store = ops.store()
    lock = store.try_lock_source(f"jsonl:{feed}")  # as a replica mid-pass would hold it
    assert lock is not None
    try:
        busy = ops.run("sync", "--once")
    finally:
        lock.release()
        store.close()
    assert busy.exit_code == 0, busy.output
    assert "polled by another replica now, skipped" in busy.stderr
    assert ops.org.count("Task") == 0
    assert "pulled=1" in ops.run("sync", "--once").stdout


def test_sync_once_plans_with_the_model_of_the_flag_the_environment_or_the_file(
    ops: Ops, tiny_model: Path
) -> None:
    feed = ops.feed("a.jsonl", tweet("1", IDEA))
    corrupt_model(ops.tmp / "broken.npz")
    configure(ops, feed, top='model = "broken.npz"\n')  # relative to the config file
    broken = ops.run("sync", "--once")
    assert broken.exit_code == 2, broken.output
    assert broken.stderr.startswith(f"error: model {ops.tmp / 'broken.npz'}: not a model file")
    assert ops.ledger() == {} and ops.counts() == {"Case": 0, "Lead": 0, "Task": 0}

    flag = ops.run("sync", "--once", "--model", str(tiny_model))  # the flag wins over the file
    assert flag.exit_code == 0, flag.output
    assert ops.segments("Case") == ["Suggestion"]

    ops.feed("a.jsonl", tweet("1", IDEA), tweet("2", IDEA))
    ops.env["SF_SOCIAL_MODEL"] = str(tiny_model)  # the environment wins over the file
    env = ops.run("sync", "--once")
    assert env.exit_code == 0, env.output
    assert ops.segments("Case") == ["Suggestion", "Suggestion"]
    ops.env["SF_SOCIAL_MODEL"] = str(ops.tmp / "broken.npz")  # and the flag over both
    assert ops.run("sync", "--once", "--model", str(tiny_model)).exit_code == 0
    assert ops.run("sync", "--once").exit_code == 2

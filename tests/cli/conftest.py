"""Operator command fixtures: a local org (in-process), a SQLite state file, feeds, a runner.

``ops.run("sync", "--once")`` runs ``sf-social`` in-process with an environment that
names only what the test sets (no SF_* leaks in from the developer's shell). The local
org answers through ``responses``: no socket, no certificate, fast. The daemon tests run
real processes against the org over HTTPS instead (``tests/sync/test_daemon.py``).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import click
import pytest
from click.testing import CliRunner, Result

from sf_social.cli.main import main
from sf_social.config import CONFIG_ENV, ENV_VARS, FEEDS_ENV
from sf_social.playbook import load_playbook
from sf_social.state import StateStore, open_store
from sf_social.testing import LocalOrg

COMPLAINT = "@NorthwindHelp the app keeps crashing when I deposit a check #fail"
PRAISE = "love the new budgeting tab, thank you @NorthwindBank!"
LEAD = "thinking of switching from contoso, how do i open a business account?"


def tweet(post_id: str, text: str = COMPLAINT, **fields: Any) -> dict[str, Any]:
    """A tweet by a regular customer unless ``author`` says otherwise."""
    return {
        "network": "twitter",
        "id": post_id,
        "text": text,
        "created_at": "2026-11-20T11:00:00Z",
        "author": {
            "id": f"u{post_id}",
            "handle": f"user{post_id}",
            "name": "Dana Morales",
            "followers": 2400,
        },
        "url": f"https://x.com/user{post_id}/status/{post_id}",
        **fields,
    }


def seeded_org(**options: Any) -> LocalOrg:
    """A local org with the default playbook's queues."""
    org = LocalOrg(seed=5, **options)
    playbook = load_playbook()
    for queue in sorted({*playbook.routing.teams.values(), playbook.routing.review_queue}):
        org.add_queue(queue)
    return org


def clean_env(**values: str) -> dict[str, str | None]:
    """Every setting's variable unset, except ``values``."""
    env: dict[str, str | None] = {name: None for name in ENV_VARS.values()}
    env.update({CONFIG_ENV: None, FEEDS_ENV: None, "REQUESTS_CA_BUNDLE": None})
    env.update(values)
    return env


class _ConsoleScript:
    """The ``sf-social`` entry point (``main()``) as ``CliRunner`` wants to call it."""

    name = "sf-social"

    def main(self, args: list[str], prog_name: str | None = None, **extra: Any) -> None:
        sys.argv = ["sf-social", *args]
        main()


@dataclass
class Ops:
    """An operator's world: the org, a state file, and the ``sf-social`` command."""

    org: LocalOrg
    tmp: Path
    env: dict[str, str | None]

    @property
    def db(self) -> Path:
        return self.tmp / "state.db"

    def run(self, *args: str) -> Result:
        """``sf-social ARGS`` as the console script runs it (exit 2 on known errors)."""
        return CliRunner().invoke(
            cast(click.Command, _ConsoleScript()), list(args), env=self.env, catch_exceptions=False
        )

    def feed(self, name: str, *posts: dict[str, Any] | str) -> Path:
        """A JSONL file of ``posts`` (strings are written as they are: bad lines)."""
        path = self.tmp / name
        lines = [p if isinstance(p, str) else json.dumps(p) for p in posts]
        path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
        return path

    def store(self) -> StateStore:
        return open_store(f"sqlite:///{self.db}")

    def counts(self) -> dict[str, int]:
        return {s: self.org.count(s) for s in ("Case", "Lead", "Task")}

    def segments(self, sobject: str) -> list[str | None]:
        """``Social_Segment__c`` of every ``sobject`` record, in the org's order."""
        return [r.get("Social_Segment__c") for r in self.org.records(sobject)]

    def ledger(self) -> dict[str, int]:
        """The state file's posts by status (nothing read: empty)."""
        store = self.store()
        try:
            return store.status().ledger_by_status
        finally:
            store.close()


def org_env(org: LocalOrg, folder: Path, **more: str) -> dict[str, str | None]:
    """The variables of a command talking to ``org`` with its state in ``folder``."""
    return clean_env(
        SF_INSTANCE_URL=org.instance_url,
        SF_ACCESS_TOKEN=org.access_token,
        SF_SOCIAL_DB=f"sqlite:///{folder / 'state.db'}",
        **more,
    )


@pytest.fixture
def ops(tmp_path: Path) -> Iterator[Ops]:
    org = seeded_org()
    env = org_env(org, tmp_path, SF_SOCIAL_PUSH_BACKOFF_BASE="1s", SF_SOCIAL_PUSH_CALL_ATTEMPTS="1")
    with org.mock():
        yield Ops(org, tmp_path, env)

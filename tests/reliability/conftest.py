"""Shared fixtures: the generated feeds, their files, and the org of a clean run over each.

Every reliability test compares its final org with ``clean`` (or ``small_clean``): the
same feed synced once by one driver process with no faults and no crash, on a fresh
SQLite file and a fresh org.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.reliability.feed import GeneratedFeed, make_feed
from tests.reliability.harness import Result, Rig, rig
from tests.reliability.orgs import Snapshot, WriteLog, snapshot


@dataclass
class Clean:
    """A feed, its file, and what a clean run made of it."""

    feed: GeneratedFeed
    path: Path
    snapshot: Snapshot
    log: WriteLog
    result: Result
    api_calls: int


def clean_run(feed: GeneratedFeed, folder: Path) -> Clean:
    path = feed.write(folder / "feed.jsonl")
    with rig(feed, path, f"sqlite:///{folder / 'clean.db'}") as r:
        result = r.run()
        assert result.returncode == 0 and result.final.get("done"), result.describe()
        return Clean(feed, path, snapshot(r.org), r.log, result, r.org.api_calls)


@pytest.fixture(scope="session")
def clean(tmp_path_factory: pytest.TempPathFactory) -> Clean:
    """About 600 posts (and 15 bad lines) synced once, cleanly."""
    return clean_run(make_feed(seed=7, posts=600), tmp_path_factory.mktemp("clean"))


@pytest.fixture(scope="session")
def small_clean(tmp_path_factory: pytest.TempPathFactory) -> Clean:
    """About 200 posts synced once, cleanly: for the many random-kill runs."""
    return clean_run(make_feed(seed=11, posts=200), tmp_path_factory.mktemp("small"))


@pytest.fixture
def sqlite_rig(clean: Clean, tmp_path: Path) -> Iterator[Rig]:
    """A fresh org and a fresh SQLite file, over the clean run's feed."""
    with rig(clean.feed, clean.path, f"sqlite:///{tmp_path / 'state.db'}") as r:
        yield r


@pytest.fixture
def small_rig(small_clean: Clean, tmp_path: Path) -> Iterator[Rig]:
    """A fresh org and a fresh SQLite file, over the small clean run's feed."""
    with rig(small_clean.feed, small_clean.path, f"sqlite:///{tmp_path / 'state.db'}") as r:
        yield r

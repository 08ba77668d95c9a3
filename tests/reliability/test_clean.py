"""The reference run itself: what the feed makes, one write per post and key, replays."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.reliability.conftest import Clean
from tests.reliability.feed import BAD_LINES, make_feed
from tests.reliability.harness import Rig, rig
from tests.reliability.orgs import assert_invariant, feed_problems, snapshot, write_problems

pytestmark = pytest.mark.slow


def test_a_clean_run_makes_what_the_feed_says_with_one_write_per_post(clean: Clean) -> None:
    e = clean.feed.expected
    assert not feed_problems(clean.snapshot, clean.feed)
    assert not write_problems(clean.log, clean.snapshot, clean.feed, exact=True)
    final = clean.result.final
    assert final["rejected"] == e.rejected and final["new"] == e.posts
    assert final["ledger"] == {"written": len(e.tasks), "skipped": e.posts - len(e.tasks)}
    assert final["dead_letters"] == {}
    # the feed has every shape the invariant speaks about
    assert e.first_response and e.contact_cases and e.review_cases
    assert any(n > 1 for n in e.lead_posts.values()), "repeated lead authors"
    assert any(n > 2 for n in e.case_posts.values()), "threads with replies"
    assert clean.api_calls < 80, f"{clean.api_calls} API calls for {e.posts} posts"


def test_running_again_changes_nothing_and_a_lost_database_creates_nothing(
    clean: Clean, sqlite_rig: Rig, tmp_path: Path
) -> None:
    first = sqlite_rig.complete()
    assert first.final["written"] == len(clean.feed.expected.tasks)
    calls = sqlite_rig.org.api_calls
    again = sqlite_rig.complete()
    assert again.final["new"] == 0 and again.final["written"] == 0
    assert sqlite_rig.org.api_calls == calls, "a replay from the same state calls nothing"
    # The local database is lost: the same feed again, from scratch, against the same org.
    sqlite_rig.db_url = f"sqlite:///{tmp_path / 'replacement.db'}"
    replay = sqlite_rig.complete()
    assert replay.final["written"] == len(clean.feed.expected.tasks)
    assert_invariant(sqlite_rig.org, clean.snapshot, clean.feed, context="after a lost database")
    creates = sum(sum(sqlite_rig.log.creates(s).values()) for s in ("Case", "Lead", "Task"))
    e = clean.feed.expected
    expected = len(e.cases | e.leads | e.tasks)
    assert creates == expected, "the replay updated by key; it created nothing"


def test_bad_lines_are_rejected_one_by_one_and_never_block_the_rest(tmp_path: Path) -> None:
    """A bad line in every third, at and across batch boundaries of five lines."""
    feed = make_feed(seed=3, posts=60, bad_every=3)
    path = feed.write(tmp_path / "bad.jsonl")
    with rig(feed, path, f"sqlite:///{tmp_path / 'state.db'}") as r:
        result = r.complete(["--batch-size", "5"])
        snap = snapshot(r.org)
    assert result.final["rejected"] == feed.expected.rejected == 20
    assert result.final["new"] == feed.expected.posts
    assert not feed_problems(snap, feed)
    rejected = [line for line in result.stderr.splitlines() if "rejected" in line]
    bad_lines = [n for n, line in enumerate(feed.lines, 1) if line in BAD_LINES]
    assert len(rejected) == len(bad_lines) == 20
    for number, line in zip(bad_lines, rejected, strict=True):
        assert f"{path}:{number}: " in line, "each rejection names its file and line"


def test_other_batch_sizes_make_the_same_org(small_clean: Clean, small_rig: Rig) -> None:
    """Batches of 7 lines, pushed 13 outbox rows at a time: the org must not depend on it."""
    result = small_rig.complete(["--batch-size", "7", "--push-batch", "13"])
    assert_invariant(
        small_rig.org,
        small_clean.snapshot,
        small_clean.feed,
        log=small_rig.log,
        exact_writes=True,
        context=result.describe(),
    )

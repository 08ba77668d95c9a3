"""The process dies at each named crash point (as ``kill -9`` would), restarts, finishes.

The small feed is read in batches of 40 lines and pushed 50 outbox rows at a time, so
each point is reached several times; ``SF_SOCIAL_CRASH_AFTER`` picks a middle one.
"""

from __future__ import annotations

import pytest

from sf_social.crashpoints import CRASH_EXIT
from tests.reliability.conftest import Clean
from tests.reliability.harness import Rig
from tests.reliability.orgs import assert_invariant

pytestmark = pytest.mark.slow

ARGS = ["--batch-size", "40", "--push-batch", "50"]  # the default lease: no waiting on it
POINTS = {
    # point: (the time it is reached that kills, whether sends are exactly once)
    "commit_batch:ledger": (3, True),
    "commit_batch:outbox": (3, True),
    "commit_batch:cursor": (3, True),
    "intake:committed": (2, True),
    "push:claimed": (2, True),
    "push:sent": (2, False),  # sent, result not stored: that batch is sent again
    "push:settled": (2, True),
}


@pytest.mark.parametrize("point", list(POINTS))
def test_a_crash_at_a_named_point_then_a_restart_ends_in_the_clean_org(
    point: str, small_clean: Clean, small_rig: Rig
) -> None:
    after, exact = POINTS[point]
    crash_env = {"SF_SOCIAL_CRASH_AT": point, "SF_SOCIAL_CRASH_AFTER": str(after)}
    crashed = small_rig.run(ARGS, env=crash_env)
    assert crashed.returncode == CRASH_EXIT, crashed.describe()
    assert not crashed.final, "it died before finishing"
    saves_before_restart = len(small_rig.log.saves)

    restarted = small_rig.complete(ARGS, runs=1)  # the dead run's leases are freed at once
    assert restarted.seconds < 30, f"the restart waited for a lease: {restarted.describe()}"

    context = f"crash at {point} (#{after})\n{crashed.describe()}\n{restarted.describe()}"
    assert restarted.final["dead_letters"] == {}, context
    assert_invariant(
        small_rig.org,
        small_clean.snapshot,
        small_clean.feed,
        log=small_rig.log,
        exact_writes=exact,
        context=context,
    )
    if point.startswith(("commit_batch", "intake")):
        assert saves_before_restart == 0, "intake crashed before anything was pushed"
    if point == "push:sent":
        resent = [k for k, n in small_rig.log.writes("Task").items() if n > 1]
        assert resent, "the batch in flight at the crash is sent again, by key"

"""A crash point kills the process only when and where the environment says."""

from __future__ import annotations

import os
import subprocess
import sys

from sf_social.crashpoints import CRASH_EXIT

PROBE = (
    "from sf_social.crashpoints import reached\n"
    "for i in range(3):\n"
    "    reached('a'); print('a', i, flush=True)\n"
    "    reached('b'); print('b', i, flush=True)\n"
)


def run(**env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", PROBE],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=False,
    )


def test_unset_never_crashes() -> None:
    result = run()
    assert result.returncode == 0 and result.stdout.count("\n") == 6


def test_dies_at_the_named_point_the_nth_time() -> None:
    first = run(SF_SOCIAL_CRASH_AT="b")
    assert first.returncode == CRASH_EXIT and first.stdout == "a 0\n"
    third = run(SF_SOCIAL_CRASH_AT="x,b", SF_SOCIAL_CRASH_AFTER="3")
    assert third.returncode == CRASH_EXIT
    assert third.stdout.splitlines() == ["a 0", "b 0", "a 1", "b 1", "a 2"]

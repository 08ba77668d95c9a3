"""Named points where the process can be made to die, for crash-recovery tests.

Set ``SF_SOCIAL_CRASH_AT`` to a point's name (or several, comma-separated) and the process
exits at once with status ``CRASH_EXIT`` when it reaches that point — no cleanup, no
flush, as ``kill -9`` would. ``SF_SOCIAL_CRASH_AFTER=N`` dies at the N-th time instead of
the first. Unset, ``reached`` costs one dictionary lookup.

Points: ``commit_batch:ledger``, ``commit_batch:outbox``, ``commit_batch:cursor`` (inside
intake's transaction), ``intake:committed`` (right after it), ``push:claimed``,
``push:sent`` (after a send, before its result is stored), ``push:settled``; the reply job's
``reply:sending`` (marked Sending, not posted), ``reply:posted`` (posted, nothing written
back), ``reply:task`` (its Task written, the reply not yet Sent).
"""

from __future__ import annotations

import os
from collections import Counter

CRASH_EXIT = 137
"""The status a crash point exits with (that of a process killed by SIGKILL)."""

_counts: Counter[str] = Counter()


def reached(name: str) -> None:
    """Die here if the environment says so."""
    wanted = os.environ.get("SF_SOCIAL_CRASH_AT")
    if not wanted or name not in wanted.split(","):
        return
    _counts[name] += 1
    if _counts[name] >= int(os.environ.get("SF_SOCIAL_CRASH_AFTER", "1")):
        os._exit(CRASH_EXIT)

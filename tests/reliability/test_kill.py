"""``kill -9`` at random times, restart until complete, twenty times: the same org each time.

Each run has its own org, server and SQLite file; three run at once (the drivers are
separate processes). A run is killed once or twice, after a random share of the time a
whole run takes here against an org answering in ``LATENCY`` seconds (so the kill lands in
start-up, intake or push; push is most of a real run), then restarted until complete.
The delays come from one seeded generator (``SF_SOCIAL_KILL_SEED``): a failure names the
seed and the delays of its run, so it can be replayed. Every ``MID_PUSH_EVERY``-th run is
killed on an event instead, its first kill as soon as some Tasks but not all are in the
org: where random delays land depends on the machine's load, and the kills mid-push are
the ones that test the outbox's leases and the ledger.
"""

from __future__ import annotations

import os
import random
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.reliability.conftest import Clean
from tests.reliability.harness import rig
from tests.reliability.orgs import assert_invariant

pytestmark = pytest.mark.slow

SEED = int(os.environ.get("SF_SOCIAL_KILL_SEED", "5150"))
RUNS = 22
KILLED = 20
"""At least this many runs must really be killed (a run may finish before its delay)."""
ARGS = ["--batch-size", "40", "--push-batch", "20"]  # the default lease: no waiting on it
LATENCY = 0.05
MID_PUSH_EVERY = 4


@dataclass
class KillRun:
    number: int
    delays: list[float]
    kills: int = 0
    mid_push: int = 0
    """Kills that landed after some records were written, before the last."""
    problems: list[str] = field(default_factory=list)


def one_run(number: int, delays: list[float], clean: Clean, folder: Path) -> KillRun:
    run = KillRun(number, delays)
    db = f"sqlite:///{folder / f'kill{number}.db'}"
    tasks = len(clean.feed.expected.tasks)
    with rig(clean.feed, clean.path, db, latency=LATENCY) as r:

        def pushing() -> bool:
            return 0 < r.org.count("Task") < tasks

        for attempt, delay in enumerate(delays):
            if number % MID_PUSH_EVERY == 0 and attempt == 0:
                result = r.run(ARGS, kill_when=pushing)
            else:
                result = r.run(ARGS, kill_after=delay)
            if not result.killed:
                break  # it finished (or failed) before the kill
            run.kills += 1
            if r.log.saves and r.org.count("Task") < tasks:
                run.mid_push += 1
        final = r.complete(ARGS, runs=2)
        when = "mid-push, then " if number % MID_PUSH_EVERY == 0 else ""
        context = f"kill seed {SEED}, run {number}, SIGKILL {when}after {delays} s"
        if final.final.get("dead_letters"):
            run.problems.append(f"{context}: dead letters {final.final['dead_letters']}")
        try:
            assert_invariant(r.org, clean.snapshot, clean.feed, log=r.log, context=context)
        except AssertionError as exc:
            run.problems.append(str(exc))
    return run


def test_twenty_random_kills_then_restarts_end_in_the_clean_org(
    small_clean: Clean, tmp_path: Path
) -> None:
    rng = random.Random(SEED)
    with rig(
        small_clean.feed, small_clean.path, f"sqlite:///{tmp_path / 'timing.db'}", latency=LATENCY
    ) as r:
        whole = r.complete(ARGS, runs=1).seconds
    plans = [
        [round(rng.uniform(0.15, 0.9) * whole, 2) for _ in range(rng.choice((1, 1, 2)))]
        for _ in range(RUNS)
    ]
    with ThreadPoolExecutor(max_workers=3) as pool:
        runs = list(
            pool.map(
                lambda n: one_run(n, plans[n], small_clean, tmp_path), range(RUNS), timeout=400
            )
        )
    problems = [p for run in runs for p in run.problems]
    assert not problems, "\n\n".join(problems)
    killed = sum(1 for run in runs if run.kills)
    assert killed >= KILLED, f"only {killed} runs were killed before finishing (seed {SEED})"
    mid_push = sum(run.mid_push for run in runs)
    assert mid_push >= 5, f"only {mid_push} kills landed while pushing (seed {SEED})"

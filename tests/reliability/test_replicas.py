"""Two sync processes at once on one PostgreSQL database, over the same feed file.

Each has its own ``JsonlSource`` on the file under the same source name. With the source
lock (as daemon replicas poll), one reads while the other pushes what is committed; without
it both read every line and only the ledger keeps a post from being planned twice (the
store promises that: ``ON CONFLICT DO NOTHING ... RETURNING``). Either way: the clean run's
org, every post planned and written once, no record created twice, and neither replica
fails (no deadlock, no unique violation between them).

Without the source lock, one exception: the response-time fields a post's plan takes from
its thread's state at intake (the due time, and the minutes and lateness of our first
reply) depend on which replica planned which post first — a reply planned while the other
replica still plans its thread's opening post sees no thread yet. The daemon always takes
the lock; ``sync_pass(lock_sources=False)`` is the library's way to get this mode.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from sf_social.state import open_store
from tests.reliability.conftest import Clean
from tests.reliability.harness import Result, rig
from tests.reliability.orgs import assert_invariant
from tests.state.conftest import drop_schema, require_postgres
from tests.waiting import until

pytestmark = pytest.mark.slow

ORDER_DEPENDENT = frozenset(
    {"Social_Response_Due__c", "Social_Response_Minutes__c", "Social_Response_Overdue__c"}
)
"""Fields that, without the source lock, depend on the order of the two intakes."""


@pytest.fixture
def pg_schema() -> Iterator[tuple[str, str]]:
    """A reachable PostgreSQL URL (else skip, saying why) and a fresh schema, dropped after."""
    url = require_postgres()
    schema = f"sfs_rel_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    yield url, schema
    drop_schema(url, schema)


def total(results: list[Result], name: str) -> int:
    return sum(int(res.final.get(name, 0)) for res in results)


@pytest.mark.parametrize("source_lock", [True, False], ids=["source-lock", "ledger-only"])
def test_two_replicas_on_postgres_handle_each_post_once(
    source_lock: bool, clean: Clean, pg_schema: tuple[str, str], tmp_path: Path
) -> None:
    url, schema = pg_schema
    e = clean.feed.expected
    args = ["--batch-size", "20", "--push-batch", "50", "--lease", "4"]
    if not source_lock:
        args.append("--no-source-lock")
    with rig(clean.feed, clean.path, url, schema=schema) as r:
        gate, ready = tmp_path / "gate", [tmp_path / f"ready-{n}" for n in range(2)]
        gated = [*args, "--gate", str(gate)]
        processes = [r.start([*gated, "--ready", str(path)]) for path in ready]
        results: list[Result] = []
        try:
            until(lambda: all(path.exists() for path in ready), 60, "both replicas set up")
            gate.touch()
            for process in processes:
                stdout, stderr = process.communicate(timeout=90)
                results.append(Result(process.returncode, stdout, stderr, 0.0))
        finally:
            for process in processes:
                if process.poll() is None:
                    process.kill()
                    process.communicate(timeout=10)
        context = "\n\n".join(res.describe() for res in results)
        assert all(res.returncode == 0 and res.final.get("done") for res in results), context
        assert total(results, "written") == len(e.tasks), context
        # Both took part: with the source lock one polls the feed while either may push
        # (a replica that started pushing can claim every row the other commits).
        took_part = [res.final.get("written") or res.final.get("queued") for res in results]
        assert all(took_part), f"both took part: {context}"
        assert total(results, "queued") == len(e.tasks), f"each post planned once: {context}"
        assert_invariant(
            r.org,
            clean.snapshot,
            clean.feed,
            log=r.log,
            exact_writes=True,
            context=context,
            ignore=frozenset() if source_lock else ORDER_DEPENDENT,
        )
    store = open_store(url, schema=schema)
    try:
        status = store.status()
    finally:
        store.close()
    assert status.outbox_depth == 0 and status.dead_letters_by_code == {}
    assert status.ledger_by_status == {"written": len(e.tasks), "skipped": e.posts - len(e.tasks)}

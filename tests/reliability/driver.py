"""A sync process for the reliability tests: ``python -m tests.reliability.driver FEED``.

Wires what ``sf-social import`` wires — the state store named by ``SF_SOCIAL_DB``
(a SQLite file or PostgreSQL, ``--schema`` for a fresh PostgreSQL schema), a
``JsonlSource`` over FEED, the Salesforce writer against ``SF_INSTANCE_URL`` with
``SF_ACCESS_TOKEN`` (trusting ``REQUESTS_CA_BUNDLE``), the default playbook — and runs
``sync_pass`` until nothing is pending: the source read to its end and the outbox empty
(dead letters, and the rows they hold back, do not count). ``--once`` runs one pass.
Like a daemon replica it polls the source only while it holds the source's lock
(``try_lock_source``; ``--no-source-lock`` leaves deduplication to the ledger alone).

Timings are small so that a test never waits long: writer retries in milliseconds, outbox
backoff from ``--backoff-ms``, the budget re-read every ``--recheck`` seconds.

``--ready FILE`` / ``--gate FILE``: create FILE once set up, then wait for the gate file
(a test starts replicas together, whatever each one's start-up took).

One JSON line per pass on stdout, then a last line ``{"done": ...}``. Exit status: 0 when
nothing is pending, 3 when ``--deadline`` seconds passed first, 137 at a crash point
(``SF_SOCIAL_CRASH_AT``).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import random
import sys
import time
from datetime import timedelta
from pathlib import Path

from sf_social.config import load_config
from sf_social.pipeline import Pipeline
from sf_social.playbook import load_playbook
from sf_social.salesforce import (
    BudgetPolicy,
    BulkPolicy,
    RetryPolicy,
    SalesforceWriter,
    WriterConfig,
)
from sf_social.sources.jsonl import JsonlSource
from sf_social.state import StateStore, open_store
from sf_social.sync import PushPolicy, SyncEngine
from sf_social.sync.leases import default_worker_id
from sf_social.sync.passes import sync_pass

SOURCE = "feed"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="driver", description=__doc__)
    parser.add_argument("feed", type=Path)
    parser.add_argument("--once", action="store_true", help="one pass, then exit")
    parser.add_argument("--schema", help="PostgreSQL schema (fresh per test)")
    parser.add_argument("--source-name", default=SOURCE)
    parser.add_argument("--batch-size", type=int, default=100, help="feed lines per batch")
    parser.add_argument("--push-batch", type=int, default=200, help="outbox rows per claim")
    parser.add_argument("--backoff-ms", type=float, default=20.0)
    parser.add_argument("--recheck", type=float, default=0.2, help="budget re-read, seconds")
    parser.add_argument("--lease", type=float, default=30.0, help="outbox lease, seconds")
    parser.add_argument("--deadline", type=float, default=120.0, help="give up after, seconds")
    parser.add_argument("--worker-id")
    parser.add_argument("--no-source-lock", action="store_true")
    parser.add_argument("--seed", type=int, default=0, help="jitter of writer retries")
    parser.add_argument("--attempts", type=int, default=6, help="writer tries per call")
    parser.add_argument("--ready", type=Path, help="file created once set up (then --gate)")
    parser.add_argument("--gate", type=Path, help="wait for this file before the first pass")
    return parser.parse_args(argv)


def engine_for(args: argparse.Namespace) -> tuple[SyncEngine, StateStore, JsonlSource]:
    settings = load_config()
    playbook = load_playbook(settings.playbook)
    store = open_store(settings.db_url, schema=args.schema)
    retry = RetryPolicy(
        attempts=args.attempts,
        initial=0.01,
        maximum=0.1,
        jitter=0.01,
        concurrency_initial=0.02,
        rng=random.Random(args.seed),
    )
    writer = SalesforceWriter.connect(
        settings.salesforce,
        WriterConfig.from_playbook(playbook, retry=retry),
        budget=BudgetPolicy(recheck_seconds=args.recheck),
        bulk=BulkPolicy(poll_initial=0.01, poll_max=0.05, timeout=60.0),
    )
    source = JsonlSource(args.feed, batch_size=args.batch_size, name=args.source_name)
    backoff = timedelta(milliseconds=args.backoff_ms)
    policy = PushPolicy(
        batch_size=args.push_batch,
        lease=timedelta(seconds=args.lease),
        max_attempts=1000,  # never give a transient failure up: the test waits instead
        backoff_base=backoff,
        backoff_max=backoff * 10,
    )
    engine = SyncEngine(
        store,
        Pipeline(playbook),
        writer,
        writer.api,
        [source],
        policy,
        worker_id=args.worker_id or default_worker_id(),  # host:pid, as a real process
    )
    return engine, store, source


def read_to_end(store: StateStore, source: JsonlSource) -> bool:
    """Whether the source's stored cursor is at the end of its file."""
    state = store.source(source.name)
    cursor = state.cursor if state else None
    offset = cursor.get("offset") if cursor else None
    return isinstance(offset, int) and offset >= source.path.stat().st_size


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(
        level=os.environ.get("DRIVER_LOG", "WARNING"),
        stream=sys.stderr,
        format="%(asctime)s %(process)d %(levelname)s %(name)s: %(message)s",
    )
    engine, store, source = engine_for(args)
    deadline = time.monotonic() + args.deadline
    if args.ready is not None:
        args.ready.touch()
    while args.gate is not None and not args.gate.exists():  # replicas start together
        if time.monotonic() > deadline:
            return 3
        time.sleep(0.01)
    passes = 0
    totals = {"pulled": 0, "rejected": 0, "new": 0, "queued": 0, "written": 0, "dead": 0}
    try:
        while True:
            report = sync_pass(engine, [source], lock_sources=not args.no_source_lock)
            passes += 1
            intake = report.intake.get(source.name)
            if intake is not None:
                totals["pulled"] += intake.pulled
                totals["rejected"] += intake.rejected
                totals["new"] += intake.new
                totals["queued"] += intake.queued
            totals["written"] += report.push.written
            totals["dead"] += report.push.dead
            status = store.status()
            line = {
                "pass": passes,
                "summary": report.summary(),
                "outbox": status.outbox_depth,
                "held": status.outbox_held,
                "polled": bool(engine.sources),
            }
            print(json.dumps(line), flush=True)
            done = status.outbox_pending == 0 and read_to_end(store, source)
            if args.once or done:
                break
            if time.monotonic() > deadline:
                print(json.dumps({"done": False, "passes": passes, **totals}), flush=True)
                return 3
            time.sleep(0.02 if status.outbox_due or not status.outbox_depth else 0.05)
        final = store.status()
        print(
            json.dumps(
                {
                    "done": done,
                    "passes": passes,
                    **totals,
                    "dead_letters": final.dead_letters_by_code,
                    "held": final.outbox_held,
                    "ledger": final.ledger_by_status,
                }
            ),
            flush=True,
        )
        return 0 if done or args.once else 3
    finally:
        store.close()


if __name__ == "__main__":
    sys.exit(main())

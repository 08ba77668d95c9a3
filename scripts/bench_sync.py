"""Benchmark the sync end to end: ``sf-social import`` against the local org over HTTPS.

Usage: scripts/bench-sync [--posts N] [--latency S] [--naive-cap N] [--push-batch N]
                          [--million N] [--compare N] [--skip-million]

1. **End to end**: a generated feed of ``--posts`` posts (threads with replies, our replies,
   leads, praise, noise, posts by known Contacts; ``tests/reliability/feed.py``) imported by
   a real ``python -m sf_social import FILE`` child process — SQLite state, the default
   playbook — against a fresh local org (``sf_social.testing``) served over HTTPS on
   127.0.0.1 with ``--latency`` seconds added to every answer. Wall time, API calls (counted
   by the org), posts/s, and the child's peak memory (max RSS from ``wait4``). The org is
   then checked: one Task per actionable post, one Case per thread, one Lead per prospect.
2. **Naive**, in the same run on its own fresh org with the same latency: per record, one
   lookup query (does the key exist?) and one create or update (simple-salesforce), posts
   planned by the same pipeline. It is slow by design, so only the first ``--naive-cap``
   posts are sent and the time is extrapolated linearly — the output says so.
3. **A million**: ``--million`` posts (the same feed, repeated with fresh ids and authors)
   streamed to a file and imported by a real ``sf-social import`` child process against
   the local org with no added latency (SQLite state): wall time, API calls, posts/s, the
   child's peak RSS — beside the same import of ``--compare`` posts, so that memory growing
   with the feed would show.

Nothing is written into benchmarks/README.md; copy the numbers from the output.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sf_social.feed import parse_line  # noqa: E402
from sf_social.pipeline import Pipeline  # noqa: E402
from sf_social.plan import WriteMode  # noqa: E402
from sf_social.playbook import load_playbook  # noqa: E402
from sf_social.posts import SocialPost  # noqa: E402
from sf_social.testing import LocalOrg, LocalOrgServer  # noqa: E402
from tests.reliability.feed import GeneratedFeed, make_feed  # noqa: E402


@dataclass
class ChildRun:
    """A child process: how long, how much memory at most, what it printed."""

    seconds: float
    cpu_seconds: float
    max_rss_mb: float
    returncode: int
    stdout: str
    stderr: str


def _high_water_mb(pid: int) -> float:
    """``VmHWM`` of a running process: the peak RSS of its current program (0 if gone)."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def run_child(command: list[str], env: dict[str, str], timeout: float) -> ChildRun:
    """Run ``command``; its own peak RSS.

    Not ``ru_maxrss`` from ``wait4``: that counts the forked copy of this process before
    ``exec``, and this process holds the whole emulated org (hundreds of MB after a big
    run). ``VmHWM`` belongs to the child's own program; it is read while the child runs
    (it only grows), the last reading being the peak up to a few ms before exit.
    """
    started = time.monotonic()
    peak = 0.0
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=err)
        deadline = started + timeout
        while True:
            peak = max(peak, _high_water_mb(process.pid))
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                process.kill()
                pid, status, usage = os.wait4(process.pid, 0)
                break
            time.sleep(0.05)
        seconds = time.monotonic() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return ChildRun(
            seconds,
            usage.ru_utime + usage.ru_stime,
            peak,
            process.returncode,
            out.read().decode("utf-8", "replace"),
            err.read().decode("utf-8", "replace"),
        )


def new_org(feed: GeneratedFeed, latency: float) -> LocalOrg:
    org = LocalOrg(seed=1, daily_limit=10_000_000)
    playbook = load_playbook()
    for queue in sorted({*playbook.routing.teams.values(), playbook.routing.review_queue}):
        org.add_queue(queue)
    for contact in feed.contacts:
        org.insert("Contact", dict(contact))
    org.faults.latency = latency
    return org


def child_env(server: LocalOrgServer, db: Path, push_batch: int | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SF_", "REQUESTS_CA"))}
    env.update(server.env())
    env["SF_SOCIAL_DB"] = f"sqlite:///{db}"
    if push_batch:
        env["SF_SOCIAL_PUSH_BATCH_SIZE"] = str(push_batch)
    return env


# -- 1. end to end ------------------------------------------------------------------------


def end_to_end(
    feed: GeneratedFeed, path: Path, folder: Path, latency: float, push_batch: int | None
) -> tuple[ChildRun, int, dict[str, int], float]:
    """The import's run, API calls, records in the org, and the org's own CPU seconds."""
    org = new_org(feed, latency)
    with org.serve() as server:
        env = child_env(server, folder / f"e2e-{push_batch or 'default'}.db", push_batch)
        calls = org.api_calls
        before = _own_cpu()
        run = run_child([sys.executable, "-m", "sf_social", "import", str(path)], env, 900)
        org_cpu = _own_cpu() - before
        used = org.api_calls - calls
    counts = {s: org.count(s) for s in ("Case", "Lead", "Task", "Contact")}
    return run, used, counts, org_cpu


def _own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


# -- 2. naive -----------------------------------------------------------------------------


def naive(feed: GeneratedFeed, latency: float, cap: int) -> tuple[int, float, int, int]:
    """Posts sent, seconds, API calls, records written: one query + one save per record."""
    import requests
    from simple_salesforce.api import Salesforce

    pipeline = Pipeline(load_playbook())
    org = new_org(feed, latency)
    posts = []
    for number, line in enumerate(feed.lines, 1):
        item = parse_line(line, "feed", number)
        if isinstance(item, SocialPost):
            posts.append(item)
        if len(posts) == cap:
            break
    with org.serve() as server:
        os.environ["REQUESTS_CA_BUNDLE"] = str(server.ca_file)  # requests prefers it
        session = requests.Session()
        session.verify = str(server.ca_file)
        sf = Salesforce(
            instance_url=server.url,
            session_id=org.access_token,
            version="62.0",
            session=session,
        )
        queues = {
            r["DeveloperName"]: r["Id"]
            for r in sf.query("SELECT Id, DeveloperName FROM Group WHERE Type = 'Queue'")["records"]
        }
        calls = org.api_calls
        started = time.monotonic()
        records = 0
        for post in posts:
            plan = pipeline.plan(post)
            for write in plan.writes:
                record = write.record
                if record.key_field == "Id":
                    continue
                key = record.key.replace("\\", "\\\\").replace("'", "\\'")
                found = sf.query(
                    f"SELECT Id FROM {record.sobject} WHERE {record.key_field} = '{key}'"
                )["records"]
                fields = {k: v for k, v in record.api_fields().items() if not isinstance(v, dict)}
                api = getattr(sf, record.sobject)
                if found:
                    api.update(found[0]["Id"], fields)
                elif write.mode is WriteMode.UPSERT:
                    if write.owner_queue in queues:
                        fields["OwnerId"] = queues[write.owner_queue]
                    api.create(fields)
                records += 1
        seconds = time.monotonic() - started
        return len(posts), seconds, org.api_calls - calls, records


# -- 3. a million -------------------------------------------------------------------------

_ID = re.compile(rb"19000000000000(\d{5})")
_OTHER = re.compile(rb"(urn:li:comment:|fb_)(\d+)")
_PEOPLE = re.compile(rb"\b(cu|ld|cust_|prospect_)(\d+)\b")


def million_lines(template: list[bytes], total: int) -> Iterator[bytes]:
    """``total`` lines: the template again and again with fresh post ids and authors."""
    produced = 0
    round_ = 0
    while True:
        offset = round_ * 100_000
        for line in template:
            if produced == total:
                return
            produced += 1
            yield _shift(line, offset, round_)
        round_ += 1


def _shift(line: bytes, offset: int, round_: int) -> bytes:
    line = _ID.sub(lambda m: b"19000000000%08d" % (int(m[1]) + offset), line)
    line = _OTHER.sub(lambda m: m[1] + b"%d" % (int(m[2]) + offset), line)
    return _PEOPLE.sub(lambda m: m[1] + m[2] + b"r%d" % round_, line)


def write_million(template: list[bytes], total: int, path: Path) -> float:
    with path.open("wb") as out:
        for line in million_lines(template, total):
            out.write(line + b"\n")
    return path.stat().st_size / 1e6


def big_import(feed: GeneratedFeed, path: Path, db: Path) -> tuple[ChildRun, int, int]:
    """A whole ``sf-social import`` of ``path``: the run, API calls, Tasks in the org."""
    org = new_org(feed, 0.0)
    with org.serve() as server:
        calls = org.api_calls
        run = run_child(
            [sys.executable, "-m", "sf_social", "import", str(path)],
            child_env(server, db, None),
            4 * 3600,
        )
        return run, org.api_calls - calls, org.count("Task")


# -- report -------------------------------------------------------------------------------


def last_line(text: str, prefix: str) -> str:
    lines = [line for line in text.splitlines() if line.startswith(prefix)]
    return lines[-1] if lines else "(no summary line)"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=10_000)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--naive-cap", type=int, default=150)
    parser.add_argument("--push-batch", type=int, action="append", default=[])
    parser.add_argument("--million", type=int, default=1_000_000)
    parser.add_argument("--compare", type=int, default=100_000)
    parser.add_argument("--skip-million", action="store_true")
    args = parser.parse_args(argv)

    print(f"sf_social sync benchmark, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    print(
        f"machine: {platform.node()}, {os.cpu_count()} CPUs, {platform.machine()}, "
        f"Python {platform.python_version()}, {platform.system()} {platform.release()}; "
        f"load average {os.getloadavg()[0]:.1f} at the start"
    )
    print("targets: 10,000 posts in < 30 s with < 150 API calls; the million in < 300 MB")
    feed = make_feed(seed=2026, posts=args.posts, bad_every=0)
    e = feed.expected
    print(
        f"feed: {e.posts:,} posts → {len(e.tasks):,} Tasks, {len(e.cases):,} Cases, "
        f"{len(e.leads):,} Leads (the rest is noise); {len(feed.contacts)} Contacts seeded"
    )
    with tempfile.TemporaryDirectory(prefix="bench-sync-") as tmp:
        folder = Path(tmp)
        path = feed.write(folder / "feed.jsonl")

        print(f"\n1. sf-social import, {args.latency * 1000:.0f} ms per call, HTTPS on loopback")
        for batch in [None, *args.push_batch]:
            run, calls, counts, org_cpu = end_to_end(feed, path, folder, args.latency, batch)
            label = f"push batch {batch}" if batch else "default config"
            ok = (
                run.returncode == 0
                and counts["Task"] == len(e.tasks)
                and counts["Case"] == len(e.cases)
                and counts["Lead"] == len(e.leads)
            )
            met = run.seconds < 30 and calls < 150
            print(
                f"   {label} ({'meets' if met else 'MISSES'} the targets): "
                f"{run.seconds:.1f} s wall, {calls:,} API calls, "
                f"{e.posts / run.seconds:,.0f} posts/s, peak RSS {run.max_rss_mb:.0f} MB, "
                f"exit {run.returncode}, org {counts} {'OK' if ok else 'WRONG'}"
            )
            print(
                f"   | CPU: sf-social import {run.cpu_seconds:.1f} s, the local org (this "
                f"process) {org_cpu:.1f} s; added latency {calls * args.latency:.1f} s"
            )
            print(f"   | {last_line(run.stdout + run.stderr, 'imported')}")
            if not ok:
                print(run.stderr[-3000:])

        print("\n2. naive: one lookup query + one create/update per record")
        sent, seconds, calls, records = naive(feed, args.latency, args.naive_cap)
        factor = e.posts / sent
        print(
            f"   measured on the first {sent:,} posts: {seconds:.1f} s, {calls:,} API calls, "
            f"{records:,} records"
        )
        print(
            f"   EXTRAPOLATED linearly to {e.posts:,} posts: ~{seconds * factor:,.0f} s, "
            f"~{calls * factor:,.0f} API calls, ~{sent / seconds:,.1f} posts/s"
        )

        if args.skip_million:
            return 0
        print(
            f"\n3. sf-social import of {args.compare:,} and {args.million:,} posts, "
            "no added latency"
        )
        for total in (args.compare, args.million):
            big = folder / f"big-{total}.jsonl"
            size = write_million(feed.lines, total, big)
            run, used, tasks = big_import(feed, big, folder / f"big-{total}.db")
            print(
                f"   {total:,} posts ({size:,.0f} MB): {run.seconds:,.0f} s wall, "
                f"{used:,} API calls, {total / run.seconds:,.0f} posts/s, peak RSS "
                f"{run.max_rss_mb:.0f} MB ({'under' if run.max_rss_mb < 300 else 'OVER'} "
                f"300 MB), exit {run.returncode}; org Tasks {tasks:,}"
            )
            print(f"   | {last_line(run.stdout + run.stderr, 'imported')}")
            if run.returncode != 0:
                print(run.stderr[-3000:])
            big.unlink()
    return 0


if __name__ == "__main__":
    sys.exit(main())

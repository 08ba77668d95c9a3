"""Benchmark throughput and API economy: ``sf-social import`` against the local org.

Usage: scripts/bench-economy [--posts N] [--threads-posts N] [--flood N] [--naive-cap N]
                             [--repeat N] [--against TREE] [--throughput-only]

Every run is a real ``python -m sf_social import FILE`` child process (SQLite state, the
default playbook) against a fresh local org (``sf_social.testing``) over HTTPS on
127.0.0.1 with no added latency; API calls are counted by the org.

1. **Throughput**: the sync benchmark's feed (``tests/reliability/feed.py``, ``--posts``)
   imported ``--repeat`` times: posts/s end to end, the median. With ``--against TREE``
   (another checkout, e.g. ``git archive COMMIT | tar -x -C /tmp/before``), the runs
   alternate between that tree and this one, each with its own code and its own local
   org, in a child process of its own: the best of ``--repeat`` of each, and the ratio.
2. **Support threads**: ``--threads-posts`` posts in customer-support threads as they run
   on X — a customer's complaint or question, our reply, their follow-ups, our answers
   (lengths 1 to 20, most short) — from returning customers. API calls per 1,000 posts,
   beside the floor of one call per 200 records. The naive approach on the same posts in
   the same run: per record one lookup query and one create or update (simple-salesforce),
   capped at ``--naive-cap`` posts and extrapolated linearly (the output says so).
3. **Flood**: ``--flood`` posts as replies in ONE thread, then the same posts in threads
   of four (each opened by the customer's post): API calls of each.

Nothing is written into benchmarks/README.md; copy the numbers from the output.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from bench_sync import child_env, naive, new_org, run_child  # noqa: E402

from tests.reliability.feed import BRAND, START, Expected, GeneratedFeed, make_feed  # noqa: E402

OPENERS = [
    "@NorthwindHelp my card was declined at the store again, third time this week ({n})",
    "@NorthwindHelp the app logs me out every time I open transfers. fix it please ({n})",
    "@NorthwindHelp how do I change the address on my account? ({n})",
    "@NorthwindHelp been on hold 45 minutes, is anyone there?? ({n})",
    "@NorthwindHelp why is my deposit still pending after 3 days? ({n})",
    "@NorthwindHelp can't reset my password, the code never arrives ({n})",
    "@NorthwindHelp is online banking down? getting error 500 ({n})",
    "@NorthwindHelp I was charged twice for the same payment ({n})",
]
FOLLOW_UPS = [
    "@NorthwindHelp sent you a DM ({n})",
    "@NorthwindHelp still not working, tried again just now ({n})",
    "@NorthwindHelp ok thanks, it works now ({n})",
    "@NorthwindHelp no reply to my DM yet ({n})",
    "@NorthwindHelp it's the iPhone app, latest version ({n})",
]
ANSWERS = [
    "@{handle} Sorry about that! Please send us a DM with your account email and we'll check."
    " ({n})",
    "@{handle} Thanks for your patience, we've escalated this to our team. ({n})",
    "@{handle} Could you try reinstalling the app and let us know? ({n})",
]
LENGTHS = [(1, 0.30), (2, 0.28), (3, 0.16), (4, 0.10), (5, 0.06), (8, 0.05), (12, 0.03), (20, 0.02)]
"""Posts per thread, and how often: most threads are a tweet and our answer."""


class Tweets:
    """Tweets with fresh ids and times, by customers or by our support account."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.count = 0
        self.now = START

    def make(self, text: str, author: dict[str, Any], **more: Any) -> dict[str, Any]:
        self.count += 1
        self.now += timedelta(seconds=self.rng.randint(5, 60))
        post_id = str(1_950_000_000_000_000_000 + self.count)
        return {
            "network": "twitter",
            "id": post_id,
            "text": text.format(n=self.count, handle=author["handle"]),
            "created_at": self.now.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "author": author,
            "kind": "mention",
            "conversation_id": post_id,
            "url": f"https://x.com/{author['handle']}/status/{post_id}",
            "lang": "en",
            **more,
        }

    def customer(self, number: int) -> dict[str, Any]:
        return {
            "id": f"sc{number}",
            "handle": f"support_customer_{number}",
            "name": f"Customer {number}",
            "followers": 50 + number % 900,
        }

    def thread(self, length: int, author: dict[str, Any]) -> list[dict[str, Any]]:
        """A thread of ``length`` posts: the customer opens, we and they take turns."""
        root = self.make(self.rng.choice(OPENERS), author)
        posts = [root]
        for turn in range(1, length):
            ours = turn % 2 == 1
            text = self.rng.choice(ANSWERS if ours else FOLLOW_UPS)
            more: dict[str, Any] = {
                "kind": "reply",
                "conversation_id": root["id"],
                "in_reply_to_id": posts[-1]["id"],
            }
            if ours:
                more["direction"] = "outbound"
                text = text.replace("{handle}", author["handle"])
            posts.append(self.make(text, dict(BRAND) if ours else author, **more))
        return posts


def support_threads(posts: int, seed: int = 14) -> list[dict[str, Any]]:
    """About ``posts`` posts in support threads, interleaved as they arrive."""
    tweets = Tweets(seed)
    rng = tweets.rng
    customers = max(50, posts // 5)  # returning customers open several threads
    threads: list[list[dict[str, Any]]] = []
    total = 0
    while total < posts:
        length = rng.choices([n for n, _ in LENGTHS], [w for _, w in LENGTHS])[0]
        length = min(length, posts - total)
        threads.append(tweets.thread(length, tweets.customer(rng.randrange(customers))))
        total += length
    pending = [list(t) for t in threads]
    ordered: list[dict[str, Any]] = []
    window: list[list[dict[str, Any]]] = []
    while pending or window:
        while pending and len(window) < 40:  # about 40 conversations open at any time
            window.append(pending.pop(0))
        current = window[rng.randrange(len(window))]
        ordered.append(current.pop(0))
        if not current:
            window.remove(current)
    return ordered


def flood(posts: int, seed: int = 15) -> list[dict[str, Any]]:
    """``posts`` posts in one thread: one customer and our support account taking turns."""
    return Tweets(seed).thread(posts, Tweets(seed).customer(1))


def spread(thread: list[dict[str, Any]], size: int = 4) -> list[dict[str, Any]]:
    """The same posts in threads of ``size``: each opened by the customer's post."""
    posts = []
    for at in range(0, len(thread), size):
        root = thread[at]
        for n, post in enumerate(thread[at : at + size]):
            post = {**post, "conversation_id": root["id"]}
            if n == 0:
                post.pop("in_reply_to_id", None)
                post["kind"] = "mention"
            posts.append(post)
    return posts


def as_feed(posts: list[dict[str, Any]]) -> GeneratedFeed:
    lines = [json.dumps(post, ensure_ascii=False).encode() for post in posts]
    return GeneratedFeed(lines=lines, expected=Expected(posts=len(posts)), contacts=[])


def import_run(feed: GeneratedFeed, folder: Path, name: str) -> tuple[float, int, int, int]:
    """Seconds, API calls, records in the org, exit code of one ``sf-social import``."""
    path = feed.write(folder / f"{name}.jsonl")
    org = new_org(feed, 0.0)
    with org.serve() as server:
        env = child_env(server, folder / f"{name}.db", None)
        calls = org.api_calls
        run = run_child([sys.executable, "-m", "sf_social", "import", str(path)], env, 900)
        used = org.api_calls - calls
    if run.returncode != 0:
        print(run.stderr[-2000:])
    records = sum(org.count(s) for s in ("Case", "Lead", "Task"))
    return run.seconds, used, records, run.returncode


TREE_RUN = """
import json, sys
tree, posts, folder = sys.argv[1], int(sys.argv[2]), sys.argv[3]
sys.path[:0] = [tree, tree + "/scripts"]
from pathlib import Path
from bench_sync import _own_cpu, child_env, new_org, run_child
from tests.reliability.feed import make_feed
feed = make_feed(seed=2026, posts=posts, bad_every=0)
path = feed.write(Path(folder) / "feed.jsonl")
org = new_org(feed, 0.0)
with org.serve() as server:
    env = child_env(server, Path(folder) / "state.db", None)
    calls, cpu = org.api_calls, _own_cpu()
    run = run_child([sys.executable, "-m", "sf_social", "import", str(path)], env, 900)
    org_cpu, calls = _own_cpu() - cpu, org.api_calls - calls
records = sum(org.count(s) for s in ("Case", "Lead", "Task"))
print(json.dumps({"seconds": run.seconds, "cpu": run.cpu_seconds, "org_cpu": org_cpu,
                  "rss": run.max_rss_mb, "calls": calls, "records": records,
                  "exit": run.returncode}))
"""
"""One import of ``posts`` posts with ``tree``'s code and ``tree``'s local org (argv:
tree, posts, folder): what it took, as one line of JSON."""


def tree_run(tree: Path, posts: int, folder: Path) -> dict[str, Any]:
    """``TREE_RUN`` in a child process (so that each tree's modules are its own)."""
    folder.mkdir()
    done = subprocess.run(
        [sys.executable, "-c", TREE_RUN, str(tree), str(posts), str(folder)],
        cwd=tree,
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def against(tree: Path, posts: int, repeat: int, folder: Path) -> None:
    """Imports alternating between ``tree`` and this one; the best of each, the ratio."""
    trees = {"before": tree.resolve(), "after": ROOT}
    best: dict[str, dict[str, Any]] = {}
    for n in range(repeat):
        for name, root in trees.items():
            run = tree_run(root, posts, folder / f"{name}{n}")
            print(
                f"   {name} run {n + 1}: {run['seconds']:.2f} s, "
                f"{posts / run['seconds']:,.0f} posts/s, import CPU {run['cpu']:.1f} s, "
                f"local org CPU {run['org_cpu']:.1f} s, peak RSS {run['rss']:.0f} MB, "
                f"{run['calls']} API calls, "
                f"{run['records']:,} records, exit {run['exit']}; "
                f"load average {os.getloadavg()[0]:.1f}"
            )
            if run["exit"] == 0 and (name not in best or run["seconds"] < best[name]["seconds"]):
                best[name] = run
    if len(best) == 2:
        before, after = (posts / best[n]["seconds"] for n in ("before", "after"))
        print(
            f"   best of {repeat}: before ({tree}) {before:,.0f} posts/s, after {after:,.0f}"
            f" posts/s: {after / before:.2f}x (target 2,000)"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=10_000)
    parser.add_argument("--threads-posts", type=int, default=5_000)
    parser.add_argument("--flood", type=int, default=5_000)
    parser.add_argument("--naive-cap", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--against", type=Path, help="another checkout to compare with")
    parser.add_argument("--throughput-only", action="store_true")
    args = parser.parse_args(argv)

    print(f"sf_social throughput and API economy, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    print(
        f"machine: {platform.node()}, {os.cpu_count()} CPUs, {platform.machine()}, "
        f"Python {platform.python_version()}; load average {os.getloadavg()[0]:.1f} at start"
    )
    with tempfile.TemporaryDirectory(prefix="bench-economy-") as tmp:
        folder = Path(tmp)
        print(f"\n1. sf-social import of {args.posts:,} posts (the sync benchmark's feed)")
        feed = make_feed(seed=2026, posts=args.posts, bad_every=0)
        if args.against is not None:
            against(args.against, args.posts, args.repeat, folder)
        rates = []
        for n in range(0 if args.against else args.repeat):
            seconds, calls, records, code = import_run(feed, folder, f"feed{n}")
            if code == 0:
                rates.append(args.posts / seconds)
            print(
                f"   run {n + 1}: {seconds:.2f} s, {args.posts / seconds:,.0f} posts/s, "
                f"{calls} API calls, {records:,} records, exit {code}"
            )
        if rates:
            print(
                f"   median of the clean runs: {statistics.median(rates):,.0f} posts/s"
                " (target 2,000)"
            )
        if args.throughput_only:
            return 0

        print(f"\n2. support threads, {args.threads_posts:,} posts")
        mix = as_feed(support_threads(args.threads_posts))
        seconds, calls, records, code = import_run(mix, folder, "threads")
        per_k = calls * 1000 / args.threads_posts
        floor = records / 200 * 1000 / args.threads_posts
        print(
            f"   sf_social: {calls} API calls for {records:,} records in {seconds:.2f} s: "
            f"{per_k:.1f} calls per 1,000 posts (target 8; one call per 200 records would be "
            f"{floor:.1f}), exit {code}"
        )
        sent, naive_seconds, naive_calls, naive_records = naive(mix, 0.0, args.naive_cap)
        factor = args.threads_posts / sent
        print(
            f"   naive, measured on the first {sent:,} posts: {naive_calls:,} calls, "
            f"{naive_records:,} records, {naive_seconds:.2f} s"
        )
        print(
            f"   naive, EXTRAPOLATED linearly to {args.threads_posts:,} posts: "
            f"~{naive_calls * factor:,.0f} calls ({naive_calls * factor / calls:,.0f}x ours), "
            f"~{naive_seconds * factor:,.0f} s ({naive_seconds * factor / seconds:,.0f}x ours)"
        )

        print(f"\n3. {args.flood:,} posts in one thread, then in threads of four")
        thread = flood(args.flood)
        for name, posts in (("one thread", thread), ("many threads", spread(thread))):
            seconds, calls, records, code = import_run(as_feed(posts), folder, name[:4])
            print(
                f"   {name}: {calls} API calls, {records:,} records, {seconds:.2f} s, exit {code}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())

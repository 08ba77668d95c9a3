"""Learning from agents' corrections and severity that follows the thread, on the local org.

Usage: scripts/bench-corrections [--posts 2000] [--corrections 300] [--threads 200]

Runs the ``sf-social`` commands in-process against a fresh local org (``sf_social.testing``,
answered through ``responses``: no network, no latency); API calls are counted by the org.

1. **Corrections**: a model is trained on ``tests/data/labelled_posts.jsonl`` (the model in
   use); ``--posts`` labelled posts of ``tests/data/labelled`` are synced with it; "agents"
   correct ``--corrections`` records whose prediction the post's labels contradict (a tenth
   closed as "Not an Issue"). Then ``labels export`` (query API, then Bulk API 2.0 query):
   time, API calls, and whether it returned exactly the corrections; then ``train
   --from-org``: time and both models' mean macro-F1 on the held-back corrections.
2. **Severity**: ``--threads`` questions synced, then an escalating reply (a legal threat)
   in each: Cases raised after one pass, and the push's API calls beside the same number of
   calm replies that plan a Case write too (a question: no raise).

Nothing is written into benchmarks/README.md; copy the numbers from the output.
"""

from __future__ import annotations

import argparse
import json
import platform
import re
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from click.testing import CliRunner

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sf_social.cli.main import cli  # noqa: E402
from tests.cli.conftest import org_env, seeded_org  # noqa: E402
from tests.corrections import corpus, correct  # noqa: E402

SEED = ROOT / "tests/data/labelled_posts.jsonl"
QUESTION = "@NorthwindHelp how do I change my card PIN? ({n})"
LAWYER = "@NorthwindHelp still no answer, my lawyer and the regulator will hear about this ({n})"
CALM = "@NorthwindHelp also, how do I change my mailing address? ({n})"


class World:
    """A local org, a state folder and the command line."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.org = seeded_org()
        self.env = org_env(self.org, folder)

    def run(self, *args: str) -> tuple[int, str, float]:
        start = time.perf_counter()
        result = CliRunner().invoke(cli, list(args), env=self.env, catch_exceptions=False)
        return result.exit_code, result.stderr + result.stdout, time.perf_counter() - start

    def configure(self, posts: list[dict[str, Any]], model: Path | None = None) -> None:
        feed = self.folder / "posts.jsonl"
        feed.write_text("".join(json.dumps(p) + "\n" for p in posts), encoding="utf-8")
        top = f'model = "{model}"\n' if model else ""
        config = self.folder / "sf-social.toml"
        config.write_text(f'{top}[[sources]]\ntype = "jsonl"\npath = "{feed}"\n', "utf-8")
        self.env["SF_SOCIAL_CONFIG"] = str(config)


def corrections(posts: int, count: int) -> None:
    with tempfile.TemporaryDirectory() as tmp, (world := World(Path(tmp))).org.mock():
        in_use = world.folder / "in-use.npz"
        code, out, _ = world.run("train", str(SEED), "--output", str(in_use))
        assert code == 0, out
        lines = corpus(posts)
        world.configure([line["post"] for line in lines], in_use)
        code, out, took = world.run("sync", "--once")
        assert code == 0, out
        records = world.org.count("Case") + world.org.count("Task")
        print(
            f"synced {len(lines):,} posts with the model in use: {records:,} Cases and Tasks"
            f" in {took:.1f} s"
        )
        done = correct(world.org, lines, count)
        wanted = {c.id for c in done}
        print(
            f"agents corrected {len(done)} records ({sum(c.closed for c in done)} closed as"
            " Not an Issue)"
        )
        for label, extra in (("query API", ()), ("Bulk API 2.0 query", ("--bulk-threshold", "0"))):
            out_file = world.folder / "labels.jsonl"
            calls = world.org.api_calls
            code, out, took = world.run("labels", "export", "--output", str(out_file), *extra)
            assert code == 0, out
            rows = [json.loads(x) for x in out_file.read_text("utf-8").splitlines()]
            got = {r["source"]["id"] for r in rows}
            print(
                f"labels export ({label}): {len(rows)} lines in {took:.2f} s,"
                f" {world.org.api_calls - calls} API calls; exactly the corrections:"
                f" {got == wanted} (missed {len(wanted - got)}, false {len(got - wanted)})"
            )
        new = world.folder / "new.npz"
        code, out, took = world.run("train", "--from-org", str(SEED), "--output", str(new))
        found = re.search(r"on (\d+) held-back corrections, .*: new ([\d.]+), in use ([\d.]+)", out)
        assert found is not None, out
        print(
            f"train --from-org: exit {code} in {took:.1f} s; on {found[1]} held-back"
            f" corrections mean macro-F1 new {found[2]} vs in use {found[3]};"
            f" written: {new.exists()}"
        )


def severity(threads: int) -> None:
    with tempfile.TemporaryDirectory() as tmp, (world := World(Path(tmp))).org.mock():

        def tweet(n: int, text: str, root: int | None = None) -> dict[str, Any]:
            author = {"id": f"u{n % 100_000}", "handle": f"user{n % 100_000}", "followers": 300}
            post = {
                "network": "twitter",
                "id": str(n),
                "text": text.format(n=n),
                "created_at": "2026-12-05T10:00:00Z" if root is None else "2026-12-05T10:30:00Z",
                "author": author,
            }
            if root is not None:
                post.update(conversation_id=str(root), in_reply_to_id=str(root))
            return post

        base = 1_000_000
        openers = [tweet(base + i, QUESTION) for i in range(2 * threads)]
        world.configure(openers)
        assert world.run("sync", "--once")[0] == 0
        legal = [tweet(base + 10 * threads + i, LAWYER, base + i) for i in range(threads)]
        calm = [tweet(base + 20 * threads + i, CALM, base + threads + i) for i in range(threads)]
        for label, replies in (("escalating", legal), ("calm", calm)):
            world.configure(openers + (legal if label == "calm" else []) + replies)
            calls = world.org.api_calls
            code, out, took = world.run("sync", "--once")
            assert code == 0, out
            print(
                f"{threads} {label} replies: one pass, {world.org.api_calls - calls} API calls,"
                f" {took:.2f} s"
            )
        cases = world.org.records("Case")
        raised = sum(c["Social_Severity__c"] == "High" and c["Social_Escalated__c"] for c in cases)
        priority = sum(c["Priority"] == "High" for c in cases)
        print(
            f"Cases raised to High after that one pass: {raised} of {threads}"
            f" (Priority High: {priority})"
        )


def main_() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=2_000)
    parser.add_argument("--corrections", type=int, default=300)
    parser.add_argument("--threads", type=int, default=200)
    args = parser.parse_args()
    print(f"{platform.machine()}, {platform.python_version()}, {time.strftime('%Y-%m-%d')}")
    corrections(args.posts, args.corrections)
    severity(args.threads)


if __name__ == "__main__":
    main_()

"""Benchmark ``sf-social plan --input`` through the CLI, beside a vaderSentiment-only pass.

Usage: scripts/bench-cli [--posts N] [--runs N] [--model PATH] [--keep DIR] [--stages N]

A feed of ``--posts`` posts (the generator of ``scripts/bench_classify.py``) is written to a
file, then two child processes run over it, each timed from spawn to exit (start-up,
imports, reading, JSON out to a file all included):

1. ``sf-social plan --input FEED > plans.jsonl`` with the default rules (``--model PATH`` is
   passed through to ``plan`` when given);
2. the floor: a tiny script that reads the same JSONL, runs vaderSentiment's
   ``SentimentIntensityAnalyzer().polarity_scores`` on each text and writes one JSON line
   each.

Each is run ``--runs`` times, alternating; the best wall time of each is reported, and the
best CPU time (user + system, steadier when other work shares the machine). Output:
posts/s of both and the ratio plan / VADER (target: >= 5,000 posts/s and <= 2.5x).
``--stages N`` first times each stage of the pipeline in this process, over the feed's
first N posts (CPU microseconds per post, best of 3).
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_classify import generate

VADER_ONLY = """
import json, sys
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer
analyzer = SentimentIntensityAnalyzer()
write = sys.stdout.write
with open(sys.argv[1], encoding="utf-8") as feed:
    for line in feed:
        post = json.loads(line)
        scores = analyzer.polarity_scores(post["text"])
        write(json.dumps({"id": post["id"], **scores}, ensure_ascii=False) + "\\n")
"""


def sf_social_command() -> list[str]:
    """The installed ``sf-social`` console script (beside this interpreter), else ``-m``."""
    script = Path(sys.executable).parent / "sf-social"
    found = str(script) if script.exists() else shutil.which("sf-social")
    return [found] if found else [sys.executable, "-m", "sf_social"]


def timed(command: list[str], out: Path) -> tuple[float, float]:
    """Wall and CPU (user + system) seconds of ``command`` from spawn to exit, its stdout
    into ``out``. CPU time is the steadier number when other work shares the machine."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with out.open("wb") as stdout:
        started = time.perf_counter()
        done = subprocess.run(command, stdout=stdout, stderr=subprocess.PIPE, check=False)
        seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        sys.exit(f"{' '.join(command)} exited {done.returncode}:\n{done.stderr.decode()}")
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return seconds, cpu


def stages(feed: Path, count: int) -> None:
    """CPU microseconds per post of each stage, in process, over the first ``count`` posts."""
    from sf_social.classifier import RuleClassifier
    from sf_social.cli.feedio import json_line
    from sf_social.pipeline import Pipeline
    from sf_social.playbook import load_playbook
    from sf_social.posts import SocialPost
    from sf_social.sentiment import compound_score
    from sf_social.text import strip_invisible

    with feed.open("rb") as stream:
        lines = [line for _, line in zip(range(count), stream, strict=False)]
    pipeline = Pipeline(load_playbook())
    rules = pipeline.classifier
    assert isinstance(rules, RuleClassifier)

    def timed(label: str, stage: Callable[[Any], Any], items: list[Any]) -> list[Any]:
        best = float("inf")
        for _ in range(3):
            started = time.process_time()
            out = [stage(item) for item in items]
            best = min(best, time.process_time() - started)
        print(f"{label:>32}: {best / len(items) * 1e6:6.1f} us/post")
        return out

    posts = timed("reading and validating the line", SocialPost.model_validate_json, lines)
    texts = timed("text normalized", lambda p: rules._normalizers[p.network](p.text), posts)
    timed("rules matched", lambda text: rules._book.match(text.tokens), texts)
    timed("VADER compound", lambda p: compound_score(strip_invisible(p.text)), posts)
    classified = timed("classification (all of it)", rules.classify, posts)
    pairs = list(zip(posts, classified, strict=True))
    plans = timed("mapping to records and the plan", lambda pc: pipeline.mapper.plan(*pc), pairs)
    dicts = timed("to_json", lambda plan: plan.to_json(), plans)
    timed("encoding", json_line, dicts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=3, help="runs of each (best is reported)")
    parser.add_argument("--model", help="passed to `sf-social plan --model` (only when given)")
    parser.add_argument("--keep", type=Path, help="keep the feed and outputs in this directory")
    parser.add_argument("--stages", type=int, default=0, help="time each stage over N posts")
    parser.add_argument("--jobs", type=int, help="passed to `sf-social plan --jobs` (else: auto)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        feed = work / "feed.jsonl"
        generate(feed, args.posts)
        plan = [*sf_social_command(), "plan", "--input", str(feed)]
        if args.model:
            plan += ["--model", args.model]
        if args.jobs is not None:
            plan += ["--jobs", str(args.jobs)]
        vader = [sys.executable, "-c", VADER_ONLY, str(feed)]
        machine = (
            f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
        )
        print(f"feed: {args.posts:,} posts, {feed.stat().st_size / 1e6:.1f} MB; {machine}")
        if args.stages:
            stages(feed, args.stages)
        print(f"plan:  {' '.join(plan[plan.index('plan') :])}")
        times: dict[str, list[tuple[float, float]]] = {"plan": [], "vader": []}
        for _ in range(args.runs):
            times["plan"].append(timed(plan, work / "plans.jsonl"))
            times["vader"].append(timed(vader, work / "vader.jsonl"))
        lines = sum(1 for _ in (work / "plans.jsonl").open("rb"))
    wall = {name: min(w for w, _ in runs) for name, runs in times.items()}
    cpu = {name: min(c for _, c in runs) for name, runs in times.items()}
    for name, label in (("plan", "sf-social plan"), ("vader", "vaderSentiment only")):
        runs = ", ".join(f"{w:.2f}" for w, _ in times[name])
        print(
            f"{label:>20}: {wall[name]:6.2f} s {args.posts / wall[name]:8,.0f} posts/s"
            f"  (wall, best of: {runs} s; CPU {cpu[name]:.2f} s)"
        )
    print(f"plan lines written: {lines:,}")
    print(
        f"plan / vaderSentiment-only: {wall['plan'] / wall['vader']:.2f}x wall, "
        f"{cpu['plan'] / cpu['vader']:.2f}x CPU"
    )


if __name__ == "__main__":
    main()

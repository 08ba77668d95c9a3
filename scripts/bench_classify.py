"""Benchmark classify+plan: the streaming pipeline vs a naive baseline, same feed, same run.

Usage: scripts/bench-classify [--posts N] [--keep FILE]
Each contender runs in its own process so its peak memory (max RSS) is its own.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPORA = [ROOT / "tests/data/labelled_posts.jsonl", ROOT / "tests/data/heldout_posts.jsonl"]


def generate(path: Path, count: int, seed: int = 7) -> None:
    """A feed of ``count`` posts: corpus texts with fresh ids, authors, threads, noise."""
    rng = random.Random(seed)
    texts = [json.loads(line)["post"]["text"] for corpus in CORPORA for line in corpus.open()]
    fillers = ["lol", "tbh", "#monday", "https://t.co/abc", "🙃", "ngl", "rn", "@friend"]
    with path.open("w", encoding="utf-8") as out:
        for i in range(count):
            text = rng.choice(texts)
            if rng.random() < 0.3:
                text = f"{text} {rng.choice(fillers)}"
            root = str(1_000_000 + i - rng.randint(0, 5)) if rng.random() < 0.2 else None
            post = {
                "network": "twitter",
                "id": str(1_000_000 + i),
                "text": text,
                "created_at": f"2026-11-{1 + i % 28:02d}T{i % 24:02d}:{i % 60:02d}:00Z",
                "author": {
                    "id": f"u{rng.randint(1, 40_000)}",
                    "handle": f"user{rng.randint(1, 40_000)}",
                    "name": "Sam Example",
                    "followers": int(rng.paretovariate(1.2) * 40),
                    "posts": rng.randint(0, 20_000),
                },
                "conversation_id": root,
                "url": f"https://x.com/u/status/{1_000_000 + i}",
                "lang": "en",
            }
            out.write(json.dumps(post, ensure_ascii=False) + "\n")


def run_streaming(path: Path) -> tuple[int, float]:
    """sf_social as shipped: stream the file, classify+plan each post, keep nothing.

    Returns the planned writes and the seconds spent after set-up.
    """
    from sf_social.feed import read_feed
    from sf_social.pipeline import Pipeline
    from sf_social.playbook import load_playbook
    from sf_social.posts import SocialPost

    pipeline = Pipeline(load_playbook())
    pipeline.classifier.classify(SocialPost(network="twitter", id="0", text="warm up"))
    started = time.perf_counter()
    writes = 0
    with path.open("rb") as stream:
        for post in read_feed(stream, str(path)):
            if not isinstance(post, Exception):
                writes += len(pipeline.plan(post).to_json()["writes"])
    return writes, time.perf_counter() - started


class NaiveRuleBook:
    """The obvious matcher: every rule of every set searched as its own regex, per post."""

    def __init__(self, rule_sets: dict) -> None:  # type: ignore[type-arg]
        from sf_social.phrases import parse_phrase
        from sf_social.rules import Hit

        self.hit = Hit
        self.rules = []
        for name, rules in rule_sets.items():
            for rule in rules:
                if rule.regex is not None:
                    self.rules.append((name, f"/{rule.regex}/", rule.weight, rule.regex))
                    continue
                words = [
                    r"(?:\S+ ){0,5}"
                    if w is None
                    else re.escape(w.rstrip("*")) + (r"\S*" if w.endswith("*") else "")
                    for w in parse_phrase(rule.phrase)
                ]
                pattern = r"(?<![^\s#])" + " ".join(words).replace("} ", "}") + r"(?:'s)?(?!\S)"
                self.rules.append((name, f"'{rule.phrase}'", rule.weight, pattern))

    def match(self, tokens: str) -> dict:  # type: ignore[type-arg]
        found: dict = {}  # type: ignore[type-arg]
        for name, label, weight, pattern in self.rules:
            searched = re.search(pattern, tokens)
            if searched is not None:
                found.setdefault(name, []).append(self.hit(label, weight, searched.group()))
        return found


def run_naive(path: Path) -> tuple[int, float]:
    """The obvious first version: load the whole feed, search rule by rule, score sentiment
    with vaderSentiment's ``polarity_scores`` as published, keep all plans."""
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    from sf_social import sentiment
    from sf_social.classifier import RuleClassifier
    from sf_social.mapping import Mapper
    from sf_social.playbook import load_playbook
    from sf_social.posts import SocialPost

    analyzer = SentimentIntensityAnalyzer()
    sentiment.compound_score = lambda text: float(analyzer.polarity_scores(text)["compound"])
    playbook = load_playbook()
    classifier, mapper = RuleClassifier(playbook), Mapper(playbook)
    classifier._book = NaiveRuleBook(classifier._rule_sets)  # type: ignore[assignment]
    classifier.classify(SocialPost(network="twitter", id="0", text="warm up"))
    started = time.perf_counter()
    posts = [SocialPost.model_validate(json.loads(line)) for line in path.open(encoding="utf-8")]
    plans = [mapper.plan(post, classifier.classify(post)).to_json() for post in posts]
    return sum(len(p["writes"]) for p in plans), time.perf_counter() - started


CHILD = """
import json, pathlib, resource, sys
sys.path.insert(0, {scripts!r})
import bench_classify
writes, seconds = bench_classify.run_{which}(pathlib.Path({feed!r}))
peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({{"seconds": seconds, "writes": writes, "peak_mb": peak_mb}}))
"""


def measure(which: str, path: Path) -> dict[str, float]:
    """Run one contender in a child process; its wall time and peak RSS."""
    code = CHILD.format(scripts=str(Path(__file__).parent), which=which, feed=str(path))
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    result: dict[str, float] = json.loads(out.stdout)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument(
        "--naive-posts", type=int, default=3_000, help="the naive baseline's (slow) sample size"
    )
    args = parser.parse_args()
    small = min(args.naive_posts, args.posts)
    with tempfile.TemporaryDirectory() as tmp:
        feed, sample = Path(tmp) / "feed.jsonl", Path(tmp) / "sample.jsonl"
        generate(feed, args.posts)
        with feed.open() as full, sample.open("w") as out:
            out.writelines(line for _, line in zip(range(small), full, strict=False))
        machine = (
            f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
        )
        print(f"feed: {args.posts:,} posts, {feed.stat().st_size / 1e6:.1f} MB; {machine}")
        runs = {
            f"streaming, {args.posts:,} posts": (args.posts, measure("streaming", feed)),
            f"streaming, {small:,} posts": (small, measure("streaming", sample)),
            f"naive, {small:,} posts": (small, measure("naive", sample)),
        }
    for name, (count, r) in runs.items():
        print(
            f"{name:>26}: {r['seconds']:7.1f} s {count / r['seconds']:8,.0f} posts/s"
            f"  peak {r['peak_mb']:5.0f} MB  ({int(r['writes']):,} planned writes)"
        )
    (_, big), (_, fast), (_, naive) = runs.values()
    print(
        f"streaming vs naive on the same {small:,} posts: "
        f"{naive['seconds'] / fast['seconds']:.1f}x faster, "
        f"{naive['peak_mb'] / fast['peak_mb']:.2f}x less peak memory; "
        f"streaming peak grows {big['peak_mb'] / fast['peak_mb']:.2f}x from {small:,} to "
        f"{args.posts:,} posts"
    )


if __name__ == "__main__":
    main()

"""Hostile text: classify posts built to make text work explode, at 10,000 and 100,000
characters, and show the cost grows linearly (a quadratic step shows as ~100x, not ~10x).

Usage: scripts/bench-hostile
"""

from __future__ import annotations

import platform
import time

from sf_social.classifier import RuleClassifier
from sf_social.playbook import load_playbook
from sf_social.posts import SocialPost

HOSTILE = {
    "one long digit token": lambda n: "a" + "1" * (n - 1),
    "one long leetspeak token": lambda n: ("a1" * n)[: n - 1] + "b",
    "repeated praise words": lambda n: ("great " * n)[:n],
    "digits and spaces": lambda n: ("1 " * n)[:n],
    "hashtags": lambda n: ("#fail" * n)[:n],
    "at signs": lambda n: "@" * n,
    "complaint phrases": lambda n: ("still waiting " * n)[:n],
}


def seconds(classifier: RuleClassifier, text: str) -> float:
    post = SocialPost.model_validate({"network": "twitter", "id": "1", "text": text})
    started = time.perf_counter()
    classifier.classify(post)
    return time.perf_counter() - started


def main() -> None:
    classifier = RuleClassifier(load_playbook())
    print(f"## Hostile text, {time.strftime('%Y-%m-%d')}, {platform.machine()}\n")
    print("| input | 10,000 chars | 100,000 chars | ratio |")
    print("|---|---|---|---|")
    for name, make in HOSTILE.items():
        small, large = seconds(classifier, make(10_000)), seconds(classifier, make(100_000))
        print(f"| {name} | {small * 1000:.1f} ms | {large * 1000:.1f} ms | {large / small:.1f}x |")


if __name__ == "__main__":
    main()

"""A day of real-shaped X traffic for response-time tests: complaints, questions, fraud
reports, praise and leads from many people through the day, follow-ups, and our replies
after delays from minutes to hours (some late, some never).

No Case's possible due time falls within ``MARGIN`` of ``now``, so a figure computed a few
seconds later is the same.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

PRAISE = "love the new budgeting tab, thank you @NorthwindBank!"  # no Case: a Task
TEXTS = (
    "@NorthwindHelp the app keeps crashing when I deposit a check #fail",
    "@NorthwindBank how do I change my mailing address in the app?",
    "@NorthwindHelp someone made unauthorized charges on my card, this is fraud",
    "@NorthwindHelp can't log in, error 503 #fail",
    PRAISE,
    "@NorthwindBank what are your branch hours on saturday?",
)
FOLLOW_UP = "any update? still broken"
TARGETS = (30, 60, 240, 1440)
"""Every response target of the default playbook, in minutes."""
MARGIN = timedelta(minutes=3)
OURS = {"id": "b1", "handle": "NorthwindHelp", "name": "Northwind Help", "followers": 50_000}


@dataclass(frozen=True)
class Day:
    posts: list[dict[str, Any]]
    opened: dict[str, datetime]
    """Thread key → when its first post was written (a praise thread opens no Case)."""


def day_of_traffic(now: datetime, threads: int = 120, seed: int = 7) -> Day:
    """``threads`` conversations opened in the 24 hours before ``now``, posts oldest first."""
    rng = random.Random(seed)
    posts: list[dict[str, Any]] = []
    opened: dict[str, datetime] = {}
    made = 0
    while len(opened) < threads:
        start = now - timedelta(minutes=rng.uniform(5, 24 * 60))
        if any(abs(start + timedelta(minutes=m) - now) < MARGIN for m in TARGETS):
            continue
        made += 1
        root = f"{1000 + made}"
        followers = rng.choice((40, 340, 2400, 15_000))
        author = {
            "id": f"u{made}",
            "handle": f"user{made}",
            "name": "Sam Lee",
            "followers": followers,
        }
        text = rng.choice(TEXTS)
        posts.append(_tweet(root, text, start, author))
        opened[f"twitter:thread:{root}"] = start
        if text != PRAISE and rng.random() < 0.3:
            later = start + timedelta(minutes=rng.uniform(1, 90))
            if later < now:
                posts.append(_tweet(f"{root}1", FOLLOW_UP, later, author, root))
        if rng.random() < 0.75:
            for n in range(rng.choice((1, 1, 2))):
                answer = start + timedelta(minutes=rng.lognormvariate(3.5, 1.2) + 0.5)
                if answer < now:
                    posts.append(
                        _tweet(f"{root}9{n}", "Sorry! Please DM us.", answer, OURS, root, True)
                    )
    posts.sort(key=lambda p: (p["created_at"], p["id"]))
    return Day(posts, opened)


def _tweet(
    post_id: str,
    text: str,
    at: datetime,
    author: dict[str, Any],
    root: str | None = None,
    ours: bool = False,
) -> dict[str, Any]:
    post: dict[str, Any] = {
        "network": "twitter",
        "id": post_id,
        "text": text,
        "created_at": at.isoformat().replace("+00:00", "Z"),
        "author": author,
        "url": f"https://x.com/{author['handle']}/status/{post_id}",
    }
    if root is not None:
        post.update(conversation_id=root, in_reply_to_id=root)
    if ours:
        post["direction"] = "outbound"
    return post

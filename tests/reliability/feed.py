"""A generated feed for the reliability tests, and what a correct sync must make of it.

Deterministic for a seed: conversation threads with replies by their author and our own
outbound replies, leads (some authors several times, with growing follower counts, so the
latest post must win on the Lead's sync-owned fields), praise, noise, posts by authors who
are existing Contacts (found by ``Twitter_Handle__c``, in any case), a
LinkedIn lead, a Facebook complaint, a French complaint (review queue), and bad lines of
every kind the reader rejects. ``Expected`` is worked out from the generator's own
bookkeeping, not from running the pipeline.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

BRAND = {"id": "b2", "handle": "NorthwindHelp", "name": "Northwind Help", "followers": 52000}
START = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
MAX_REPLIES = 2
MAX_LEAD_POSTS = 3

# Each template, with a number in it, classifies as its name says (checked by the tests).
ROOTS = {
    "Social_Technical_Support": [
        "@NorthwindHelp the app keeps crashing when I deposit a check #fail ({n})",
        "@NorthwindHelp online banking is not working since yesterday, error {n} every time",
        "@NorthwindHelp can't log in, error {n} #fail",
    ],
    "Social_Customer_Support": [
        "@NorthwindBank what are your branch hours on Saturday? asking for store {n}",
        "@NorthwindBank how do I order new checks? ref {n}",
    ],
    "Social_PR": ["@NorthwindBank worst bank ever, you people are clowns 🤡 #{n}"],
    "Social_Product_Management": [
        "@NorthwindBank please add dark mode to the app, my eyes at 2am 🙏 idea {n}"
    ],
    "Social_Legal": [
        "PSA: a fake @NorthwindHe1p account is DMing people asking for their PIN. "
        "it's a scam, don't answer ({n})"
    ],
}
REPLIES = [
    "@NorthwindHelp still broken, tried {n} times #fail",
    "@NorthwindHelp any update? still crashing ({n})",
]
OUTBOUND = "@{handle} We're sorry for the trouble! Please send us a DM and we'll sort it. ({n})"
LEADS = [
    "thinking of switching from Contoso to @NorthwindBank for my bakery. do you do business "
    "accounts with no monthly fee? #{n}",
    "Any good bank for freelancers? need invoicing + a tax bucket. heard good things about "
    "Northwind ({n})",
]
PRAISE = [
    "love the new budgeting tab in the @NorthwindBank app 😍 finally know where my money goes "
    "({n})",
    "thank you @NorthwindBank, the support team fixed my card in minutes! amazing #{n}",
]
NOISE = ["sad the season is over 😢 {n}", "Contoso's app is down again lol {n}"]
FRENCH = "@NorthwindBank Votre application ne fonctionne plus depuis la mise à jour, réf {n}"
LINKEDIN_LEAD = (
    "We're evaluating new banking partners for our 40-person studio next quarter. "
    "Does Northwind offer business lines of credit? ({n})"
)
FACEBOOK = (
    "Been waiting 3 weeks for my replacement card. Called twice, nobody knows where it is. #{n}"
)

BAD_LINES: list[bytes] = [
    b'{"network": "twitter", "id": "bad-1", "text": "unterminated',
    b'{"network": "twitter", "id": "bad-2", "text": "caf\xe9 latte"}',
    b'{"network": "twitter", "id": "bad-3"}',
    b'{"network": "twitter", "id": "bad-4", "text": "   "}',
    b'{"network": "twitter", "id": "bad-5", "text": "hi", "author": {"followers": "many"}}',
    b'["not", "an", "object"]',
    b'{"network": "myspace", "id": "bad-7", "text": "hello"}',
    b'{"network": "twitter", "id": "bad-8", "text": "hi", "colour": "blue"}',
    b"\xef\xbb\xbfnot json at all",
]


@dataclass
class Person:
    """An author: a customer, a prospect, or a known Contact."""

    id: str
    handle: str
    name: str
    followers: int
    contact: bool = False

    def author(self) -> dict[str, Any]:
        self.followers += 7  # every post a little more: the latest post must win
        return {
            "id": self.id,
            "handle": self.handle,
            "name": self.name,
            "followers": self.followers,
            "following": 200,
            "posts": 800,
        }


@dataclass
class Expected:
    """What the org must hold after any correct sync of the feed."""

    cases: set[str] = field(default_factory=set)
    leads: set[str] = field(default_factory=set)
    tasks: set[str] = field(default_factory=set)
    lead_followers: dict[str, int] = field(default_factory=dict)
    case_urls: dict[str, str] = field(default_factory=dict)
    first_response: dict[str, str] = field(default_factory=dict)
    case_queue: dict[str, str] = field(default_factory=dict)
    contact_cases: dict[str, str] = field(default_factory=dict)
    """Case key → the Email of the Contact it must be linked to."""
    review_cases: set[str] = field(default_factory=set)
    lead_posts: Counter[str] = field(default_factory=Counter)
    """Lead key → how many of its author's posts write it (one upsert each, no more)."""
    case_posts: Counter[str] = field(default_factory=Counter)
    """Case key → inbound posts in the thread (each upserts the Case once)."""
    case_answers: Counter[str] = field(default_factory=Counter)
    """Case key → our replies in the thread (at most one first-response update each)."""
    posts: int = 0
    rejected: int = 0


@dataclass
class GeneratedFeed:
    lines: list[bytes]
    expected: Expected
    contacts: list[dict[str, str]]
    """Contacts to seed: Email, LastName, FirstName and a handle field."""

    def write(self, path: Path) -> Path:
        path.write_bytes(b"".join(line + b"\n" for line in self.lines))
        return path

    @property
    def contact_handles(self) -> set[str]:
        return {
            c.get("Social_Handle__c") or c.get("Twitter_Handle__c") or "" for c in self.contacts
        }


@dataclass
class _Thread:
    root: str
    author: Person
    queue: str
    replies: int = 0
    answered: bool = False


def make_feed(seed: int = 7, posts: int = 600, bad_every: int = 40) -> GeneratedFeed:
    """About ``posts`` valid posts (and one bad line per ``bad_every``), deterministic."""
    rng = random.Random(seed)
    expected = Expected()
    customers = [
        Person(f"cu{i}", f"cust_{i}", f"Customer {i}", rng.randint(50, 5000))
        for i in range(max(60, posts // 10))
    ]
    prospects = [
        Person(f"ld{i}", f"prospect_{i}", f"Prospect {i}", rng.randint(100, 9000))
        for i in range(max(40, posts // 25))
    ]
    known = [
        Person(f"ct{i}", f"known_{i}", f"Known {i}", rng.randint(100, 9000), contact=True)
        for i in range(12)
    ]
    contacts = []
    for i, person in enumerate(known):
        contacts.append(
            {
                "Email": f"known{i}@example.com",
                "FirstName": "Known",
                "LastName": f"Contact {i}",
                # handles are compared without case; Social_Handle__c (any network) is no
                # evidence, so odd Contacts carry it beside their X handle in other case
                "Twitter_Handle__c": person.handle if i % 2 == 0 else person.handle.upper(),
                **({} if i % 2 == 0 else {"Social_Handle__c": person.handle}),
            }
        )
    email = {p.handle: f"known{i}@example.com" for i, p in enumerate(known)}
    lead_posts: Counter[str] = Counter()
    lines: list[bytes] = []
    open_threads: list[_Thread] = []
    now = START
    counter = 0

    def emit(post: dict[str, Any]) -> None:
        nonlocal now, counter
        lines.append(json.dumps(post, ensure_ascii=False).encode())
        expected.posts += 1
        if bad_every and expected.posts % bad_every == 0:
            lines.append(BAD_LINES[(expected.posts // bad_every) % len(BAD_LINES)])
            expected.rejected += 1

    def tweet(text: str, person: Person | None, **more: Any) -> dict[str, Any]:
        nonlocal now, counter
        counter += 1
        now += timedelta(seconds=rng.randint(20, 180))
        post_id = str(1_900_000_000_000_000_000 + counter)
        author = person.author() if person else dict(BRAND)
        return {
            "network": "twitter",
            "id": post_id,
            "text": text.format(n=counter, handle=author["handle"]),
            "created_at": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "author": author,
            "kind": "mention",
            "conversation_id": post_id,
            "url": f"https://x.com/{author['handle']}/status/{post_id}",
            "lang": "en",
            **more,
        }

    def new_thread(person: Person) -> None:
        queue = rng.choice(sorted(ROOTS))
        post = tweet(rng.choice(ROOTS[queue]), person)
        key = f"twitter:thread:{post['id']}"
        expected.cases.add(key)
        expected.tasks.add(f"twitter:{post['id']}")
        expected.case_urls[key] = post["url"]
        expected.case_queue[key] = queue
        expected.case_posts[key] += 1
        if person.contact:
            expected.contact_cases[key] = email[person.handle]
        open_threads.append(_Thread(post["id"], person, queue))
        emit(post)

    def reply(thread: _Thread) -> None:
        post = tweet(
            rng.choice(REPLIES),
            thread.author,
            kind="reply",
            conversation_id=thread.root,
            in_reply_to_id=thread.root,
        )
        key = f"twitter:thread:{thread.root}"
        expected.case_urls[key] = post["url"]
        expected.case_posts[key] += 1
        expected.tasks.add(f"twitter:{post['id']}")
        thread.replies += 1
        emit(post)

    def answer(thread: _Thread) -> None:
        post = tweet(
            OUTBOUND.replace("{handle}", thread.author.handle),
            None,
            kind="reply",
            direction="outbound",
            conversation_id=thread.root,
            in_reply_to_id=thread.root,
        )
        key = f"twitter:thread:{thread.root}"
        expected.first_response.setdefault(key, post["created_at"])
        expected.case_answers[key] += 1
        expected.tasks.add(f"twitter:{post['id']}")
        thread.answered = True
        emit(post)

    def lead(person: Person) -> None:
        post = tweet(rng.choice(LEADS), person)
        expected.tasks.add(f"twitter:{post['id']}")
        if not person.contact:
            key = f"twitter:user:{person.id}"
            expected.leads.add(key)
            expected.lead_followers[key] = post["author"]["followers"]
            expected.lead_posts[key] += 1
        emit(post)

    def praise(person: Person) -> None:
        post = tweet(rng.choice(PRAISE), person)
        expected.tasks.add(f"twitter:{post['id']}")
        emit(post)

    # a few fixed shapes first: every kind is present whatever the size
    french = tweet(FRENCH, customers[0], lang="fr")
    expected.cases.add(f"twitter:thread:{french['id']}")
    expected.review_cases.add(f"twitter:thread:{french['id']}")
    expected.case_urls[f"twitter:thread:{french['id']}"] = french["url"]
    expected.case_posts[f"twitter:thread:{french['id']}"] += 1
    expected.tasks.add(f"twitter:{french['id']}")
    emit(french)
    counter += 1
    now += timedelta(seconds=60)
    li_id = f"urn:li:comment:{counter}"
    emit(
        {
            "network": "linkedin",
            "id": li_id,
            "text": LINKEDIN_LEAD.format(n=counter),
            "created_at": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "author": {
                "id": "li-88",
                "name": "Morgan Ellis",
                "followers": 1800,
                "profile_url": "https://www.linkedin.com/in/morgan-ellis-88",
                "company": "Ellis Design Studio",
            },
            "kind": "comment",
            "lang": "en",
        }
    )
    expected.leads.add("linkedin:profile:morgan-ellis-88")
    expected.lead_followers["linkedin:profile:morgan-ellis-88"] = 1800
    expected.lead_posts["linkedin:profile:morgan-ellis-88"] += 1
    expected.tasks.add(f"linkedin:{li_id}")
    counter += 1
    now += timedelta(seconds=60)
    fb_id = f"fb_{counter}"
    emit(
        {
            "network": "facebook",
            "id": fb_id,
            "text": FACEBOOK.format(n=counter),
            "created_at": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "author": {"id": "fb-u-9", "name": "Gail Morris"},
            "kind": "comment",
            "lang": "en",
        }
    )
    expected.cases.add(f"facebook:thread:{fb_id}")
    expected.case_posts[f"facebook:thread:{fb_id}"] += 1
    expected.tasks.add(f"facebook:{fb_id}")

    while expected.posts < posts:
        roll = rng.random()
        if roll < 0.22 or not open_threads:
            new_thread(rng.choice(known if rng.random() < 0.2 else customers))
        elif roll < 0.42:
            # a thread's posts are sent one push batch after another: keep chains short
            replied = [t for t in open_threads[-20:] if t.replies < MAX_REPLIES]
            if replied:
                reply(rng.choice(replied))
        elif roll < 0.52:
            fresh = [t for t in open_threads[-30:] if not t.answered]
            if fresh:
                answer(rng.choice(fresh))
        elif roll < 0.70:
            pool = known[:4] if rng.random() < 0.1 else prospects
            person = rng.choice(pool)
            if lead_posts[person.id] < MAX_LEAD_POSTS:
                lead_posts[person.id] += 1
                lead(person)
        elif roll < 0.85:
            praise(rng.choice(prospects + customers + known))
        else:
            emit(tweet(rng.choice(NOISE), rng.choice(customers)))
    return GeneratedFeed(lines, expected, contacts)

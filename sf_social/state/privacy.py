"""Erasure and suppression in the state store (design rule 11), shared by both stores.

``StateStore.erase_person`` finds a person's rows by a :class:`PersonMatch` and, in one
transaction, drops their pending plans and dead letters (which hold their text, handle and
email), marks their posts ``erased`` in the ledger (kept, so a re-read never plans them
again), forgets the Ids of their records, unlinks their threads and adds their digests to
the suppression list. The rules of what matches are pure functions here, so both stores
match the same rows.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sf_social.posts import Network
from sf_social.privacy import email_digest, handle_digest, mentions
from sf_social.state.ledger import LedgerStatus
from sf_social.state.status import JsonObject

HELD = tuple(s.value for s in (LedgerStatus.PLANNED, LedgerStatus.WRITTEN, LedgerStatus.FAILED))
"""Ledger statuses of posts whose records are, or will be, in the org."""


def is_held(post_id: str, status: str) -> bool:
    """Whether a ledger entry is a post we hold (not a deletion event's entry)."""
    return status in HELD and "#" not in post_id


@dataclass(frozen=True, slots=True)
class PersonMatch:
    """What names a person in the store.

    ``digests``: handle and email digests (``sf_social.privacy``), matched against the
    ledger's authors and the identity of stored plans. ``needles``: casefolded texts
    (``@handle``, the email) whose presence anywhere in a stored plan makes it theirs
    (our reply to them mentions them too). ``profile_keys``: their Lead keys
    (``twitter:user:<id>``), as threads and record Ids know them. ``post_keys``: other
    posts to erase with them (the org showed their Tasks on the person's Case or Lead).
    """

    digests: frozenset[str]
    needles: tuple[str, ...] = ()
    profile_keys: frozenset[str] = frozenset()
    post_keys: frozenset[str] = frozenset()

    @property
    def by_keys_only(self) -> bool:
        """Whether only ``post_keys`` name the rows (a deletion): no plan need be read."""
        return not (self.digests or self.needles or self.profile_keys)


@dataclass(frozen=True, slots=True)
class LocalErasure:
    """What ``erase_person`` found (and, unless a dry run, changed) in the store."""

    post_keys: tuple[str, ...] = ()
    """The person's posts (and the plans naming them), by post key: their Tasks' keys."""
    case_keys: tuple[str, ...] = ()
    """The Cases of the person's threads and posts."""
    outbox: int = 0
    dead_letters: int = 0
    ledger: int = 0
    threads: int = 0
    record_ids: int = 0
    suppressed: int = 0
    """Digests added to the suppression list (0 when already there)."""

    def plus(self, later: LocalErasure) -> LocalErasure:
        """This erasure and a later one of the same person, together."""
        return LocalErasure(
            post_keys=tuple(sorted({*self.post_keys, *later.post_keys})),
            case_keys=tuple(sorted({*self.case_keys, *later.case_keys})),
            outbox=self.outbox + later.outbox,
            dead_letters=self.dead_letters + later.dead_letters,
            ledger=self.ledger + later.ledger,
            threads=self.threads + later.threads,
            record_ids=self.record_ids + later.record_ids,
            suppressed=self.suppressed + later.suppressed,
        )

    def counts(self) -> dict[str, int]:
        """The counts, for the audit line and the report (no personal data)."""
        return {
            "posts": len(self.post_keys),
            "cases": len(self.case_keys),
            "outbox": self.outbox,
            "dead_letters": self.dead_letters,
            "ledger": self.ledger,
            "threads": self.threads,
            "record_ids": self.record_ids,
            "suppressed": self.suppressed,
        }


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One line of the privacy audit log: what was done, never to whom."""

    id: int
    at: datetime
    action: str
    detail: JsonObject = field(default_factory=dict)


def plan_match(plan_json: str, match: PersonMatch) -> str | None:
    """``"own"`` for a stored plan (``codec`` JSON) of the person's post, ``"mention"`` for
    one naming them (a reply to them), else ``None``."""
    if plan_is_theirs(plan_json, match):
        return "own"
    if match.needles and mentions(plan_json, match.needles):
        return "mention"
    return None


def plan_is_theirs(plan_json: str, match: PersonMatch) -> bool:
    """Whether a stored plan is of the person's post (its author identity is theirs)."""
    stored = json.loads(plan_json)
    identity = stored.get("plan", {}).get("identity") if isinstance(stored, dict) else None
    if not isinstance(identity, dict):
        return False
    return bool(identity_digests(identity) & match.digests) or (
        identity.get("lead_key") in match.profile_keys
    )


def identity_digests(identity: dict[str, Any]) -> set[str]:
    """The digests of a stored plan's ``identity`` (handle on its network, email)."""
    found = set()
    handle, email = identity.get("handle"), identity.get("email")
    try:
        network = Network(str(identity.get("network")))
    except ValueError:
        network = None
    if isinstance(handle, str) and handle and network is not None:
        found.add(handle_digest(network, handle))
    if isinstance(email, str) and email:
        found.add(email_digest(email))
    return found


def case_keys_of(keys: Iterable[str]) -> set[str]:
    """The Case keys (``<network>:thread:<root>[#n]``) among a ledger entry's keys."""
    return {k for k in keys if ":thread:" in k}


def without(keys: Iterable[str], gone: frozenset[str]) -> list[str]:
    """``keys`` less the ones in ``gone``, in order."""
    return [k for k in keys if k not in gone]


@dataclass(frozen=True, slots=True)
class StoredPlan:
    """An outbox row or dead letter as an erasure looks at it."""

    id: int
    post_key: str
    plan_json: str


@dataclass
class Selection:
    """The rows of a person an erasure found: outbox and dead-letter ids, posts, Cases."""

    outbox_ids: list[int] = field(default_factory=list)
    dead_ids: list[int] = field(default_factory=list)
    own_posts: set[str] = field(default_factory=set)
    """Their posts: their Tasks, and their Cases through the ledger's keys."""
    named_in: set[str] = field(default_factory=set)
    """Other posts naming them (our replies): their Tasks only."""

    def pick(self, rows: Iterable[StoredPlan], match: PersonMatch, *, dead: bool) -> None:
        """Add the rows that are the person's or name them."""
        chosen = self.dead_ids if dead else self.outbox_ids
        for row in rows:
            if row.post_key in self.own_posts:
                kind: str | None = "own"
            elif row.post_key in self.named_in:
                kind = "mention"
            elif match.by_keys_only:
                continue
            else:
                kind = plan_match(row.plan_json, match)
            if kind is None:
                continue
            chosen.append(row.id)
            (self.own_posts if kind == "own" else self.named_in).add(row.post_key)

    @property
    def post_keys(self) -> set[str]:
        """Every post whose Task names the person."""
        return self.own_posts | self.named_in


def erased_entry_values(
    keys: Iterable[str], sf_ids: dict[str, str], match: PersonMatch
) -> tuple[list[str], dict[str, str]]:
    """A ledger entry's keys and Ids without the person's profile keys."""
    gone = match.profile_keys
    return without(keys, gone), {k: v for k, v in sf_ids.items() if k not in gone}


def thread_roots_of(post_keys: Iterable[str]) -> set[str]:
    """The thread root keys these posts would open (``twitter:123`` → ``twitter:thread:123``):
    a thread rooted in a person's post was opened by them."""
    roots = set()
    for key in post_keys:
        network, _, post_id = key.partition(":")
        if post_id:
            roots.add(f"{network}:thread:{post_id}")
    return roots


def widened(match: PersonMatch, author_keys: Iterable[str | None]) -> PersonMatch:
    """``match`` with the profile keys of the threads the person opened."""
    extra = {k for k in author_keys if k}
    if extra <= match.profile_keys:
        return match
    return replace(match, profile_keys=match.profile_keys | extra)

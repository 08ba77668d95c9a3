"""The local org of a reliability run, what it holds, and THE invariant.

``assert_invariant(org, clean, feed)``: the org holds what a clean run over the same feed
made — the same record keys per sObject, the same field values on every record (all
fields but Ids, the emulator's wall-clock stamps and the auto-number; references compared
by the key of the record they point at), the counts worked out from the feed, no Lead for
an author who is a Contact, no key twice — and, when asked, no record created twice and no
post written twice.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sf_social import records
from sf_social.playbook import load_playbook
from sf_social.testing import LocalOrg
from sf_social.testing.schema import FieldType
from sf_social.testing.writes import Parsed
from tests.reliability.feed import GeneratedFeed

SOBJECTS = ("Case", "Lead", "Task", "Contact")
KEY_FIELDS = {
    **records.KEY_FIELDS,
    "Contact": "Email",
    "Group": "DeveloperName",
    "User": "Username",
    "Account": "Name",
}
VOLATILE = frozenset(
    {
        "attributes",
        "Id",
        "CreatedDate",
        "LastModifiedDate",
        "SystemModstamp",
        "CompletedDateTime",  # the emulator stamps a completed Task with its own clock
        "ClosedDate",
        "CaseNumber",  # an auto-number: follows creation order, not content
    }
)

Snapshot = dict[str, dict[str, dict[str, Any]]]
"""sObject → record key → field → value (references as ``sObject:key``)."""


@dataclass(frozen=True)
class Save:
    """One record the org saved: which, by key, and whether it created it."""

    sobject: str
    key: str | None
    created: bool


@dataclass
class WriteLog:
    """Every save the org's writer made (all transports: collections, single, bulk)."""

    saves: list[Save] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def attach(self, org: LocalOrg) -> None:
        original: Callable[..., dict[str, Any]] = org.writer.save

        def save(
            parsed: Parsed, existing: dict[str, Any] | None, *, user_id: str | None = None
        ) -> dict[str, Any]:
            record = original(parsed, existing, user_id=user_id)
            key_field = KEY_FIELDS.get(parsed.obj.name, "Id")
            key = record.get(key_field)
            with self._lock:
                self.saves.append(
                    Save(parsed.obj.name, key if isinstance(key, str) else None, existing is None)
                )
            return record

        setattr(org.writer, "save", save)  # noqa: B010 (wrap the instance's method)

    def creates(self, sobject: str) -> Counter[str | None]:
        return Counter(s.key for s in self.saves if s.sobject == sobject and s.created)

    def writes(self, sobject: str) -> Counter[str | None]:
        return Counter(s.key for s in self.saves if s.sobject == sobject)


def new_org(feed: GeneratedFeed, seed: int = 0) -> tuple[LocalOrg, WriteLog]:
    """A fresh org with the playbook's queues and the feed's Contacts, and its write log."""
    org = LocalOrg(seed=seed, daily_limit=1_000_000)
    playbook = load_playbook()
    for queue in sorted({*playbook.routing.teams.values(), playbook.routing.review_queue}):
        org.add_queue(queue)
    for contact in feed.contacts:
        org.insert("Contact", dict(contact))
    log = WriteLog()
    log.attach(org)
    return org, log


def snapshot(org: LocalOrg) -> Snapshot:
    """Every Case, Lead, Task and Contact by key, references by the referenced key."""
    result: Snapshot = {}
    for sobject in SOBJECTS:
        spec = org.schema.object(sobject)
        assert spec is not None
        references = {f.name for f in spec.all_fields() if f.type is FieldType.REFERENCE}
        records: dict[str, dict[str, Any]] = {}
        for record in org.records(sobject):
            key = record.get(KEY_FIELDS[sobject])
            name = key if isinstance(key, str) else f"(no key: {record['Id']})"
            if name in records:
                name = f"{name} (duplicate {record['Id']})"
            records[name] = {
                field_name: _reference(org, value) if field_name in references else value
                for field_name, value in record.items()
                if field_name not in VOLATILE
            }
        result[sobject] = records
    return result


def _reference(org: LocalOrg, value: Any) -> Any:
    if not isinstance(value, str) or not value:
        return value
    found = org.store.find_by_id(value)
    if found is None:
        return f"(dangling {value})"
    sobject, target = found
    key = target.get(KEY_FIELDS.get(sobject, "Id"))
    return f"{sobject}:{key}"


def _same_time(left: object, right: object) -> bool:
    def parse(value: object) -> datetime | None:
        if not isinstance(value, str):
            return None
        text = value.replace("Z", "+00:00").replace("+0000", "+00:00")
        return datetime.fromisoformat(text)

    return parse(left) is not None and parse(left) == parse(right)


def feed_problems(snap: Snapshot, feed: GeneratedFeed) -> list[str]:
    """What differs from the counts and facts worked out from the feed alone."""
    e = feed.expected
    problems: list[str] = []
    for sobject, keys in (("Case", e.cases), ("Lead", e.leads), ("Task", e.tasks)):
        have = set(snap[sobject])
        if have != keys:
            problems.append(
                f"{sobject}: {len(have)} records, the feed makes {len(keys)}; "
                f"missing {sorted(keys - have)[:5]}, unexpected {sorted(have - keys)[:5]}"
            )
    if len(snap["Contact"]) != len(feed.contacts):
        problems.append(f"Contact: {len(snap['Contact'])} records, {len(feed.contacts)} seeded")
    handles = feed.contact_handles
    for key, record in snap["Lead"].items():
        if record.get("Social_Handle__c") in handles:
            problems.append(f"Lead {key} for {record['Social_Handle__c']!r}, who is a Contact")
    for key, followers in e.lead_followers.items():
        lead = snap["Lead"].get(key)
        if lead is not None and lead.get("Social_Followers__c") != followers:
            problems.append(
                f"Lead {key}: Social_Followers__c {lead.get('Social_Followers__c')}, "
                f"the author's latest post says {followers}"
            )
    for key, url in e.case_urls.items():
        case = snap["Case"].get(key)
        if case is not None and case.get("Social_Post_URL__c") != url:
            problems.append(
                f"Case {key}: Social_Post_URL__c {case.get('Social_Post_URL__c')}, "
                f"the thread's latest post is {url}"
            )
    for key, at in e.first_response.items():
        case = snap["Case"].get(key)
        if case is not None and not _same_time(case.get("Social_First_Response__c"), at):
            problems.append(
                f"Case {key}: Social_First_Response__c "
                f"{case.get('Social_First_Response__c')}, our first reply was at {at}"
            )
    for key, queue in e.case_queue.items():
        case = snap["Case"].get(key)
        if case is not None and case.get("OwnerId") != f"Group:{queue}":
            problems.append(f"Case {key}: owner {case.get('OwnerId')}, routed to {queue}")
    for key, email in e.contact_cases.items():
        case = snap["Case"].get(key)
        if case is not None and case.get("ContactId") != f"Contact:{email}":
            problems.append(f"Case {key}: ContactId {case.get('ContactId')}, author is {email}")
    return problems


def diff(
    snap: Snapshot, clean: Snapshot, limit: int = 30, ignore: frozenset[str] = frozenset()
) -> list[str]:
    """Record by record, field by field (but ``ignore``), what differs from the clean run."""
    problems: list[str] = []
    for sobject in SOBJECTS:
        mine, theirs = snap[sobject], clean[sobject]
        if set(mine) != set(theirs):
            missing = sorted(set(theirs) - set(mine))[:5]
            extra = sorted(set(mine) - set(theirs))[:5]
            problems.append(
                f"{sobject} keys differ from the clean run: missing {missing}, extra {extra}"
            )
        for key in sorted(set(mine) & set(theirs)):
            a, b = mine[key], theirs[key]
            for name in sorted((set(a) | set(b)) - ignore):
                if a.get(name) != b.get(name):
                    problems.append(
                        f"{sobject} {key}.{name}: {a.get(name)!r} (clean run: {b.get(name)!r})"
                    )
                    if len(problems) >= limit:
                        return problems
    return problems


def write_problems(log: WriteLog, snap: Snapshot, feed: GeneratedFeed, *, exact: bool) -> list[str]:
    """No record created twice; ``exact`` (no faults): at most one write per post and key.

    A Task (one per post) is written once; a Lead at least once and at most once per post
    of its author that plans it; a Case at least once and at most once per inbound post of
    its thread plus one first-response update per reply of ours. Fewer is right: posts of
    one key pushed in one batch are merged into one write (design rule 1).
    """
    problems: list[str] = []
    for sobject in ("Case", "Lead", "Task"):
        twice = {k: n for k, n in log.creates(sobject).items() if n != 1}
        if twice:
            problems.append(f"{sobject} created more than once: {dict(list(twice.items())[:5])}")
        missing = set(snap[sobject]) - set(log.creates(sobject))
        if missing:
            problems.append(f"{sobject} never created through the API: {sorted(missing)[:5]}")
    if exact:
        e = feed.expected
        again = {k: n for k, n in log.writes("Task").items() if n != 1}
        if again:
            problems.append(f"Tasks (one per post) written more than once: {dict(again)}")
        leads = {
            k: n
            for k, n in log.writes("Lead").items()
            if k is None or not 1 <= n <= e.lead_posts[k]
        }
        if leads:
            problems.append(f"Leads written more often than their posts: {leads}")
        cases = {
            k: n
            for k, n in log.writes("Case").items()
            if k is None or not 1 <= n <= e.case_posts[k] + e.case_answers[k]
        }
        if cases:
            problems.append(f"Cases written more often than their posts: {cases}")
        contacts = log.creates("Contact")
        if contacts:
            problems.append(f"Contacts created: {dict(contacts)}")
    return problems


def assert_invariant(
    org: LocalOrg,
    clean: Snapshot,
    feed: GeneratedFeed,
    *,
    log: WriteLog | None = None,
    exact_writes: bool = False,
    context: str = "",
    ignore: frozenset[str] = frozenset(),
) -> Snapshot:
    """THE invariant (module docstring); returns the org's snapshot. ``ignore``: fields
    whose value may rightly differ from the clean run's (the caller says why)."""
    snap = snapshot(org)
    problems = feed_problems(snap, feed) + diff(snap, clean, ignore=ignore)
    if log is not None:
        problems += write_problems(log, snap, feed, exact=exact_writes)
    assert not problems, f"{context}\n" + "\n".join(problems)
    return snap

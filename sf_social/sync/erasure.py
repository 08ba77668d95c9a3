"""Erase one person from the org and the local store (design rule 11; ``sf-social erase``).

A person is named by a handle on one network and/or an email address
(:class:`~sf_social.privacy.Person`). One run:

1. finds their Leads (by handle on its network, on LinkedIn also by the profile key of
   that slug, or by email) and the Contacts that are them (``Twitter_Handle__c`` on X,
   ``LinkedIn_Profile_Key__c`` on LinkedIn, or email): one query;
2. erases their local rows (``StateStore.erase_person``): pending plans and dead letters,
   their posts marked ``erased`` in the ledger, their digests on the suppression list;
   this first, so a push running meanwhile cannot write them again;
3. finds the records we wrote about them: their Cases (by the threads and posts the store
   knows, and by handle), the Tasks of their posts, on their Cases and on their Leads: one
   query;
4. deletes or blanks them as the playbook's ``privacy`` section says
   (:class:`ErasurePolicy`; by default Tasks and Leads deleted), with the consents lead
   forms recorded and their Leads' Individuals (:mod:`sf_social.sync.erasure_privacy`,
   two queries where the org has them); Cases are kept for the
   agents with their text, handle, post link, suggested reply and evidence blanked and a
   note; the social fields we wrote on a Contact blanked (the
   Contact itself is the company's customer record: its name and email are not ours to
   erase, the report says so);
5. appends an audit line to the store, without the handle, the email or any name.

``dry_run`` stops after the reads and reports what would be done. Running it again finds
what is left and does only that: the run is idempotent.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, Literal

from sf_social.errors import SfSocialError
from sf_social.logs import event
from sf_social.playbook import Privacy
from sf_social.posts import Network
from sf_social.privacy import Person, handle_digest
from sf_social.salesforce.api import MAX_COLLECTION, Lookup, OrgApi, RecordResult
from sf_social.salesforce.batch import attributes
from sf_social.state import StateStore
from sf_social.state.privacy import LocalErasure, PersonMatch
from sf_social.sync.erasure_privacy import find_privacy_records

log = logging.getLogger(__name__)

ERASED = "[erased]"
"""What replaces a required text (a Lead's name and company, a Case's subject)."""
THREAD_KEY = "Social_Thread_Key__c"
POST_KEY = "Social_Post_Key__c"
PROFILE_KEY = "Social_Profile_Key__c"
LEAD_FIELDS = ("Id", PROFILE_KEY, "Social_Handle__c", "Social_Network__c")
CONTACT_FIELDS = ("Id",)
CASE_FIELDS = ("Id", THREAD_KEY)
TASK_FIELDS = ("Id", POST_KEY)
CONTACT_BLANK: Mapping[str, Any] = {
    "Social_Handle__c": None,
    "Social_Followers__c": None,
    "Social_Influence_Tier__c": None,
    "Social_User_Classes__c": None,
}
"""The social fields the sync writes on a Contact (rule 8)."""
LEAD_BLANK: Mapping[str, Any] = {
    "FirstName": None,
    "LastName": ERASED,
    "Company": ERASED,
    "Title": None,
    "Email": None,
    "Description": None,
    "Social_Handle__c": None,
    "Social_Profile_URL__c": None,
    "Social_Followers__c": None,
    "Social_Influence_Tier__c": None,
    "Social_User_Classes__c": None,
}
INDIVIDUAL_BLANK: Mapping[str, Any] = {"FirstName": None, "LastName": ERASED}
"""An erased Lead's Individual, kept (``privacy.erase_leads: blank``)."""
TASK_BLANK: Mapping[str, Any] = {"Subject": ERASED, "Description": None, "Social_Post_URL__c": None}
Action = Literal["delete", "blank"]


def case_blank(at: datetime) -> dict[str, Any]:
    """A Case's personal fields blanked, with a note for the agents."""
    return {
        "Subject": ERASED,
        "Description": f"Personal data erased on {at:%Y-%m-%d} at the person's request.",
        "Social_Handle__c": None,
        "Social_Post_URL__c": None,
        "Social_Suggested_Reply__c": None,
        "Social_Evidence__c": None,
    }


@dataclass(frozen=True)
class ErasurePolicy:
    """What an erasure does to each kind of record (Cases are always kept, blanked)."""

    leads: Action = "delete"
    tasks: Action = "delete"

    @classmethod
    def of(cls, privacy: Privacy) -> ErasurePolicy:
        """The playbook's ``privacy`` section as a policy."""
        return cls(leads=privacy.erase_leads, tasks=privacy.erase_tasks)


@dataclass
class ErasureReport:
    """What an erasure found and did; no personal data (it becomes the audit line)."""

    dry_run: bool
    local: LocalErasure = field(default_factory=LocalErasure)
    found: dict[str, int] = field(default_factory=dict)
    """Records found per kind: leads, contacts, cases, tasks."""
    done: dict[str, int] = field(default_factory=dict)
    """Records changed: leads_deleted, tasks_blanked, cases_blanked, contacts_blanked..."""
    failed: dict[str, int] = field(default_factory=dict)
    """Records the org refused, per error code (run again after fixing the cause)."""
    api_calls: int = 0

    def detail(self) -> dict[str, Any]:
        """The audit line's fields."""
        return {
            "dry_run": self.dry_run,
            "local": self.local.counts(),
            "org_found": dict(self.found),
            "org_done": dict(self.done),
            "org_failed": dict(self.failed),
            "api_calls": self.api_calls,
        }


@dataclass
class _Person:
    """The person as found so far: handles per network, emails, Leads, Contacts."""

    person: Person
    handles: dict[str, tuple[str, str]] = field(default_factory=dict)
    """Network label → (network value, handle), lower-cased handles."""
    lead_ids: list[str] = field(default_factory=list)
    contact_ids: list[str] = field(default_factory=list)
    profile_keys: set[str] = field(default_factory=set)


class Erasure:
    """Erases people from one org and one store."""

    def __init__(
        self,
        store: StateStore,
        org: OrgApi,
        *,
        policy: ErasurePolicy | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.store = store
        self.org = org
        self.policy = policy or ErasurePolicy()
        self.clock = clock

    def run(self, person: Person, *, dry_run: bool = False) -> ErasureReport:
        """Erase ``person`` (or, with ``dry_run``, only find what would be)."""
        calls = self.org.api_calls
        now = self.clock()
        report = ErasureReport(dry_run=dry_run)
        who = self._people(person)
        match = self._match(who)
        report.local = self.store.erase_person(match, dry_run=dry_run, now=now)
        cases, tasks = self._records(who, report.local)
        privacy = find_privacy_records(self.org, who.lead_ids, who.contact_ids)
        named = frozenset(tasks.values()) - set(report.local.post_keys)
        if named:  # e.g. our replies on their Case: a replay must not write them again
            more = replace(match, post_keys=named)
            also = self.store.erase_person(more, dry_run=dry_run, now=now)
            report.local = also if dry_run else report.local.plus(also)  # a dry run: the whole
        report.found = {
            "leads": len(who.lead_ids),
            "contacts": len(who.contact_ids),
            "cases": len(cases),
            "tasks": len(tasks),
        }
        if privacy.individuals or privacy.consents:  # only where the org keeps them
            report.found.update(
                individuals=len(privacy.individuals), consents=len(privacy.consents)
            )
        if dry_run:
            report.api_calls = self.org.api_calls - calls
            return report
        try:  # the local part is done: the audit line says what the org's part got to
            self._apply(report, "tasks", self.policy.tasks, list(tasks), TASK_BLANK, "Task")
            if privacy.consents:
                self._apply(report, "consents", "delete", privacy.consents, {}, "")
            self._apply(report, "leads", self.policy.leads, who.lead_ids, LEAD_BLANK, "Lead")
            if privacy.individuals:
                individuals, leads = privacy.individuals, self.policy.leads
                self._apply(
                    report, "individuals", leads, individuals, INDIVIDUAL_BLANK, "Individual"
                )
            self._apply(report, "cases", "blank", cases, case_blank(now), "Case")
            self._apply(report, "contacts", "blank", who.contact_ids, CONTACT_BLANK, "Contact")
        except SfSocialError as exc:
            report.failed[f"stopped: {type(exc).__name__}"] = 1
            raise
        finally:
            report.api_calls = self.org.api_calls - calls
            detail = {"network": _network_of(person), "by": _named_by(person), **report.detail()}
            self.store.record_audit("erase", detail, now=now)
            event(log, "erasure", **{k: v for k, v in detail.items() if k != "local"})
        return report

    def _people(self, person: Person) -> _Person:
        who = _Person(person)
        handle = person.clean_handle
        if handle and person.network is not None:
            who.handles[person.network.label] = (person.network.value, handle.casefold())
        lookups = []
        if handle and person.network is not None:
            label = person.network.label
            lookups.append(
                Lookup(
                    "Lead",
                    LEAD_FIELDS,
                    {"Social_Handle__c": (handle,)},
                    {"Social_Network__c": label},
                )
            )
            if person.network is Network.TWITTER:
                lookups.append(Lookup("Contact", CONTACT_FIELDS, {"Twitter_Handle__c": (handle,)}))
            if person.network is Network.LINKEDIN:  # the handle is the profile's slug
                key = f"linkedin:profile:{handle.casefold()}"
                exact = frozenset({PROFILE_KEY})
                lookups.append(Lookup("Lead", LEAD_FIELDS, {PROFILE_KEY: (key,)}, exact=exact))
                by_key = {"LinkedIn_Profile_Key__c": (key,)}
                exact = frozenset(by_key)
                lookups.append(Lookup("Contact", CONTACT_FIELDS, by_key, exact=exact))
        if person.email:
            lookups.append(Lookup("Lead", LEAD_FIELDS, {"Email": (person.email,)}))
            lookups.append(Lookup("Contact", CONTACT_FIELDS, {"Email": (person.email,)}))
        for lookup, found in zip(lookups, self.org.find(lookups), strict=True):
            if found.error is not None:
                raise found.error
            for row in found.rows:
                record_id = str(row["Id"])
                if lookup.sobject == "Contact":
                    _add(who.contact_ids, record_id)
                    continue
                _add(who.lead_ids, record_id)
                if row.get("Social_Profile_Key__c"):
                    who.profile_keys.add(str(row["Social_Profile_Key__c"]))
                network, lead_handle = row.get("Social_Network__c"), row.get("Social_Handle__c")
                if isinstance(network, str) and isinstance(lead_handle, str) and lead_handle:
                    value = network.casefold()
                    who.handles.setdefault(network, (value, lead_handle.casefold()))
        return who

    def _match(self, who: _Person) -> PersonMatch:
        digests = set(who.person.digests())
        needles = list(who.person.needles())
        for value, handle in who.handles.values():
            network = _network(value)
            if network is not None:
                digests.add(handle_digest(network, handle))
            needles.append("@" + handle)
        return PersonMatch(
            frozenset(digests), tuple(dict.fromkeys(needles)), frozenset(who.profile_keys)
        )

    def _records(self, who: _Person, local: LocalErasure) -> tuple[list[str], dict[str, str]]:
        """The Ids of their Cases, then the post key by Id of the Tasks of their posts,
        Cases and Leads."""
        case_lookups = [
            Lookup(
                "Case", CASE_FIELDS, {"Social_Handle__c": (handle,)}, {"Social_Network__c": label}
            )
            for label, (_, handle) in who.handles.items()
        ]
        if local.case_keys:
            case_lookups.append(
                Lookup(
                    "Case",
                    CASE_FIELDS,
                    {THREAD_KEY: local.case_keys},
                    exact=frozenset({THREAD_KEY}),
                )
            )
        cases: list[str] = []
        for found in self.org.find(case_lookups) if case_lookups else ():
            if found.error is not None:
                raise found.error
            for row in found.rows:
                _add(cases, str(row["Id"]))
        task_in = {
            POST_KEY: tuple(local.post_keys),
            "WhatId": tuple(cases),
            "WhoId": tuple(who.lead_ids),
        }
        lookup = Lookup("Task", TASK_FIELDS, task_in, exact=frozenset({POST_KEY}))
        tasks: dict[str, str] = {}
        if not lookup.empty:
            (found,) = self.org.find([lookup])
            if found.error is not None:
                raise found.error
            for row in found.rows:  # ours only: an agent's own Task is theirs
                if row.get(POST_KEY):
                    tasks[str(row["Id"])] = str(row[POST_KEY])
        return cases, tasks

    def _apply(
        self,
        report: ErasureReport,
        kind: str,
        action: Action,
        ids: Sequence[str],
        blank: Mapping[str, Any],
        sobject: str,
    ) -> None:
        done = 0
        for start in range(0, len(ids), MAX_COLLECTION):
            chunk = ids[start : start + MAX_COLLECTION]
            results: list[RecordResult]
            if action == "delete":
                results = self.org.delete(chunk)
            else:
                values = {**attributes(sobject), **blank}
                results = self.org.update(sobject, [{"Id": i, **values} for i in chunk])
            for result in results:
                if result.success:
                    done += 1
                elif result.error is not None and result.error.code == "ENTITY_IS_DELETED":
                    continue  # already gone: the erasure holds
                else:
                    code = result.error.code if result.error else "UNKNOWN"
                    report.failed[code] = report.failed.get(code, 0) + 1
        report.done[f"{kind}_{'deleted' if action == 'delete' else 'blanked'}"] = done


def _add(ids: list[str], record_id: str) -> None:
    if record_id not in ids:
        ids.append(record_id)


def _network(value: str) -> Network | None:
    """The network of a stored value or a ``Social_Network__c`` label."""
    for network in Network:
        if value in (network.value, network.label.casefold()):
            return network
    return None


def _network_of(person: Person) -> str | None:
    return person.network.value if person.network is not None else None


def _named_by(person: Person) -> str:
    """``handle``, ``email`` or ``handle+email``: how the request named the person."""
    return "+".join(n for n, v in (("handle", person.handle), ("email", person.email)) if v)

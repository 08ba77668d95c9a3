"""Benchmark lead forms: 10,000 notifications, duplicated, dropped and reordered, to the org.

Usage: scripts/bench-leads [--responses N] [--duplicate F] [--drop F] [--reorder F]
                           [--seed N]

Half the responses are Meta Lead Ads, half LinkedIn Lead Gen Forms, from people of whom
about one in five submits two forms (one Lead per person, across networks); 1% are test
submissions (LinkedIn's ``testLead``; on Meta an address the playbook's ``test_emails``
lists). The networks are the local twins (``sf_social.testing.graph_leads``,
``linkedin_leads``), the org the in-memory org behind the real writer (API calls counted as
the REST adapter makes them); nothing sleeps, nothing goes over a network.

1. **Deliveries**: the twins' webhooks as delivered — ``--duplicate`` of them twice,
   ``--drop`` never, ``--reorder`` swapped with a later one (defaults 10%, 5%, 5%) — each
   through the code the receiver runs once a signature is good (``split_events`` for Meta,
   the ``/linkedin`` route's ``events``) into a spool.
2. **Ours**: ``leads sync`` (both lead sources in one pass), then ``leads reconcile`` of both
   networks. Checked: one Task per real response, one Lead per person, every dropped
   response found by the reconciliation, no test lead written.
3. **Naive**: what the webhook-to-Lead tools do — per delivered notification, fetch the
   response and create a Lead (one network call, one Salesforce call), nothing else.

Nothing is written into benchmarks/README.md; copy the numbers from the output.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import responses

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sf_social.lead_forms import LeadFormRules, form_lead_key  # noqa: E402
from sf_social.privacy import email_digest  # noqa: E402
from sf_social.retry import RetryPolicy  # noqa: E402
from sf_social.sources.facebook.graph import GraphApi, PageToken  # noqa: E402
from sf_social.sources.facebook.lead_pull import MetaLeadPull  # noqa: E402
from sf_social.sources.facebook.leadgen import to_response as meta_response  # noqa: E402
from sf_social.sources.facebook.leads import FacebookLeadSource  # noqa: E402
from sf_social.sources.facebook.normalize import split_events  # noqa: E402
from sf_social.sources.facebook.spool import WebhookSpool  # noqa: E402
from sf_social.sources.linkedin_api.client import LinkedInApi, LinkedInCredentials  # noqa: E402
from sf_social.sources.linkedin_api.lead_pull import LinkedInLeadPull  # noqa: E402
from sf_social.sources.linkedin_api.lead_sync import LinkedInLeadSource  # noqa: E402
from sf_social.sources.linkedin_api.lead_sync import to_response as li_response  # noqa: E402
from sf_social.sources.linkedin_api.lead_webhook import LinkedInLeadRoute  # noqa: E402
from sf_social.sync.lead_reconcile import ReconcileReport, Tally  # noqa: E402
from sf_social.sync.passes import sync_pass  # noqa: E402
from sf_social.testing.graph_leads import GraphLeadsTwin  # noqa: E402
from sf_social.testing.linkedin_leads import LinkedInLeadsTwin  # noqa: E402
from sf_social.testing.memory_org import InMemoryOrg  # noqa: E402
from tests.sync.conftest import memory_engine  # noqa: E402

TEST_DOMAIN = "qa.northwind.example"


def people(count: int, rng: random.Random) -> list[str]:
    """The email of each response: about one person in five submits twice."""
    emails: list[str] = []
    person = 0
    while len(emails) < count:
        person += 1
        if rng.random() < 0.01:
            emails.append(f"tester{person}@{TEST_DOMAIN}")
            continue
        emails += [f"person{person}@example.org"] * (2 if rng.random() < 0.25 else 1)
    rng.shuffle(emails)
    return emails[:count]


@dataclass
class Workload:
    """The twins holding the responses, and what a perfect sync must write."""

    meta: GraphLeadsTwin
    linkedin: LinkedInLeadsTwin
    meta_ids: list[str]
    li_urns: list[str]
    tests: set[str]
    """Task keys of the test submissions."""
    persons: set[str]

    def key(self, ident: str) -> str:
        """The Task key of a Meta lead id or a LinkedIn response URN."""
        if ident.startswith("urn:li:"):
            return f"linkedin:lead:{ident.rsplit(':', 1)[-1]}"
        return f"facebook:lead:{ident}"

    @property
    def real(self) -> set[str]:
        return {self.key(i) for i in [*self.meta_ids, *self.li_urns]} - self.tests


def workload(count: int, rng: random.Random) -> Workload:
    meta, linkedin = GraphLeadsTwin(), LinkedInLeadsTwin()
    form_li = linkedin.add_form("Demo request")
    work = Workload(meta, linkedin, [], [], set(), set())
    for n, email in enumerate(people(count, rng)):
        test = email.endswith(TEST_DOMAIN)
        if n % 2:
            answers = {"full_name": f"Person {n}", "email": email, "company_name": "Acme"}
            ident = meta.add_lead(f"form{n % 3}", answers)
            work.meta_ids.append(ident)
        else:
            answers = {"FIRST_NAME": "Person", "LAST_NAME": str(n), "EMAIL": email}
            ident = linkedin.add_response(form_li, answers, test=test)
            work.li_urns.append(ident)
        if test:
            work.tests.add(work.key(ident))
        else:
            work.persons.add(email_digest(email))
    return work


@contextmanager
def twins(work: Workload) -> Iterator[None]:
    """Both twins answering in one ``responses`` mock (two mocks would not nest)."""
    mock = responses.RequestsMock(assert_all_requests_are_fired=False)
    with mock as rsps, work.meta.mock(rsps), work.linkedin.mock(rsps):
        yield


def receive(work: Workload, delivered: list[str], fb: WebhookSpool, li: WebhookSpool) -> None:
    """Each delivery through what the receiver runs once its signature is good."""
    route = LinkedInLeadRoute(work.linkedin.client_secret, li.add)
    for ident in delivered:
        if ident.startswith("urn:li:"):
            body, _ = work.linkedin.notification(ident)
            route.store(route.events(json.loads(body)))
        else:
            entry = {"id": work.meta.page_id, "changes": [work.meta.change(ident)]}
            fb.add(split_events({"object": "page", "entry": [entry]}))


def naive(work: Workload, delivered: list[str]) -> tuple[float, int, int, int]:
    """Per delivery: fetch, create a Lead. Seconds, network calls, Salesforce calls, Leads."""
    graph = GraphApi(PageToken(work.meta.token), policy=RetryPolicy.instant())
    li_api = LinkedInApi(LinkedInCredentials(work.linkedin.token), policy=RetryPolicy.instant())
    org = InMemoryOrg()
    fetches = 0
    started = time.monotonic()
    with twins(work):
        for ident in delivered:
            fetches += 1
            if ident.startswith("urn:li:"):
                path = f"leadFormResponses/{ident.rsplit(':', 1)[-1]}"
                data = li_api.get_json("naive", path, "GET /leadFormResponses")
                form = li_api.get_json("naive", "leadForms/6000001", "GET /leadForms")
                fetches += 1
                response = li_response(data, form)
            else:
                response = meta_response(graph.lead("naive", ident))
            org.add("Lead", Email=response.email, LastName="x", Key=form_lead_key(response))
    return time.monotonic() - started, fetches, len(delivered), len(org.records["Lead"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--responses", type=int, default=10_000)
    parser.add_argument("--duplicate", type=float, default=0.10)
    parser.add_argument("--drop", type=float, default=0.05)
    parser.add_argument("--reorder", type=float, default=0.05)
    parser.add_argument("--seed", type=int, default=20)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    work = workload(args.responses, rng)
    shape = {"duplicate": args.duplicate, "drop": args.drop, "reorder": args.reorder}
    idents = [*work.meta_ids, *work.li_urns]
    rng.shuffle(idents)
    delivered = GraphLeadsTwin.deliveries(idents, seed=args.seed, **shape)
    dropped = {work.key(i) for i in set(idents) - set(delivered)}

    with tempfile.TemporaryDirectory() as folder:
        fb_spool = WebhookSpool(Path(folder) / "facebook.db")
        li_spool = WebhookSpool(Path(folder) / "linkedin.db")
        started = time.monotonic()
        receive(work, delivered, fb_spool, li_spool)
        received = time.monotonic() - started
        graph = GraphApi(PageToken(work.meta.token), policy=RetryPolicy.instant())
        li_api = LinkedInApi(LinkedInCredentials(work.linkedin.token), policy=RetryPolicy.instant())
        engine, org, store = memory_engine([])
        pipeline = engine.intake.pipeline
        rules = LeadFormRules(test_emails=[f"*@{TEST_DOMAIN}"])
        pipeline.playbook = pipeline.playbook.model_copy(update={"lead_forms": rules})
        sources = [
            FacebookLeadSource(fb_spool, graph, work.meta.page_id),
            LinkedInLeadSource(li_spool, li_api),
        ]
        since = datetime.now(UTC) - timedelta(days=7)
        since = min(since, datetime(2026, 11, 1, tzinfo=UTC))
        report = ReconcileReport(since=since)
        pulls = [
            Tally(MetaLeadPull(graph, work.meta.page_id, since), store, report, rules),
            Tally(LinkedInLeadPull(li_api, work.linkedin.owner, since), store, report, rules),
        ]
        with twins(work):
            started = time.monotonic()
            errors = dict(sync_pass(engine, sources).errors)
            synced = time.monotonic() - started
            sf_sync = org.api_calls
            net_sync = sum(work.meta.calls.values()) + sum(work.linkedin.calls.values())
            started = time.monotonic()
            errors.update(sync_pass(engine, pulls).errors)
            reconciled = time.monotonic() - started
        net_all = sum(work.meta.calls.values()) + sum(work.linkedin.calls.values())
        fb_spool.close()
        li_spool.close()
    tasks = {t["Social_Post_Key__c"] for t in org.records.get("Task", {}).values()}
    task_count = len(org.records.get("Task", {}))
    leads = len(org.records.get("Lead", {}))
    naive_seconds, naive_net, naive_sf, naive_leads = naive(work, delivered)

    for source, error in errors.items():
        print(f"error in {source}: {error}")
    ok = {
        "one Task per real response": tasks == work.real and task_count == len(work.real),
        "one Lead per person": leads == len(work.persons),
        "every dropped response found": report.found == len(dropped - work.tests),
        "no test lead written": not tasks & work.tests,
    }
    print(f"python {platform.python_version()} on {platform.machine()}")
    print(
        f"{args.responses:,} responses ({len(work.tests)} tests, {len(work.persons):,} people),"
        f" {len(delivered):,} notifications delivered ({args.duplicate:.0%} duplicated,"
        f" {args.drop:.0%} dropped = {len(dropped)}, {args.reorder:.0%} reordered)"
    )
    print(f"receive into the spools: {received:.1f} s")
    print(
        f"ours, leads sync: {synced:.1f} s, {sf_sync} Salesforce calls, {net_sync:,} network calls"
    )
    print(
        f"ours, reconcile: {reconciled:.1f} s, {org.api_calls - sf_sync} Salesforce calls,"
        f" {net_all - net_sync} network calls, {report.found} missed responses found"
    )
    print(f"ours: {task_count:,} Tasks, {leads:,} Leads")
    for check, good in ok.items():
        print(f"  {check}: {'OK' if good else 'WRONG'}")
    print(
        f"naive (fetch + create a Lead per notification): {naive_seconds:.1f} s,"
        f" {naive_sf:,} Salesforce calls, {naive_net:,} network calls; {naive_leads:,} Leads"
        f" for {len(work.persons):,} people, {len(dropped)} responses never written,"
        f" {len({work.key(i) for i in delivered} & work.tests)} test submissions written"
    )
    sys.exit(0 if all(ok.values()) else 1)


if __name__ == "__main__":
    main()

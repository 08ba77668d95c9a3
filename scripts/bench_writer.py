"""Benchmark the Salesforce writer against the local org over loopback HTTPS.

Usage: scripts/bench-writer [--records N] [--naive-cap N] [--latency S] [--batch PLANS]
                            [--backfill N] [--skip-backfill]

Three runs, each on a fresh local org (``sf_social.testing``) served over HTTPS on
127.0.0.1 with its own CA and ``--latency`` seconds added to every answer:

1. sf_social's writer: ``--records`` planned records (Cases, Leads, Tasks, with identity
   lookups against seeded Contacts) written in batches of ``--batch`` plans, as the sync
   engine drains its outbox;
2. a naive writer on the same plans: per record one lookup query and one
   ``sf.<Object>.create`` (simple-salesforce). It is capped at ``--naive-cap`` records and
   its time extrapolated linearly to ``--records`` — the output says so;
3. a backfill of ``--backfill`` records in one ``write`` (Bulk API 2.0 above 2,000 records
   of one sObject).

API calls are counted by the org (every call that reaches it), wall time by the clock.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from pydantic import SecretStr

from sf_social.classification import (
    Classification,
    InfluenceTier,
    Priority,
    Segment,
    Sentiment,
)
from sf_social.plan import AuthorIdentity, PlannedWrite, RecordPlan
from sf_social.posts import Network
from sf_social.records import CaseRecord, LeadRecord, Reference, TaskRecord
from sf_social.salesforce import BulkPolicy, SalesforceWriter, WriterConfig, WriteReport, soql
from sf_social.salesforce_settings import SalesforceSettings
from sf_social.testing import LocalOrg, LocalOrgServer

QUEUES = ("Social_Technical_Support", "Social_Sales")
SNOWFLAKE = 1_860_000_000_000_000_000


# -- plans ------------------------------------------------------------------------------


def _classification(segment: Segment) -> Classification:
    return Classification(
        segment=segment,
        complaint=False,
        sentiment=Sentiment.NEUTRAL,
        sentiment_score=0.0,
        influence_tier=InfluenceTier.OVER_100,
        priority=Priority.MEDIUM,
    )


def _identity(author: int) -> AuthorIdentity:
    return AuthorIdentity(
        network=Network.TWITTER,
        user_id=f"u{author}",
        handle=f"fan{author}",
        profile_url=f"https://x.com/fan{author}",
        lead_key=f"twitter:user:u{author}",
    )


def make_plans(
    records: int, authors: int, seed: int = 11, threads_only: bool = False
) -> list[RecordPlan]:
    """Plans totalling ``records`` planned writes: Case threads (some replies), Leads, praise."""
    rng = random.Random(seed)
    plans: list[RecordPlan] = []
    threads: list[str] = []
    total, post = 0, 0
    while total < records:
        post += 1
        post_id = str(SNOWFLAKE + post)  # X ids are 19 digits: keys as long as real ones
        author = rng.randint(1, authors)
        ident = _identity(author)
        roll = 0.0 if threads_only else rng.random()
        writes: list[PlannedWrite] = []
        segment = Segment.REQUEST
        if roll < 0.5 or records - total < 2:
            reply = bool(threads) and not threads_only and rng.random() < 0.3
            root = rng.choice(threads) if reply else post_id
            if not reply:
                threads.append(root)
            key = f"twitter:thread:{root}"
            case = CaseRecord(
                thread_key=key,
                subject=f"@fan{author}: the app crashes on deposit (post {post_id})",
                description="still can't get mobile deposit to work " * 3,
                origin="Twitter",
                type="Problem",
                priority="Medium",
                status="New",
                segment="Request",
                network="Twitter",
                handle=f"fan{author}",
                post_url=f"https://x.com/fan{author}/status/{post_id}",
                influence_tier="100+ Followers",
            )
            task = TaskRecord(
                post_key=f"twitter:{post_id}",
                subject="Tweet",
                status="Completed",
                network="Twitter",
                post_url=f"https://x.com/fan{author}/status/{post_id}",
                what=Reference(sobject="Case", key_field="Social_Thread_Key__c", key=key),
            )
            writes = [PlannedWrite(record=case, owner_queue=QUEUES[0]), PlannedWrite(record=task)]
        elif roll < 0.7:
            segment = Segment.LEAD
            assert ident.lead_key
            lead = LeadRecord(
                profile_key=ident.lead_key,
                last_name=f"Fan {author}",
                lead_source="Twitter",
                segment="Lead",
                network="Twitter",
                handle=f"fan{author}",
                followers=rng.randint(20, 50_000),
                influence_tier="100+ Followers",
            )
            task = TaskRecord(
                post_key=f"twitter:{post_id}",
                subject="Tweet",
                status="Completed",
                network="Twitter",
                who=Reference(
                    sobject="Lead", key_field="Social_Profile_Key__c", key=ident.lead_key
                ),
            )
            writes = [PlannedWrite(record=lead, owner_queue=QUEUES[1]), PlannedWrite(record=task)]
        else:
            segment = Segment.PRAISE
            writes = [
                PlannedWrite(
                    record=TaskRecord(
                        post_key=f"twitter:{post_id}",
                        subject="Tweet",
                        status="Completed",
                        network="Twitter",
                    )
                )
            ]
        total += len(writes)
        plans.append(
            RecordPlan(
                post_key=f"twitter:{post_id}",
                network=Network.TWITTER,
                post_id=str(post),
                classification=_classification(segment),
                identity=ident,
                writes=writes,
            )
        )
    return plans


def planned_records(plans: list[RecordPlan]) -> int:
    return sum(len(p.writes) for p in plans)


# -- orgs -------------------------------------------------------------------------------


@dataclass
class Served:
    org: LocalOrg
    server: LocalOrgServer

    def settings(self) -> SalesforceSettings:
        return SalesforceSettings(
            instance_url=self.server.url, access_token=SecretStr(self.org.access_token), timeout=60
        )


def serve(latency: float, contacts: int = 0, authors: int = 1) -> Iterator[Served]:
    org = LocalOrg(seed=1, daily_limit=5_000_000)
    for queue in QUEUES:
        org.add_queue(queue)
    for author in random.Random(5).sample(range(1, authors + 1), contacts):
        org.insert("Contact", LastName=f"Fan {author}", Twitter_Handle__c=f"fan{author}")
    with org.serve() as server:
        os.environ["REQUESTS_CA_BUNDLE"] = str(server.ca_file)
        org.faults.latency = latency
        yield Served(org, server)


# -- contenders -------------------------------------------------------------------------


@dataclass
class Result:
    records: int
    seconds: float
    calls: int
    failures: int = 0

    @property
    def rate(self) -> float:
        return self.records / self.seconds if self.seconds else float("inf")


def run_writer(
    served: Served, plans: list[RecordPlan], batch: int
) -> tuple[Result, list[WriteReport]]:
    before = served.org.api_calls
    start = time.perf_counter()
    writer = SalesforceWriter.connect(
        served.settings(),
        WriterConfig(),
        bulk=BulkPolicy(poll_initial=0.05, poll_max=1.0),
    )
    writer.begin_pass()
    reports = [writer.write(plans[i : i + batch]) for i in range(0, len(plans), batch)]
    seconds = time.perf_counter() - start
    failures = sum(1 for r in reports for o in r.outcomes if o.failure is not None)
    calls = served.org.api_calls - before
    return Result(planned_records(plans), seconds, calls, failures), reports


def run_naive(served: Served, plans: list[RecordPlan], cap: int) -> Result:
    """Per record: one lookup query, then one ``sf.<Object>.create``."""
    from simple_salesforce.api import Salesforce

    sf: Any = Salesforce(
        instance_url=served.server.url, session_id=served.org.access_token, version="63.0"
    )
    queues = {
        row["DeveloperName"]: row["Id"]
        for row in sf.query("SELECT Id, DeveloperName FROM Group WHERE Type = 'Queue'")["records"]
    }
    before = served.org.api_calls
    created: dict[str, str] = {}
    done = 0
    start = time.perf_counter()
    for plan in plans:
        for write in plan.writes:
            if done >= cap:
                break
            record = write.record
            key_field = record.key_field
            found = sf.query(
                f"SELECT Id FROM {record.sobject} WHERE {key_field} = {soql.quote(record.key)}"
            )["records"]
            fields = {k: v for k, v in record.api_fields().items() if k not in ("Who", "What")}
            if isinstance(record, TaskRecord):
                for name, ref in (("WhoId", record.who), ("WhatId", record.what)):
                    if ref is not None and ref.key in created:
                        fields[name] = created[ref.key]
            if write.owner_queue:
                fields["OwnerId"] = queues[write.owner_queue]
            if not found:
                created[record.key] = getattr(sf, record.sobject).create(fields)["id"]
            done += 1
    seconds = time.perf_counter() - start
    return Result(done, seconds, served.org.api_calls - before)


# -- report -----------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--naive-cap", type=int, default=500)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--batch", type=int, default=2_000, help="plans per write() call")
    parser.add_argument("--backfill", type=int, default=100_000)
    parser.add_argument("--skip-backfill", action="store_true")
    parser.add_argument("--skip-naive", action="store_true")
    args = parser.parse_args()

    authors = max(10, args.records // 4)
    plans = make_plans(args.records, authors)
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    print(
        f"workload: {planned_records(plans):,} planned records in {len(plans):,} plans"
        f" ({authors:,} authors, {authors // 10:,} of them known Contacts);"
        f" {args.latency * 1000:.0f} ms latency per call, loopback HTTPS"
    )

    for served in serve(args.latency, contacts=authors // 10, authors=authors):
        ours, _ = run_writer(served, plans, args.batch)
        counts = {s: served.org.count(s) for s in ("Lead", "Case", "Task")}
        print(
            f"\nsf_social writer: {ours.records:,} records in {ours.seconds:.1f} s"
            f" = {ours.rate:,.0f} records/s; {ours.calls} API calls"
            f" ({ours.calls / ours.records * 100:.2f} per 100 records, lookups included);"
            f" {ours.failures} failures; org now holds {counts}"
        )
        by_kind: dict[str, int] = {}
        for call in served.org.calls:
            kind = call.path.split("/services/data/v63.0/")[-1].split("/")[0] or call.path
            by_kind[kind] = by_kind.get(kind, 0) + 1
        print(f"  calls by resource: {dict(sorted(by_kind.items()))}")

    for served in serve(args.latency, contacts=authors // 10, authors=authors):
        if args.skip_naive:
            break
        naive = run_naive(served, plans, args.naive_cap)
        full = naive.seconds / naive.records * ours.records
        print(
            f"\nnaive writer (query + create per record): {naive.records:,} records in"
            f" {naive.seconds:.1f} s = {naive.rate:,.1f} records/s; {naive.calls} API calls"
            f" ({naive.calls / naive.records * 100:.0f} per 100 records)"
        )
        if naive.records < ours.records:
            print(
                f"  capped at {naive.records:,} records: EXTRAPOLATED linearly to"
                f" {ours.records:,} records = {full:,.0f} s and"
                f" {naive.calls / naive.records * ours.records:,.0f} API calls"
            )
        print(
            f"  speed-up: {full / ours.seconds:,.0f}x faster,"
            f" {naive.calls / naive.records * ours.records / ours.calls:,.0f}x fewer API calls"
        )

    if not args.skip_backfill:
        backfill_plans = make_plans(
            args.backfill, max(10, args.backfill // 10), seed=23, threads_only=True
        )
        for served in serve(args.latency):
            result, _ = run_writer(served, backfill_plans, len(backfill_plans))
            counts = {s: served.org.count(s) for s in ("Case", "Task")}
            jobs = served.org.call_count(path="/jobs/ingest")
            print(
                f"\nbackfill: {result.records:,} records in one write(): {result.seconds:.1f} s"
                f" = {result.rate:,.0f} records/s; {result.calls} API calls"
                f" ({jobs} of them Bulk API 2.0); {result.failures} failures; org holds {counts}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())

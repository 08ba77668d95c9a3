"""The live demo: the sample feed through the real pipeline into the local org, three times.

1. A first sync: a temporary SQLite state file, the bundled sample feed as a JSONL source,
   the local org emulator (:class:`~sf_social.testing.LocalOrg`) served over HTTPS on
   loopback with the default playbook's queues and the ``metadata/`` package's fields.
   Prints what landed: Cases, Leads and Tasks by segment and by team, and the API calls.
2. The same feed read again from its first line with the same state: the ledger knows
   every post, nothing is planned, no API call is made.
3. As if the local database were lost: a fresh state file, the same org. Every post is
   planned and sent again, and the upserts by external id find the records: the same
   counts, nothing created twice.
4. A complaint answered from Salesforce (:mod:`sf_social.cli.demo_replies`): its Case, an
   approved reply posted once on the local X, the Case's minutes to respond.
5. Lead forms (:mod:`sf_social.cli.demo_leads`): LinkedIn and Meta form responses of one
   person become one Lead, repeats change nothing, a dropped webhook is found by
   reconciliation.
"""

from __future__ import annotations

import tempfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
from pydantic import SecretStr

from sf_social.cli.demo_leads import show_lead_forms
from sf_social.cli.demo_replies import answer_a_complaint
from sf_social.config import Config, JsonlSourceConfig, StateConfig
from sf_social.playbook import Playbook, load_playbook
from sf_social.records import KEY_FIELDS
from sf_social.salesforce.connection import TimeoutSession
from sf_social.salesforce.rest import RestOrgApi
from sf_social.salesforce.writer import SalesforceWriter
from sf_social.salesforce_settings import SalesforceSettings
from sf_social.sync.passes import sync_pass
from sf_social.sync.runtime import Connect, OrgLink, Runtime, writer_config

SOBJECTS = ("Case", "Lead", "Task")
SOURCE = "sample-feed"


@dataclass
class RunResult:
    """One run of the demo: the pass's line and the API calls the org counted."""

    summary: str
    new: int
    api_calls: int
    counts: dict[str, int]


def _loopback(ca_file: Path) -> Connect:
    """Log in to the local org, trusting its certificate (and no proxy or CA variable)."""

    def connect(config: Config, playbook: Playbook) -> OrgLink:
        http = TimeoutSession(config.salesforce.timeout)
        http.verify = str(ca_file)
        http.trust_env = False
        writer = SalesforceWriter.connect(
            config.salesforce, writer_config(config, playbook), http=http
        )
        return OrgLink(writer, writer.api)

    return connect


def run_demo(feed: Path, playbook_path: Path | None, echo: Callable[[str], None]) -> bool:
    """Run the three passes, print what happened; ``True`` when nothing was duplicated."""
    from sf_social.testing import LocalOrg  # the emulator (and its TLS) only for the demo

    playbook = load_playbook(playbook_path)
    org = LocalOrg()
    for queue in sorted({*playbook.routing.teams.values(), playbook.routing.review_queue}):
        org.add_queue(queue)
    with tempfile.TemporaryDirectory(prefix="sf-social-demo-") as folder, org.serve() as server:
        settings = SalesforceSettings(
            instance_url=server.url, access_token=SecretStr(org.access_token)
        )
        connect = _loopback(server.ca_file)

        def config(state: str, source: Path = feed, name: str = SOURCE) -> Config:
            return Config(
                playbook=playbook_path,
                state=StateConfig(url=f"sqlite:///{Path(folder) / state}"),
                salesforce=settings,
                sources=[JsonlSourceConfig(path=source, name=name)],
            )

        echo(
            f"sf-social demo: {feed.name} through the real pipeline, twice more to show idempotence"
        )
        echo(f"  state: SQLite file in {folder}")
        echo(f"  org:   the local Salesforce org emulator at {server.url} (HTTPS on loopback)")
        echo("")
        first = _run(org, config("state.db"), connect, rewind=False)
        echo("run 1: a first sync")
        echo(f"  {first.summary}")
        echo(f"  API calls used: {first.api_calls}")
        echo("")
        if not first.new:
            echo(f"{feed} holds no post the demo could read (see the lines above): nothing to show")
            return False
        echo(landed(org, playbook))
        echo("")
        second = _run(org, config("state.db"), connect, rewind=True)
        echo("run 2: the same feed read again from its first line, same state")
        echo(f"  {second.summary}")
        echo(f"  API calls used: {second.api_calls}; records: {_counts(second.counts)}")
        echo("")
        third = _run(org, config("fresh.db"), connect, rewind=False)
        echo("run 3: as if the local database were lost (fresh state file, same org)")
        echo(f"  {third.summary}")
        echo(f"  API calls used: {third.api_calls}; records: {_counts(third.counts)}")
        echo("")
        link = connect(config("state.db"), playbook)
        assert isinstance(link.org, RestOrgApi)
        answered = answer_a_complaint(
            org,
            server.url,
            link.org,
            lambda path: _run(org, config("state.db", path, path.stem), connect, rewind=False),
            Path(folder),
            playbook,
            echo,
        )
        echo("")
        leads = show_lead_forms(
            org, server.url, lambda: config("leads.db"), connect, Path(folder), echo
        )
        twins = duplicates(org)
    same = first.counts == second.counts == third.counts
    if twins or not same or second.new:
        echo(f"DUPLICATES: {twins or 'record counts changed'}")
        return False
    if not answered:
        echo("THE REPLY: not posted exactly once, or the Case not timed (see run 4)")
        return False
    if not leads:
        echo("THE LEAD FORMS: not one Lead per person and one Task per response (see run 5)")
        return False
    echo(
        "nothing duplicated: run 2 planned nothing and made no call; run 3 updated the records"
        " it found by external id instead of creating twins; run 4 posted the approved reply"
        " once and timed its Case; run 5 made one Lead per person from both networks' forms"
    )
    return True


def _run(org: Any, config: Config, connect: Connect, *, rewind: bool) -> RunResult:
    calls = org.api_calls
    runtime = Runtime(config, connect=connect)
    try:
        runtime.lock()
        engine = runtime.connect()
        if rewind:
            runtime.store.commit_batch(SOURCE, {}, [], [])  # read the feed from its start
        report = sync_pass(engine)
    finally:
        runtime.close()
    counts = {s: org.count(s) for s in SOBJECTS}
    new = sum(c.new for c in report.intake.values())
    return RunResult(report.summary(), new, org.api_calls - calls, counts)


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{n} {s}s" for s, n in counts.items()) + " (unchanged)"


def landed(org: Any, playbook: Playbook) -> str:
    """Cases, Leads and Tasks by segment, and Cases and Leads by team (owner queue)."""
    queues = {g["Id"]: g["DeveloperName"] for g in org.records("Group")}
    team_of = {queue: team for team, queue in playbook.routing.teams.items()}
    team_of[playbook.routing.review_queue] = "review"
    by_segment: dict[str, Counter[str]] = {}
    by_team: dict[str, Counter[str]] = {}
    for sobject in SOBJECTS:
        for record in org.records(sobject):
            segment = record.get("Social_Segment__c") or "(none)"
            by_segment.setdefault(segment, Counter())[sobject] += 1
            queue = queues.get(record.get("OwnerId"))
            if sobject != "Task" and queue is not None:
                by_team.setdefault(f"{team_of.get(queue, queue)} ({queue})", Counter())[
                    sobject
                ] += 1
    lines = ["what landed in the org, by segment:"]
    lines += _grid(by_segment, SOBJECTS)
    lines += ["", "by team (owner queue):"]
    lines += _grid(by_team, ("Case", "Lead"))
    return "\n".join(lines)


def _grid(rows: dict[str, Counter[str]], columns: tuple[str, ...]) -> list[str]:
    width = max([len(k) for k in rows] + [5])
    out = ["  " + "".ljust(width) + "".join(f"{c + 's':>8}" for c in columns)]
    for key in sorted(rows):
        out.append("  " + key.ljust(width) + "".join(f"{rows[key][c]:>8}" for c in columns))
    totals = Counter[str]()
    for counter in rows.values():
        totals.update(counter)
    out.append("  " + "total".ljust(width) + "".join(f"{totals[c]:>8}" for c in columns))
    return out


def duplicates(org: Any) -> list[str]:
    """External ids held by more than one record (there must be none)."""
    twins = []
    for sobject, field in KEY_FIELDS.items():
        keys = Counter(r.get(field) for r in org.records(sobject) if r.get(field))
        twins += [f"{sobject} {k} x{n}" for k, n in keys.items() if n > 1]
    return twins


def echo(line: str) -> None:
    click.echo(line)

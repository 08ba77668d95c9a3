"""``sf-social erase --network N --handle H | --email E [--dry-run]``: a person's right to
erasure, in the org and the local store (see :mod:`sf_social.sync.erasure`)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from sf_social.cli.common import config_option, load, plural
from sf_social.posts import Network
from sf_social.privacy import Person
from sf_social.sync.erasure import Erasure, ErasurePolicy, ErasureReport
from sf_social.sync.runtime import Runtime

NETWORKS = [n.value for n in Network]


@click.command()
@click.option("--network", type=click.Choice(NETWORKS), help="The network of --handle.")
@click.option("--handle", help="The person's handle on --network (with or without @).")
@click.option("--email", help="The person's email address (Leads and Contacts carry it).")
@click.option("--dry-run", is_flag=True, help="Show what would be erased; change nothing.")
@config_option
def erase(
    network: str | None,
    handle: str | None,
    email: str | None,
    dry_run: bool,
    config_path: Path | None,
) -> None:
    """Erase a person from the org and the local state (a GDPR/CCPA request).

    Finds their Leads, Tasks and Cases (and the Contacts that are them) and the local rows
    of their posts; deletes their Leads and Tasks (the playbook's privacy section may say
    blank instead), blanks the text, handle and links of
    their Cases (kept for the agents, with a note) and our social fields on their
    Contacts; drops their pending writes and dead letters; and puts a hashed entry on the
    suppression list, so their later posts are never synced. Writes an audit line without
    personal data. Idempotent. Exit 0 when done, 1 when the org refused some records (run
    it again after fixing the cause).
    """
    try:
        person = Person(Network(network) if network else None, handle, email)
    except ValueError as exc:  # no person, a handle without its network, a malformed one
        raise click.UsageError(str(exc)) from None
    runtime = Runtime(load(config_path))
    try:
        runtime.connect()
        policy = ErasurePolicy.of(runtime.pipeline.playbook.privacy)
        erasure = Erasure(runtime.store, runtime.org, policy=policy)
        report = erasure.run(person, dry_run=dry_run)
    finally:
        runtime.close()
    for line in describe(report, policy):
        click.echo(line)
    if report.failed:
        sys.exit(1)


def describe(report: ErasureReport, policy: ErasurePolicy) -> list[str]:
    """What the erasure found and did (or would do), in lines for people."""
    found, local = report.found, report.local
    verb = "to mark" if report.dry_run else "marked"
    lines = [
        "dry run: nothing changed" if report.dry_run else "erased",
        f"  org: {plural(found.get('leads', 0), 'Lead')} ({policy.leads}),"
        f" {plural(found.get('tasks', 0), 'Task')} ({policy.tasks}),"
        f" {plural(found.get('cases', 0), 'Case')} (blank, kept with a note),"
        f" {plural(found.get('contacts', 0), 'Contact')} (our social fields blanked)",
        f"  local: {plural(len(local.post_keys), 'post')} {verb} erased in the ledger;"
        f" {plural(local.outbox, 'pending write')}, {plural(local.dead_letters, 'dead letter')}"
        f" dropped; {plural(local.record_ids, 'record Id')} forgotten;"
        f" {plural(local.threads, 'thread')} unlinked;"
        f" suppression list: {local.suppressed:+d}",
    ]
    if found.get("contacts"):
        lines.append(
            "  note: Contacts are your customer records: their name and email stay;"
            " erase them in Salesforce if the request covers them"
        )
    if not report.dry_run:
        done = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in sorted(report.done.items()))
        lines.append(f"  done: {done}; {plural(report.api_calls, 'API call')}")
    for code, n in sorted(report.failed.items()):
        lines.append(f"  FAILED: {plural(n, 'record')} refused with {code}")
    return lines

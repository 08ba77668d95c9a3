"""``sf-social leads sync|reconcile|subscribe``: LinkedIn Lead Gen Forms and Meta Lead Ads.

``webhook serve`` stores the notifications (Meta's ``leadgen`` changes in the Facebook
spool, LinkedIn's at ``/linkedin`` in ``--linkedin-spool``); ``sync`` fetches each new
response and writes it (one Lead per person, a Task per response); ``reconcile --since 7d``
reads back everything the networks hold for the window and writes what the webhooks missed;
``subscribe`` manages LinkedIn's lead notification subscriptions (they exist only through
the API).

Environment: ``FB_PAGE_TOKEN`` (a page token with ``leads_retrieval`` and
``pages_manage_metadata``) and ``FB_PAGE_ID`` for Meta; ``LINKEDIN_ACCESS_TOKEN`` (with
``r_marketing_leadgen_automation`` and ``r_ads`` or ``r_organization_admin``) and
``LINKEDIN_LEAD_OWNER`` (``urn:li:sponsoredAccount:...`` or ``urn:li:organization:...``)
for LinkedIn; Salesforce and the state as ``sync --once`` (``--config``, ``SF_*``).
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import click

from sf_social.cli.common import config_model_option, config_option, emit_json, load
from sf_social.cli.params import DURATION, spool_option
from sf_social.config.lead_sources import graph_api, lead_source, linkedin_api, linkedin_owner
from sf_social.errors import ConfigError
from sf_social.posts import Network
from sf_social.sources.base import Source
from sf_social.sources.facebook.lead_pull import MetaLeadPull
from sf_social.sources.lead_deliveries import spool_deliveries
from sf_social.sources.linkedin_api.lead_pull import LinkedInLeadPull
from sf_social.sources.linkedin_api.lead_subscriptions import (
    LEAD_TYPES,
    subscribe,
    subscriptions,
    unsubscribe,
)
from sf_social.sync.lead_reconcile import ReconcileReport, Tally, window
from sf_social.sync.passes import sync_pass
from sf_social.sync.runtime import Runtime

NETWORKS = ("facebook", "linkedin")

network_option = click.option(
    "--network",
    "networks",
    type=click.Choice(NETWORKS),
    multiple=True,
    help="Only this network (repeatable); default: each one whose token is set.",
)
facebook_spool_option = spool_option(
    "facebook",
    "--facebook-spool",
    "Where webhook serve keeps Facebook's events (leadgen among them).",
)
linkedin_spool_option = spool_option(
    "linkedin", "--linkedin-spool", "Where webhook serve keeps LinkedIn's lead notifications."
)


@click.group()
def leads() -> None:
    """LinkedIn Lead Gen Forms and Meta Lead Ads: sync what the webhooks brought, reconcile."""


def _chosen(networks: Sequence[str]) -> list[str]:
    if networks:
        return list(dict.fromkeys(networks))
    tokens = {"facebook": "FB_PAGE_TOKEN", "linkedin": "LINKEDIN_ACCESS_TOKEN"}
    found = [n for n in NETWORKS if os.environ.get(tokens[n])]
    if not found:
        raise ConfigError("set FB_PAGE_TOKEN and/or LINKEDIN_ACCESS_TOKEN, or name a --network")
    return found


def _run(config_path: Path | None, model: Path | None, sources: list[Source]) -> None:
    runtime = Runtime(load(config_path, model))
    try:
        runtime.lock()  # SQLite: one process at a time, as sync --once
        report = sync_pass(runtime.connect(), sources)
    finally:
        runtime.close()
    for source in sources:
        counts = getattr(source, "counts", None)
        if counts is not None:
            done = ", ".join(f"{n} {what.replace('_', ' ')}" for what, n in vars(counts).items())
            click.echo(f"{source.name}: {done}")
    click.echo(report.summary())
    if report.errors:
        sys.exit(2)


@leads.command()
@network_option
@facebook_spool_option
@linkedin_spool_option
@config_option
@config_model_option
def sync(
    networks: tuple[str, ...],
    facebook_spool: Path,
    linkedin_spool: Path,
    config_path: Path | None,
    model: Path | None,
) -> None:
    """Fetch and write the lead form responses the webhooks brought since the last sync."""
    spools = {"facebook": facebook_spool, "linkedin": linkedin_spool}
    sources = [
        lead_source(n, "webhooks", os.environ, spool=spools[n], name=f"{n}-leads")
        for n in _chosen(networks)
    ]
    _run(config_path, model, sources)


OWNER_URN = re.compile(r"urn:li:(sponsoredAccount|organization):[0-9]+")
FORM_ID = re.compile(r"[0-9]+")


def _owner(ctx: click.Context, param: click.Parameter, value: str) -> str:
    value = value.strip()
    if value and not OWNER_URN.fullmatch(value):
        raise click.BadParameter(
            f"{value!r} is not a forms' owner: urn:li:sponsoredAccount:N (an ad account) or"
            " urn:li:organization:N (a page)"
        )
    return value


def _form_ids(
    ctx: click.Context, param: click.Parameter, value: tuple[str, ...]
) -> tuple[str, ...]:
    for form in value:
        if not FORM_ID.fullmatch(form):
            raise click.BadParameter(f"{form!r}: a Meta lead form id is a number")
    return value


def _https(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is not None and not value.startswith("https://"):
        raise click.BadParameter(f"{value!r}: LinkedIn only calls HTTPS webhooks")
    return value


owner_option = click.option(
    "--owner",
    default=lambda: os.environ.get("LINKEDIN_LEAD_OWNER", ""),
    show_default="$LINKEDIN_LEAD_OWNER",
    callback=_owner,
    help="LinkedIn: the forms' owner, urn:li:sponsoredAccount:N or urn:li:organization:N.",
)


@leads.command("subscribe")
@click.option(
    "--webhook", callback=_https, help="The HTTPS URL of webhook serve's /linkedin route."
)
@owner_option
@click.option("--lead-type", type=click.Choice(LEAD_TYPES), default="SPONSORED", show_default=True)
@click.option("--list", "listing", is_flag=True, help="List the owner's subscriptions instead.")
@click.option("--delete", "delete_id", help="Remove this subscription instead.")
def subscribe_command(
    webhook: str | None, owner: str, lead_type: str, listing: bool, delete_id: str | None
) -> None:
    """Subscribe --webhook to the owner's LinkedIn leads (or --list, --delete subscriptions)."""
    api = linkedin_api(os.environ)
    if delete_id:
        unsubscribe(api, delete_id)
        click.echo(f"subscription {delete_id} removed")
        return
    if not owner:
        raise ConfigError("set LINKEDIN_LEAD_OWNER or --owner to the forms' owner URN")
    if listing:
        for entry in subscriptions(api, owner, lead_type):
            click.echo(f"{entry.get('id')}\t{entry.get('leadType')}\t{entry.get('webhook')}")
        return
    if not webhook:
        raise click.UsageError("--webhook is required to subscribe (or use --list, --delete)")
    try:
        created = subscribe(api, owner, webhook, lead_type)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--webhook") from None
    click.echo(f"subscription {created}: {lead_type} leads of {owner} to {webhook}")


@leads.command()
@click.option(
    "--since",
    type=DURATION,
    default="7d",
    show_default=True,
    help="How far back to check (the networks keep about 90 days).",
)
@network_option
@click.option(
    "--form",
    "forms",
    multiple=True,
    callback=_form_ids,
    help="Meta: only this form id (repeatable).",
)
@owner_option
@click.option(
    "--late-after",
    type=DURATION,
    default="1h",
    show_default=True,
    help="A notification arriving this long after the submission counts as late.",
)
@facebook_spool_option
@linkedin_spool_option
@click.option("--json", "as_json", is_flag=True, help="The report as one JSON object.")
@config_option
@config_model_option
def reconcile(
    since: timedelta,
    networks: tuple[str, ...],
    forms: tuple[str, ...],
    owner: str,
    late_after: timedelta,
    facebook_spool: Path,
    linkedin_spool: Path,
    as_json: bool,
    config_path: Path | None,
    model: Path | None,
) -> None:
    """Read back every response the networks hold since --since and write the missing ones;
    the webhook spools tell which notifications never came and which came late."""
    start, gap = window(since, datetime.now(UTC))
    report = ReconcileReport(since=start, gap=gap, late_after=late_after)
    spools = {Network.FACEBOOK: facebook_spool, Network.LINKEDIN: linkedin_spool}
    deliveries = spool_deliveries(spools)
    runtime = Runtime(load(config_path, model))
    try:
        runtime.lock()
        rules = runtime.pipeline.playbook.lead_forms
        sources: list[Source] = []
        for network in _chosen(networks):
            if network == "facebook":
                api, page = graph_api(os.environ)
                pull: Source = MetaLeadPull(api, page, start, forms)
            else:
                who = linkedin_owner(os.environ, owner)
                pull = LinkedInLeadPull(linkedin_api(os.environ), who, start)
            sources.append(Tally(pull, runtime.store, report, rules, deliveries))
        result = sync_pass(runtime.connect(), sources)
    finally:
        runtime.close()
    if as_json:
        emit_json({**report.to_json(), "pass": result.summary()})
    else:
        for line in report.lines():
            click.echo(line)
        click.echo(result.summary())
    if result.errors:
        sys.exit(2)

"""``sf-social webhook serve|sync``: receive Facebook page webhooks; sync what was received.

``serve`` needs ``FB_APP_SECRET`` and ``FB_VERIFY_TOKEN`` (``FB_PAGE_ID`` marks the page's
own replies as outbound) and stores events in ``--spool`` (default ``$FB_WEBHOOK_SPOOL``,
else ``facebook-webhooks.db``); Meta Lead Ads' ``leadgen`` changes land there too (``sf-social
leads sync`` fetches them). With ``LINKEDIN_CLIENT_SECRET`` set it also serves LinkedIn Lead
Sync at ``/linkedin`` (challenge and ``X-LI-Signature``), storing its notifications in
``--linkedin-spool``. ``sync`` reads the spool from its stored cursor through the
pipeline into Salesforce (``--config`` and ``SF_*``, as ``sync --once``); the daemon runs
the same source as ``[[sources]] type = "facebook_webhooks"``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from sf_social.cli.common import config_model_option, config_option, load
from sf_social.cli.params import PORT, bind, count, spool_option
from sf_social.errors import ConfigError
from sf_social.sources.facebook import FacebookWebhookSource, WebhookSpool
from sf_social.sources.facebook.receiver import MAX_BODY, ReceiverConfig, make_server
from sf_social.sources.linkedin_api.lead_webhook import PATH, LinkedInLeadRoute
from sf_social.sync.passes import sync_pass
from sf_social.sync.runtime import Runtime

facebook_spool_option = spool_option(
    "facebook", "--spool", "SQLite file where accepted events are kept until synced."
)


@click.group()
def webhook() -> None:
    """Facebook page webhooks: receive (serve) and sync what was received."""


@webhook.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option("--port", type=PORT, default=8080, show_default=True, help="Port (0: any free port).")
@click.option(
    "--max-body",
    type=count(1 << 30),
    default=MAX_BODY,
    show_default=True,
    help="Largest body (bytes); the default holds Meta's largest batch.",
)
@facebook_spool_option
@spool_option(
    "linkedin",
    "--linkedin-spool",
    "SQLite file for LinkedIn lead notifications (served when LINKEDIN_CLIENT_SECRET is set).",
)
def serve(host: str, port: int, max_body: int, spool: Path, linkedin_spool: Path) -> None:
    """Answer the verification challenge and store signed events until Ctrl-C."""
    secret, token = os.environ.get("FB_APP_SECRET", ""), os.environ.get("FB_VERIFY_TOKEN", "")
    if not secret or not token:
        raise ConfigError("set FB_APP_SECRET and FB_VERIFY_TOKEN to serve Facebook webhooks")
    config = ReceiverConfig(token, secret, os.environ.get("FB_PAGE_ID") or None, max_body)
    store = WebhookSpool(spool)
    routes = []
    linkedin_secret = os.environ.get("LINKEDIN_CLIENT_SECRET", "")
    if linkedin_secret:
        routes.append(LinkedInLeadRoute(linkedin_secret, WebhookSpool(linkedin_spool).add))
    server = bind(lambda: make_server(config, store, host, port, routes), host, port)
    also = f", LinkedIn leads at {PATH} (spool {linkedin_spool})" if routes else ""
    click.echo(f"listening on {server.url} (spool {spool}){also}", err=False)
    sys.stdout.flush()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        server.spool.close()


@webhook.command()
@facebook_spool_option
@config_option
@config_model_option
def sync(spool: Path, config_path: Path | None, model: Path | None) -> None:
    """Plan and write the events received since the last sync (state, playbook and login
    from --config and the environment, as `sync --once`)."""
    runtime = Runtime(load(config_path, model))
    source = FacebookWebhookSource(spool, os.environ.get("FB_PAGE_ID") or None)
    try:
        runtime.lock()  # SQLite: one process at a time, as sync --once
        report = sync_pass(runtime.connect(), [source])
    finally:
        runtime.close()
    click.echo(report.summary())
    if report.errors:
        sys.exit(2)


if __name__ == "__main__":
    webhook()

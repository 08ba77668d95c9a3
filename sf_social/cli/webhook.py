"""``sf-social webhook serve|sync``: receive Facebook page webhooks; sync what was received.

``serve`` needs ``FB_APP_SECRET`` and ``FB_VERIFY_TOKEN`` (``FB_PAGE_ID`` marks the page's
own replies as outbound) and stores events in ``--spool`` (default ``$FB_WEBHOOK_SPOOL``,
else ``facebook-webhooks.db``). ``sync`` reads the spool from its stored cursor through the
pipeline into Salesforce (settings from ``SF_*``); the daemon runs the same source as
``[[sources]] type = "facebook_webhooks"``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from sf_social.cli.feedio import model_option
from sf_social.cli.params import PORT, bind, count, output_file
from sf_social.errors import ConfigError
from sf_social.pipeline import Pipeline, classifier_for
from sf_social.playbook import load_playbook
from sf_social.salesforce.writer import SalesforceWriter, WriterConfig
from sf_social.settings import Settings
from sf_social.sources.facebook import FacebookWebhookSource, WebhookSpool
from sf_social.sources.facebook.receiver import MAX_BODY, ReceiverConfig, make_server
from sf_social.state import open_store
from sf_social.sync.engine import SyncEngine

spool_option = click.option(
    "--spool",
    type=output_file(),
    default=lambda: os.environ.get("FB_WEBHOOK_SPOOL", "facebook-webhooks.db"),
    show_default="$FB_WEBHOOK_SPOOL or facebook-webhooks.db",
    help="SQLite file where accepted events are kept until synced.",
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
@spool_option
def serve(host: str, port: int, max_body: int, spool: Path) -> None:
    """Answer the verification challenge and store signed events until Ctrl-C."""
    secret, token = os.environ.get("FB_APP_SECRET", ""), os.environ.get("FB_VERIFY_TOKEN", "")
    if not secret or not token:
        raise ConfigError("set FB_APP_SECRET and FB_VERIFY_TOKEN to serve Facebook webhooks")
    config = ReceiverConfig(token, secret, os.environ.get("FB_PAGE_ID") or None, max_body)
    store = WebhookSpool(spool)
    server = bind(lambda: make_server(config, store, host, port), host, port)
    click.echo(f"listening on {server.url} (spool {spool})", err=False)
    sys.stdout.flush()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        server.spool.close()


@webhook.command()
@spool_option
@model_option
def sync(spool: Path, model: Path | None) -> None:
    """Plan and write the events received since the last sync."""
    settings = Settings.from_env()
    book = load_playbook(settings.playbook)
    pipeline = Pipeline(book, classifier_for(book, model or settings.model))
    source = FacebookWebhookSource(spool, os.environ.get("FB_PAGE_ID") or None)
    store = open_store(settings.db_url)
    try:
        lock = store.lock_for_daemon()  # SQLite: one process at a time, as sync --once
        try:
            writer = SalesforceWriter.connect(settings.salesforce, WriterConfig.from_playbook(book))
            report = SyncEngine(store, pipeline, writer, writer.api, [source]).sync_once()
        finally:
            lock.release()
    finally:
        store.close()
    click.echo(report.summary())
    if report.errors:
        sys.exit(2)


if __name__ == "__main__":
    webhook()

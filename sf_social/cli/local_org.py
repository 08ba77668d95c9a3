"""``sf-social local-org``: run the local Salesforce org over HTTPS until Ctrl-C.

It prints the instance URL, an access token and the CA file to trust, plus the
environment variables to export, so that ``sf-social`` commands (or any client) can talk
to it as to a real org.
"""

from __future__ import annotations

import shlex
import signal
import threading
from contextlib import ExitStack
from pathlib import Path
from types import FrameType

import click

from sf_social.cli.params import PORT, FilePath, Real, bind, count
from sf_social.testing import LocalOrg

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


@click.command("local-org")
@click.option("--host", default="127.0.0.1", show_default=True, help="Loopback address to bind.")
@click.option("--port", type=PORT, default=0, show_default=True, help="Port (0: any free port).")
@click.option(
    "--metadata",
    type=FilePath(exists=True, file_okay=False),
    help="Metadata folder whose custom fields the org has (default: the bundled one).",
)
@click.option(
    "--no-custom-fields", is_flag=True, help="An org where our package was never deployed."
)
@click.option(
    "--queue", "queues", multiple=True, help="Seed a queue by DeveloperName (repeatable)."
)
@click.option(
    "--daily-limit",
    type=count(10**9),
    default=15_000,
    show_default=True,
    help="DailyApiRequests maximum.",
)
@click.option(
    "--latency",
    type=Real(0, 60),
    default=0.0,
    show_default=True,
    help="Seconds added to every answer.",
)
@click.option(
    "--seed", type=count(2**32 - 1, 0), default=0, show_default=True, help="Seed of the fault dice."
)
def local_org(
    host: str,
    port: int,
    metadata: Path | None,
    no_custom_fields: bool,
    queues: tuple[str, ...],
    daily_limit: int,
    latency: float,
    seed: int,
) -> None:
    """Serve a local Salesforce org (REST subset, in memory) over HTTPS on loopback."""
    org = LocalOrg(
        metadata=metadata, custom_fields=not no_custom_fields, seed=seed, daily_limit=daily_limit
    )
    org.faults.latency = latency
    for name in queues:
        org.add_queue(name)
    stop = threading.Event()

    def on_signal(number: int, frame: FrameType | None) -> None:
        stop.set()

    # Ctrl-C sets the event like SIGTERM does: no KeyboardInterrupt landing mid-shutdown.
    previous = {number: signal.signal(number, on_signal) for number in STOP_SIGNALS}
    try:
        with ExitStack() as stack:
            server = bind(lambda: stack.enter_context(org.serve(host, port)), host, port)
            click.echo(banner(org, server.env()))
            while not stop.wait(0.5):
                pass
            click.echo(f"stopped after {org.api_calls} API call(s)")
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def banner(org: LocalOrg, env: dict[str, str]) -> str:
    """What to tell the user: where the org is, how to sign in, what to export."""
    creds = org.credentials
    lines = [
        f"Local Salesforce org at {env['SF_INSTANCE_URL']} (Ctrl-C stops it)",
        f"  access token: {env['SF_ACCESS_TOKEN']}",
        f"  CA file:      {env['REQUESTS_CA_BUNDLE']}",
        f"  OAuth:        POST {env['SF_INSTANCE_URL']}/services/oauth2/token"
        f" (username {creds.username}, password {creds.password},"
        f" client id {creds.client_id}, client secret {creds.client_secret})",
        "",
        *(f"export {name}={shlex.quote(value)}" for name, value in env.items()),
    ]
    return "\n".join(lines)

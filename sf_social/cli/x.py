"""``sf-social x ...``: the X (Twitter) source's own commands."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from sf_social.cli.common import config_option, load
from sf_social.config.sources import XSourceConfig
from sf_social.playbook import load_playbook
from sf_social.sources.x.check import check_access
from sf_social.sources.x.config import XOptions


@click.group()
def x() -> None:
    """X (Twitter) source: check credentials and access."""


@x.command()
@config_option
def check(config_path: Path | None) -> None:
    """Verify the X credentials and access for each configured account and query.

    Reads X_BEARER_TOKEN and/or X_CONSUMER_KEY, X_CONSUMER_SECRET, X_ACCESS_TOKEN,
    X_ACCESS_TOKEN_SECRET; makes one small call per account and query (a few posts read).
    Exit 0 when everything works, 1 otherwise.
    """
    config = load(config_path)
    entries: list[XOptions] = [s for s in config.sources if isinstance(s, XSourceConfig)]
    if not entries:
        click.echo('no [[sources]] of type "x" configured: checking the playbook\'s defaults')
        entries = [XOptions()]
    failed = 0
    for options in entries:
        playbook = load_playbook(options.playbook or config.playbook)
        name = getattr(options, "source_name", "x")
        click.echo(f"source {name}:")
        for line in check_access(options, playbook, os.environ):
            failed += not line.ok
            click.echo(f"  {'ok  ' if line.ok else 'FAIL'} {line.what}: {line.detail}")
    sys.exit(1 if failed else 0)

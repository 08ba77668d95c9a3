"""``sf-social config``: the effective configuration (file + environment), secrets hidden."""

from __future__ import annotations

import json
from pathlib import Path

import click

from sf_social.cli.common import config_option, load
from sf_social.config import ENV_VARS, FEEDS_ENV


@click.command("config")
@config_option
@click.option("--env-vars", is_flag=True, help="List the environment variable of every setting.")
def config(config_path: Path | None, env_vars: bool) -> None:
    """Validate the configuration and print it as JSON (exit 2 with every problem if invalid)."""
    if env_vars:
        for path, variable in ENV_VARS.items():
            click.echo(f"{variable:36} {'.'.join(str(p) for p in path)}")
        click.echo(f"{FEEDS_ENV:36} sources (JSONL paths, ':'-separated; replaces [[sources]])")
        return
    click.echo(json.dumps(load(config_path).describe(), indent=2))

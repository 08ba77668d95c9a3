"""``sf-social doctor``: is everything in place for the daemon? One line per check."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from sf_social.cli.common import config_option, emit_json
from sf_social.config import load_config
from sf_social.doctor.report import Check, as_json, fail, failed, render_text
from sf_social.doctor.run import run_checks
from sf_social.errors import ConfigError


@click.command()
@config_option
@click.option("--json", "as_json_flag", is_flag=True, help="The checks as JSON.")
def doctor(config_path: Path | None, as_json_flag: bool) -> None:
    """Check the org, each configured source and the state store; print ok, warn or fail.

    Each failing or warning line says what is wrong and the exact fix. Exit 0 when every
    check is ok or warn, 1 when any fails (invalid settings included), 2 on a usage error.
    """
    try:
        config = load_config(config_path)
    except ConfigError as exc:
        checks: list[Check] = [fail("config", "settings", str(exc), "fix the settings named")]
    else:
        checks = run_checks(config, os.environ)
    if as_json_flag:
        emit_json(as_json(checks))
    else:
        for line in render_text(checks):
            click.echo(line)
    sys.exit(1 if failed(checks) else 0)

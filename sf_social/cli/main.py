"""The ``sf-social`` command: one group, each subcommand in the module named after it."""

from __future__ import annotations

import logging
import sys

import click

from sf_social.cli.classify import classify, plan
from sf_social.cli.config import config
from sf_social.cli.daemon import daemon
from sf_social.cli.deadletters import dead_letters
from sf_social.cli.demo import demo
from sf_social.cli.evaluate import evaluate
from sf_social.cli.health import health
from sf_social.cli.importfeed import import_
from sf_social.cli.linkedin import linkedin
from sf_social.cli.local_org import local_org
from sf_social.cli.metadata import metadata
from sf_social.cli.replay import replay
from sf_social.cli.status import status
from sf_social.cli.sync import sync
from sf_social.cli.webhook import webhook
from sf_social.cli.x import x
from sf_social.errors import SfSocialError


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="sf_social")
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
def cli(verbose: int) -> None:
    """Turn social-media interactions into Salesforce Leads, Cases and Tasks."""
    level = logging.WARNING - 10 * min(verbose, 2)
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")


cli.add_command(classify)
cli.add_command(plan)
cli.add_command(demo)
cli.add_command(evaluate)
cli.add_command(metadata)
cli.add_command(local_org)
cli.add_command(sync)
cli.add_command(daemon)
cli.add_command(status)
cli.add_command(dead_letters)
cli.add_command(import_)
cli.add_command(replay)
cli.add_command(health)
cli.add_command(config)
cli.add_command(linkedin)
cli.add_command(webhook)
cli.add_command(x)


def main() -> None:
    """Console entry point: known errors print one clear message and exit 2."""
    try:
        code = cli(standalone_mode=False)
        sys.exit(code if isinstance(code, int) else 0)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(130)
    except SfSocialError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)

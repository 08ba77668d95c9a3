"""The ``sf-social`` command: one group, each subcommand in the module named after it."""

from __future__ import annotations

import importlib
import logging
import sys

import click

from sf_social import logs
from sf_social.errors import SfSocialError
from sf_social.redaction import redact

# name → "module:attribute" of each subcommand, imported only when that command is invoked
# (or when --help lists them all): `sf-social plan` need not import sqlalchemy,
# simple_salesforce, tweepy, ... which the other commands use.
COMMANDS = {
    "classify": "sf_social.cli.classify:classify",
    "plan": "sf_social.cli.classify:plan",
    "demo": "sf_social.cli.demo:demo",
    "evaluate": "sf_social.cli.evaluate:evaluate",
    "train": "sf_social.cli.train:train",
    "metadata": "sf_social.cli.metadata:metadata",
    "local-org": "sf_social.cli.local_org:local_org",
    "sync": "sf_social.cli.sync:sync",
    "daemon": "sf_social.cli.daemon:daemon",
    "status": "sf_social.cli.status:status",
    "dead-letters": "sf_social.cli.deadletters:dead_letters",
    "import": "sf_social.cli.importfeed:import_",
    "replay": "sf_social.cli.replay:replay",
    "health": "sf_social.cli.health:health",
    "config": "sf_social.cli.config:config",
    "doctor": "sf_social.cli.doctor:doctor",
    "linkedin": "sf_social.cli.linkedin:linkedin",
    "webhook": "sf_social.cli.webhook:webhook",
    "x": "sf_social.cli.x:x",
}


class LazyGroup(click.Group):
    """A group whose subcommands (``COMMANDS``) are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in COMMANDS:
            self._load(cmd_name)
        elif cmd_name not in self.commands:  # unknown: load all, for click's "Did you mean"
            for name in COMMANDS:
                self._load(name)
        return super().get_command(ctx, cmd_name)

    def _load(self, name: str) -> None:
        if name not in self.commands:
            module, attribute = COMMANDS[name].split(":")
            command = getattr(importlib.import_module(module), attribute)
            assert isinstance(command, click.Command) and command.name == name, name
            self.add_command(command)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="sf_social")
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
def cli(verbose: int) -> None:
    """Turn social-media interactions into Salesforce Leads, Cases and Tasks."""
    if not logging.getLogger().handlers:  # as logging.basicConfig: a host's own set-up wins
        logs.configure("text", logging.WARNING - 10 * min(verbose, 2))


def main() -> None:
    """Console entry point: known errors print one clear message and exit 2."""
    try:
        code = cli(standalone_mode=False)
        sys.exit(code if isinstance(code, int) else 0)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(2 if isinstance(exc, click.FileError) else exc.exit_code)  # an input: usage
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(130)
    except SfSocialError as exc:
        click.echo(f"error: {redact(str(exc))}", err=True)
        sys.exit(2)

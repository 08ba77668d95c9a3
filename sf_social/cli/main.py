"""The ``sf-social`` command: one group, each subcommand in the module named after it."""

from __future__ import annotations

import importlib
import logging
import sys

import click

from sf_social import logs
from sf_social.errors import SfSocialError
from sf_social.redaction import redact

# name → ("module:attribute", summary) of each subcommand, imported only when that command
# is invoked: `sf-social plan` need not import sqlalchemy, simple_salesforce, tweepy, ...
# which the other commands use, and `--help` lists the summaries (the first paragraph of
# each command's help, kept equal to it by tests/cli/test_main.py) without importing any.
COMMANDS: dict[str, tuple[str, str]] = {
    "classify": (
        "sf_social.cli.classify:classify",
        "Explain how TEXT is classified, or classify every post of --input as JSON lines.",
    ),
    "plan": (
        "sf_social.cli.classify:plan",
        "Write the record plan of every post of --input as JSON lines (nothing is sent).",
    ),
    "demo": (
        "sf_social.cli.demo:demo",
        "Sync a feed into a local Salesforce org and show what landed (--dry-run: plans only).",
    ),
    "evaluate": (
        "sf_social.cli.evaluate:evaluate",
        "Precision, recall, F1, macro-F1 and confusion matrices on LABELLED files.",
    ),
    "train": (
        "sf_social.cli.train:train",
        "Train a model on LABELLED files and write it to --output.",
    ),
    "labels": (
        "sf_social.cli.labels:labels",
        "Training labels from the org: what agents corrected of the sync's predictions.",
    ),
    "metadata": (
        "sf_social.cli.metadata:metadata",
        "The custom fields, picklist values and permission set sf_social needs in the org.",
    ),
    "local-org": (
        "sf_social.cli.local_org:local_org",
        "Serve a local Salesforce org (REST subset, in memory) over HTTPS on loopback.",
    ),
    "sync": (
        "sf_social.cli.sync:sync",
        "Intake every configured source, then push the outbox to Salesforce.",
    ),
    "daemon": (
        "sf_social.cli.daemon:daemon",
        "Run in the foreground: one job per source, the push job, until SIGTERM/SIGINT.",
    ),
    "status": (
        "sf_social.cli.status:status",
        "Show the sync state (read only; safe while the daemon runs).",
    ),
    "report": (
        "sf_social.cli.report:report",
        "Reports from the local state (read only; no API calls).",
    ),
    "dead-letters": (
        "sf_social.cli.deadletters:dead_letters",
        "List, inspect, retry or drop writes that Salesforce refused for good.",
    ),
    "erase": (
        "sf_social.cli.erase:erase",
        "Erase a person from the org and the local state (a GDPR/CCPA request).",
    ),
    "import": (
        "sf_social.cli.importfeed:import_",
        "Load a JSONL feed of posts into Salesforce: intake, then push.",
    ),
    "replay": (
        "sf_social.cli.replay:replay",
        "Plan and send again what was synced since WHEN (e.g. after a playbook fix, a new model).",
    ),
    "health": (
        "sf_social.cli.health:health",
        "Check the last passes, the outbox age and the dead letters; exit 0 healthy, 1 not.",
    ),
    "config": (
        "sf_social.cli.config:config",
        "Validate the configuration and print it as JSON (exit 2 with every problem if invalid).",
    ),
    "doctor": (
        "sf_social.cli.doctor:doctor",
        "Check the org, each configured source and the state store; print ok, warn or fail.",
    ),
    "linkedin": (
        "sf_social.cli.linkedin:linkedin",
        "LinkedIn: import a member's data export (connections, invitations, messages).",
    ),
    "webhook": (
        "sf_social.cli.webhook:webhook",
        "Facebook page webhooks: receive (serve) and sync what was received.",
    ),
    "leads": (
        "sf_social.cli.leads:leads",
        "LinkedIn Lead Gen Forms and Meta Lead Ads: sync what the webhooks brought, reconcile.",
    ),
    "x": ("sf_social.cli.x:x", "X (Twitter) source: check credentials and access."),
    "sources": (
        "sf_social.cli.sources:sources",
        "List the sources with their cursors, or reset one to read it again.",
    ),
    "playbook": (
        "sf_social.cli.playbook:playbook",
        "Your own playbook: segments, routing, reply templates, response targets.",
    ),
}


class LazyGroup(click.Group):
    """A group whose subcommands (``COMMANDS``) are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in COMMANDS:
            self._load(cmd_name)
        elif cmd_name not in self.commands:  # unknown: load all, for click's "Did you mean"
            for name in COMMANDS:
                self._load(name)
        return super().get_command(ctx, cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command list of ``--help``, from ``COMMANDS`` (nothing imported)."""
        names = self.list_commands(ctx)
        limit = formatter.width - 6 - max(len(name) for name in names)
        rows = [
            (name, click.Command(name, help=COMMANDS[name][1]).get_short_help_str(limit))
            for name in names
        ]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def _load(self, name: str) -> None:
        if name not in self.commands:
            module, attribute = COMMANDS[name][0].split(":")
            command = getattr(importlib.import_module(module), attribute)
            assert isinstance(command, click.Command) and command.name == name, name
            _accept_verbose(command)
            self.add_command(command)


_OURS = "sf_social.logging"
"""``ctx.meta`` key: set when ``sf-social`` configured logging (a host's own set-up wins)."""


def _accept_verbose(command: click.Command) -> None:
    """Let ``-v`` come after the command's name too (``sf-social status -vv``), anywhere."""
    commands = command.commands.values() if isinstance(command, click.Group) else ()
    for sub in commands:
        _accept_verbose(sub)
    if not any(p.name == "verbose" for p in command.params):
        command.params.append(
            click.Option(
                ["-v", "--verbose"],
                count=True,
                expose_value=False,
                callback=_more_verbose,
                help="More log output (-vv for debug).",
            )
        )


def _more_verbose(ctx: click.Context, param: click.Parameter, value: int) -> None:
    if value and ctx.meta.get(_OURS):
        root = logging.getLogger()
        root.setLevel(max(logging.DEBUG, root.level - 10 * value))


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="sf_social")
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
@click.pass_context
def cli(ctx: click.Context, verbose: int) -> None:
    """Turn social-media interactions into Salesforce Leads, Cases and Tasks."""
    if not logging.getLogger().handlers:  # as logging.basicConfig: a host's own set-up wins
        logs.configure("text", logging.WARNING - 10 * min(verbose, 2))
        ctx.meta[_OURS] = True


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

"""The ``sf-social`` group: subcommands are imported only when used."""

from __future__ import annotations

import importlib
import subprocess
import sys

import click
from click.testing import CliRunner

from sf_social.cli.main import COMMANDS, cli


def test_every_lazy_entry_names_its_command() -> None:
    for name, target in COMMANDS.items():
        module, attribute = target.split(":")
        command = getattr(importlib.import_module(module), attribute)
        assert isinstance(command, click.Command) and command.name == name


def test_help_lists_every_command_and_typos_get_suggestions() -> None:
    listed = CliRunner().invoke(cli, ["--help"])
    assert listed.exit_code == 0
    for name in COMMANDS:
        assert f"  {name} " in listed.output
    typo = CliRunner().invoke(cli, ["plam"])
    assert typo.exit_code == 2 and "Did you mean one of: 'plan'" in typo.output


def test_plan_does_not_import_the_sync_stack() -> None:
    code = (
        "import sys; from sf_social.cli.main import cli; "
        "cli.get_command(None, 'plan'); "
        "print(sorted(m for m in ('sqlalchemy', 'simple_salesforce', 'tweepy', 'requests') "
        "if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"

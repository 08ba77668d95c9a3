"""The ``sf-social`` group: subcommands are imported only when used."""

from __future__ import annotations

import importlib
import subprocess
import sys

import click
from click.testing import CliRunner

from sf_social.cli.main import COMMANDS, cli


def test_every_lazy_entry_names_its_command_and_its_summary() -> None:
    for name, (target, summary) in COMMANDS.items():
        module, attribute = target.split(":")
        command = getattr(importlib.import_module(module), attribute)
        assert isinstance(command, click.Command) and command.name == name
        first_paragraph = (command.help or "").split("\n\n")[0].replace("\n", " ")
        assert summary == first_paragraph, f"{name}: COMMANDS' summary differs from its help"


def test_help_imports_no_command() -> None:
    code = (
        "import sys; from sf_social.cli.main import cli; "
        "cli(['--help'], standalone_mode=False); "
        "print(sorted(m for m in sys.modules if m.startswith('sf_social.cli.') and"
        " m not in ('sf_social.cli.main',)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "[]"


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


def test_verbose_works_before_or_after_the_command() -> None:
    """-v counts wherever it is; -vv (or -v ... -v) is debug."""
    code = (
        "import logging, sys; from sf_social.cli.main import cli; "
        "cli(sys.argv[1:], standalone_mode=False); "
        "print(logging.getLevelName(logging.getLogger().level))"
    )
    levels = {}
    for argv in (
        ["config"],
        ["config", "-v"],
        ["config", "-vv"],
        ["-v", "dead-letters", "list", "-v"],  # a subcommand of a group too
    ):
        env = {"SF_SOCIAL_DB": "memory://", "PATH": "/usr/bin:/bin"}
        run = subprocess.run(
            [sys.executable, "-c", code, *argv], capture_output=True, text=True, env=env
        )
        assert run.returncode == 0, run.stderr
        levels[" ".join(argv)] = run.stdout.splitlines()[-1]
    assert levels == {
        "config": "WARNING",
        "config -v": "INFO",
        "config -vv": "DEBUG",
        "-v dead-letters list -v": "DEBUG",
    }

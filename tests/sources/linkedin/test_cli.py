"""``sf-social linkedin import`` is wired into the CLI."""

from __future__ import annotations

from click.testing import CliRunner

from sf_social.cli.main import cli


def test_linkedin_import_is_a_command() -> None:
    result = CliRunner().invoke(cli, ["linkedin", "import", "--help"])
    assert result.exit_code == 0, result.output
    assert "data export" in result.output and "--me" in result.output

"""``sf-social linkedin import`` is wired into the CLI."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from sf_social.cli.main import cli
from tests.cli.conftest import clean_env, seeded_org
from tests.sources.linkedin import exports as ex


def test_linkedin_import_is_a_command() -> None:
    result = CliRunner().invoke(cli, ["linkedin", "import", "--help"])
    assert result.exit_code == 0, result.output
    assert "data export" in result.output and "--me" in result.output


def test_import_format_linkedin_loads_an_export(tmp_path: Path) -> None:
    """``sf-social import --format linkedin DIR_OR_ZIP`` is the same import."""
    org = seeded_org()
    export = ex.zip_export(tmp_path / "export.zip", ex.FULL)
    env = clean_env(
        SF_INSTANCE_URL=org.instance_url,
        SF_ACCESS_TOKEN=org.access_token,
        SF_SOCIAL_DB=f"sqlite:///{tmp_path / 'state.db'}",
    )
    with org.mock():
        result = CliRunner().invoke(cli, ["import", "--format", "linkedin", str(export)], env=env)
    assert result.exit_code == 0, result.output
    assert "6 events read" in result.output
    [jane] = org.find("Lead", "Social_Profile_Key__c", "linkedin:profile:jane-doe")
    assert jane["LinkedIn_Lead_Activity__c"] == "Message Received"


def test_blank_rows_and_members_who_left_are_skipped_not_rejected(tmp_path: Path) -> None:
    """An ordinary export imports with exit 0 (it exited 1 with its rows 'rejected')."""
    org = seeded_org()
    export = ex.zip_export(tmp_path / "export.zip", ex.ORDINARY)
    env = clean_env(
        SF_INSTANCE_URL=org.instance_url,
        SF_ACCESS_TOKEN=org.access_token,
        SF_SOCIAL_DB=f"sqlite:///{tmp_path / 'state.db'}",
    )
    with org.mock():
        result = CliRunner().invoke(cli, ["linkedin", "import", str(export)], env=env)
    assert result.exit_code == 0, result.output
    assert "6 events read" in result.output and "0 rejected" in result.output
    assert "5 drafts skipped" in result.output or "5 skipped" in result.output
    assert "rejected " not in result.output


def test_import_of_a_folder_as_jsonl_is_refused(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["import", str(tmp_path)])
    assert result.exit_code == 2 and "is a folder" in result.output

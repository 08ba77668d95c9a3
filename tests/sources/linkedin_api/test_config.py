"""``type = "linkedin_page"`` entries and ``sf-social linkedin check``."""

from __future__ import annotations

from pathlib import Path

import pytest
import responses
from click.testing import CliRunner
from pydantic import ValidationError

from sf_social.cli.linkedin import linkedin
from sf_social.config.sources import LinkedInPageSourceConfig, SourceContext
from sf_social.errors import ConfigError
from sf_social.playbook import load_playbook
from sf_social.sources.base import Interrupted
from sf_social.sources.linkedin_api.check import check_page
from sf_social.sources.linkedin_api.config import LinkedInPageOptions
from sf_social.sources.linkedin_api.source import LinkedInPageSource
from tests.sources.linkedin_api.conftest import ORG, TOKEN, add

ENV = {"LINKEDIN_ACCESS_TOKEN": TOKEN}


def test_an_entry_builds_the_source_with_the_token_from_the_environment() -> None:
    entry = LinkedInPageSourceConfig(
        organization_id=ORG, member_urns=["urn:li:person:qA1b2C3d4E"], actions=["comment"]
    )
    source = entry.build(SourceContext(load_playbook(), environ=ENV))
    assert isinstance(source, LinkedInPageSource)
    assert source.name == "linkedin_page"
    assert source.organization == ORG
    assert source.actions == ("COMMENT",)
    assert source.context.account == ORG
    with pytest.raises(ConfigError, match="LINKEDIN_ACCESS_TOKEN"):
        entry.build(SourceContext(load_playbook(), environ={}))


@pytest.mark.parametrize(
    "bad",
    [
        {"organization_id": "acme"},
        {"organization_id": "1", "member_urns": ["jane"]},
        {"organization_id": "1", "actions": ["COMMENT;DROP"]},
        {"organization_id": "1", "api_version": "2026-10"},
        {"organization_id": "1", "page_size": 1000},
        {"organization_id": "1", "token": "secret"},
    ],
)
def test_bad_options_are_refused(bad: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        LinkedInPageOptions.model_validate(bad)


def test_the_config_file_accepts_the_type(tmp_path: Path) -> None:
    from sf_social.config.load import load_config

    path = tmp_path / "sf-social.toml"
    path.write_text(
        '[[sources]]\ntype = "linkedin_page"\norganization_id = "2414183"\npoll_interval = "5m"\n',
        encoding="utf-8",
    )
    config = load_config(path)
    (entry,) = config.sources
    assert isinstance(entry, LinkedInPageSourceConfig)
    assert entry.organization == ORG


@responses.activate
def test_the_daemons_sleep_ends_a_retry_wait_on_shutdown() -> None:
    def stopping(seconds: float) -> None:
        raise Interrupted

    add({"message": "Service Unavailable", "status": 503}, 503)
    add("notifications_empty.json")
    entry = LinkedInPageSourceConfig(organization_id=ORG)
    source = entry.build(SourceContext(load_playbook(), environ=ENV, sleep=stopping))
    with pytest.raises(Interrupted):
        list(source.pull(None))
    assert len(responses.calls) == 1


@responses.activate
def test_check_reports_ok_and_fail_lines() -> None:
    options = LinkedInPageOptions(organization_id="2414183")
    add("notifications_page2.json")
    lines = check_page(options, ENV, now=1795176000.0)
    assert [line.ok for line in lines] == [True, True]
    assert "start:1795172400000,end:1795176000000" in str(responses.calls[0].request.url)
    responses.reset()
    add("error_403.json", 403)
    lines = check_page(options, ENV)
    assert not lines[-1].ok and "Community Management" in lines[-1].detail
    assert len(responses.calls) == 1  # no retries in a check
    assert check_page(options, {})[0].ok is False


@responses.activate
def test_the_check_command_exits_1_on_failure_and_never_prints_the_token(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "sf-social.toml"
    path.write_text('[[sources]]\ntype = "linkedin_page"\norganization_id = "2414183"\n')
    monkeypatch.setenv("LINKEDIN_ACCESS_TOKEN", TOKEN)
    add("error_401.json", 401)
    result = CliRunner().invoke(linkedin, ["check", "--config", str(path)])
    assert result.exit_code == 1
    assert "FAIL" in result.output and TOKEN not in result.output
    responses.reset()
    add("notifications_empty.json")
    result = CliRunner().invoke(linkedin, ["check", "--config", str(path)])
    assert result.exit_code == 0, result.output

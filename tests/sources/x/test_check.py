"""``sf-social x check`` and the config factory: what works, what does not, no secret shown."""

from __future__ import annotations

import pytest
import responses
from click.testing import CliRunner

from sf_social.cli.main import cli
from sf_social.config.sources import SourceContext, XSourceConfig
from sf_social.playbook import Playbook
from sf_social.sources.x.check import check_access
from sf_social.sources.x.client import ENV as ENV_VARS
from sf_social.sources.x.client import XCredentials
from sf_social.sources.x.config import XOptions
from sf_social.sources.x.source import XSource
from tests.sources.x.conftest import (
    API,
    MENTIONS_URL,
    SEARCH_URL,
    TWEETS_URL,
    USER_URL,
    add_json,
)

ENV = {"X_BEARER_TOKEN": "secret-bearer"}


@responses.activate
def test_check_reports_each_account_and_query(playbook: Playbook) -> None:
    add_json(USER_URL, "user_by_username.json")
    add_json(MENTIONS_URL, "mentions_page2.json")
    add_json(f"{API}/users/by/username/NorthwindBank", "error_403.json", 403)
    add_json(SEARCH_URL, "search_recent.json")
    add_json(TWEETS_URL, "users_tweets.json")
    options = XOptions(accounts=["NorthwindHelp", "NorthwindBank"], listening=["competitor"])
    lines = check_access(options, playbook, ENV)
    assert [(line.what, line.ok) for line in lines] == [
        ("credentials", True),
        ("mentions:@northwindhelp", True),
        ("mentions:@northwindbank", False),
        ("tweets:@northwindhelp", True),
        ("tweets:@northwindbank", False),
        ("search:competitor:0", True),
    ]
    assert "tweets readable (2 newest read)" in lines[3].detail
    assert "user id 1500000000000000002" in lines[1].detail
    assert "access level" in lines[2].detail
    assert all("secret-bearer" not in line.detail for line in lines)


def test_check_without_credentials_says_which_variables(playbook: Playbook) -> None:
    (line,) = check_access(XOptions(), playbook, {})
    assert not line.ok and "X_BEARER_TOKEN" in line.detail


def test_the_cli_exits_1_when_something_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in ENV_VARS.values():
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.delenv("SF_SOCIAL_CONFIG", raising=False)
    result = CliRunner().invoke(cli, ["x", "check"])
    assert result.exit_code == 1, result.output
    assert "FAIL credentials" in result.output


def test_the_config_entry_builds_an_x_source(playbook: Playbook) -> None:
    entry = XSourceConfig.model_validate(
        {"type": "x", "name": "x-main", "accounts": ["NorthwindHelp"], "listening": False}
    )
    reports: list[object] = []
    source = entry.build(SourceContext(playbook, lambda name, status: reports.append(status), ENV))
    assert isinstance(source, XSource)
    assert source.name == "x-main"
    assert [s.key for s in source.streams] == ["mentions:@northwindhelp", "tweets:@northwindhelp"]
    assert source.report is not None
    full = XOptions().streams(playbook, XCredentials(bearer_token="t"))
    assert [s.key for s in full][:2] == ["mentions:@northwindbank", "mentions:@northwindhelp"]
    assert any(s.key.startswith("search:brand") for s in full)


def test_an_account_configured_here_is_ours_even_if_the_playbook_lacks_it(
    playbook: Playbook,
) -> None:
    """Its own replies must be outbound, not planned as a customer's posts."""
    assert not playbook.is_our_account("NorthwindCares")
    entry = XSourceConfig.model_validate(
        {"type": "x", "accounts": ["NorthwindCares"], "listening": False}
    )
    source = entry.build(SourceContext(playbook, lambda name, status: None, ENV))
    assert isinstance(source, XSource)
    assert source.playbook.is_our_account("@northwindcares")
    assert source.playbook.is_our_account("NorthwindHelp")  # the playbook's stay ours
    assert not playbook.is_our_account("NorthwindCares"), "the shared playbook is unchanged"

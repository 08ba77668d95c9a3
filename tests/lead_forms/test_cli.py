"""sf-social leads subscribe against the LinkedIn twin."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from sf_social.cli.leads import leads
from sf_social.testing.linkedin_leads import LinkedInLeadsTwin

HOOK = "https://hooks.example.com/linkedin"


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> LinkedInLeadsTwin:
    twin = LinkedInLeadsTwin()
    monkeypatch.setenv("LINKEDIN_ACCESS_TOKEN", twin.token)
    monkeypatch.setenv("LINKEDIN_LEAD_OWNER", twin.owner)
    return twin


def test_subscribe_list_and_delete(env: LinkedInLeadsTwin) -> None:
    runner = CliRunner()
    with env.mock():
        made = runner.invoke(leads, ["subscribe", "--webhook", HOOK])
        assert made.exit_code == 0, made.output
        (ident,) = env.subscriptions
        assert made.output.startswith(f"subscription {ident}: SPONSORED leads of")
        assert env.subscriptions[ident]["owner"] == {"sponsoredAccount": env.owner}
        listed = runner.invoke(leads, ["subscribe", "--list"])
        assert f"{ident}\tSPONSORED\t{HOOK}" in listed.output
        gone = runner.invoke(leads, ["subscribe", "--delete", ident])
        assert gone.exit_code == 0 and env.subscriptions == {}


def test_a_plain_http_webhook_is_refused_before_any_call(env: LinkedInLeadsTwin) -> None:
    with env.mock():
        result = CliRunner().invoke(leads, ["subscribe", "--webhook", "http://x.example/li"])
    assert result.exit_code == 2 and "only calls HTTPS webhooks" in result.output
    assert not env.calls

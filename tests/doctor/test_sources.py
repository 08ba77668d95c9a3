"""The source checks: LinkedIn token expiry (introspection or issue date), X credentials."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import requests
import responses

from sf_social.config.sources import XSourceConfig
from sf_social.doctor.linkedin_token import INTROSPECT
from sf_social.doctor.report import Status
from sf_social.doctor.sources import linkedin_expiry, source_checks
from sf_social.playbook import load_playbook

NOW = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)


def expiry(**env: str) -> tuple[Status, str]:
    check = linkedin_expiry("linkedin", env, requests.Session(), NOW)
    return check.status, check.detail


def issued(days_ago: int) -> tuple[Status, str]:
    return expiry(LINKEDIN_TOKEN_ISSUED=(NOW - timedelta(days=days_ago)).date().isoformat())


def test_the_issue_date_gives_60_days_warned_7_days_ahead() -> None:
    assert issued(10) == (Status.OK, "expires on 2027-01-24 (in 49 days)")
    assert issued(54) == (Status.WARN, "expires on 2026-12-11 (in 5 days)")
    assert issued(61) == (Status.FAIL, "expired on 2026-12-04")
    assert expiry(LINKEDIN_TOKEN_ISSUED="last week")[0] is Status.FAIL
    unknown = expiry()
    assert unknown[0] is Status.WARN and "LINKEDIN_TOKEN_ISSUED" in unknown[1]


@responses.activate
def test_introspection_wins_when_the_client_is_configured() -> None:
    env = {
        "LINKEDIN_CLIENT_ID": "client",
        "LINKEDIN_CLIENT_SECRET": "secret",
        "LINKEDIN_ACCESS_TOKEN": "token",
        "LINKEDIN_TOKEN_ISSUED": "2020-01-01",  # ignored: LinkedIn knows better
    }
    expires = int((NOW + timedelta(days=30)).timestamp())
    responses.post(INTROSPECT, json={"active": True, "expires_at": expires})
    responses.post(INTROSPECT, json={"active": False, "expires_at": expires})

    assert expiry(**env) == (Status.OK, "expires on 2027-01-04 (in 30 days)")
    assert expiry(**env)[0] is Status.FAIL
    sent = responses.calls[0].request.body
    assert isinstance(sent, str) and "client_id=client" in sent and "token=token" in sent


def test_x_without_credentials_fails_and_no_source_is_fine() -> None:
    playbook = load_playbook()

    (check,) = source_checks([XSourceConfig(name="x")], lambda s: playbook, {})
    (nothing,) = source_checks([], lambda s: playbook, {})

    assert (check.status, check.name) == (Status.FAIL, "x credentials")
    assert "X_BEARER_TOKEN" in check.detail
    assert (nothing.status, nothing.detail) == (Status.OK, "none configured")

"""Secrets redacted in one place: known values, secret shapes, and every sink that uses it."""

from __future__ import annotations

import io
import json
import logging
import re
import time
from pathlib import Path

import pytest
import requests
import responses
from pydantic import SecretStr

from sf_social import logs
from sf_social.redaction import MASK, redact, redact_values, register
from sf_social.salesforce.auth import OrgSession
from sf_social.sources.x.client import XCredentials
from sf_social.state.outbox import Failure
from sf_social.testing.mock import mock_org
from tests.cli.conftest import Ops, org_env, seeded_org, tweet


def test_values_of_secret_variables_are_hidden(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("X_CONSUMER_KEY", "ck-7f3a9b2e")
    monkeypatch.setenv("X_ACCESS_TOKEN", "12345-AbCdEfGh")
    text = "[('oauth_consumer_key', 'ck-7f3a9b2e'), ('oauth_token', '12345-AbCdEfGh')]"
    assert redact(text) == f"[('oauth_consumer_key', '{MASK}'), ('oauth_token', '{MASK}')]"


def test_registered_values_are_hidden_and_short_ones_ignored() -> None:
    register("s3ss10n-value-registered", "abc", None)
    assert redact("echo s3ss10n-value-registered!") == f"echo {MASK}!"
    assert redact("abc is not a secret") == "abc is not a secret"


def test_a_session_id_obtained_at_login_is_registered() -> None:
    OrgSession("https://acme.my.salesforce.com", SecretStr("opaque-session-handle-42"))
    assert "opaque-session-handle-42" not in redact("proxy saw opaque-session-handle-42")


def test_a_secret_inside_another_goes_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SF_PASSWORD", "hunter22")
    monkeypatch.setenv("SF_SECURITY_TOKEN", "hunter22TOKEN")
    assert redact("sent hunter22TOKEN") == f"sent {MASK}"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Authorization: Bearer AAAAAAAAAAAAAAAAAAAA%2Fxyz", f"Authorization: Bearer {MASK}"),
        (
            'OAuth oauth_consumer_key="k1", oauth_signature="s%3D"',
            f'OAuth oauth_consumer_key="{MASK}", oauth_signature="{MASK}"',
        ),
        ('{"access_token": "tok.en-value", "n": 1}', f'{{"access_token": "{MASK}", "n": 1}}'),
        ("refresh_token=r-123&x=1", f"refresh_token={MASK}&x=1"),
        ("client_secret: abc123", f"client_secret: {MASK}"),
        ("sid 00DXX0000001gPL!AQ4AQFl.Xs1_yZzq9", f"sid {MASK}"),
        ("postgresql://app:pa/ss?w#rd@db:5432/x", f"postgresql://app:{MASK}@db:5432/x"),
        ("the bearer of bad news; a password policy", "the bearer of bad news; a password policy"),
        ("pagination_token=7140dibdnow9c7btw3w29", "pagination_token=7140dibdnow9c7btw3w29"),
    ],
)
def test_secret_shapes_are_hidden_whoever_sent_them(text: str, expected: str) -> None:
    assert redact(text) == expected


def test_nested_values_are_redacted() -> None:
    data = {"error": "access_token=abcdef", "inner": {"list": ["password: pw123456"]}, "n": 3}
    assert redact_values(data) == {
        "error": f"access_token={MASK}",
        "inner": {"list": [f"password: {MASK}"]},
        "n": 3,
    }


def test_redaction_is_linear_on_long_hostile_text() -> None:
    text = "a://b:" + "x" * 200_000 + " password=" * 20_000
    start = time.perf_counter()
    redact(text)
    assert time.perf_counter() - start < 2.0


@pytest.mark.parametrize("log_format", ["text", "json"])
def test_every_log_line_is_redacted(log_format: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("X_BEARER_TOKEN", "AAAA-bearer-secret")
    stream = io.StringIO()
    logs.configure(log_format, logging.DEBUG, stream)
    try:
        logger = logging.getLogger("tweepy.client")
        logger.debug("headers: %s", {"Authorization": "Bearer AAAA-bearer-secret"})
        logs.event(logger, "answer", body='{"access_token":"zzz999"}')
        try:
            raise ValueError("echo AAAA-bearer-secret")
        except ValueError:
            logger.exception("failed")
    finally:
        logging.getLogger().handlers.clear()
    out = stream.getvalue()
    assert "AAAA-bearer-secret" not in out and "zzz999" not in out
    assert out.count(MASK) >= 4
    if log_format == "json":
        assert all(json.loads(line) for line in out.splitlines() if line.startswith("{"))


def test_failures_kept_in_the_state_are_redacted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SF_ACCESS_TOKEN", "00DXX!session-token-value")
    assert "session-token" not in Failure("X", "echo 00DXX!session-token-value").message


def test_a_token_echoed_in_a_non_json_answer_reaches_no_log_table_or_status(
    tmp_path: Path,
) -> None:
    """A proxy answers 200 with a page quoting the request: the token goes nowhere."""
    org = seeded_org()
    env = org_env(org, tmp_path, SF_SOCIAL_PUSH_BACKOFF_BASE="1s", SF_SOCIAL_PUSH_CALL_ATTEMPTS="1")

    def echo(request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        auth = request.headers.get("Authorization", "")
        return 200, {"Content-Type": "text/plain"}, f"proxy: you sent {auth} ({org.access_token})"

    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        rsps.add_callback("POST", re.compile(r".*/composite.*"), callback=echo)
        with mock_org(org, rsps):
            ops = Ops(org, tmp_path, env)
            feed = ops.feed("feed.jsonl", tweet("1"), tweet("2"))
            imported = ops.run("-vv", "import", str(feed))
            status = ops.run("status", "--json")
            listing = ops.run("status")
    assert "proxy: you sent" in imported.output  # the answer was seen, and logged
    state = b"".join(p.read_bytes() for p in tmp_path.glob("state.db*"))
    for where in (imported.output, status.output, listing.output, state.decode("latin-1")):
        assert org.access_token not in where


def test_x_keys_never_show_at_debug(monkeypatch: pytest.MonkeyPatch) -> None:
    """``-vv``: tweepy, requests-oauthlib and oauthlib log the signing at DEBUG; no key shows."""
    keys = {
        "X_CONSUMER_KEY": "xvz1evFS4wEEPTGEFPHBog",
        "X_CONSUMER_SECRET": "kAcSOqF21Fu85e7zjz7ZN2U4ZRhfV3WpwPAoE3Z7kBw",
        "X_ACCESS_TOKEN": "370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb",
        "X_ACCESS_TOKEN_SECRET": "LswwdoUaIvS8ltyTt5jkRh4J50vUPVVHtR2YPi5kE",
    }
    for name, value in keys.items():
        monkeypatch.setenv(name, value)
    client = XCredentials.from_env().client()
    stream = io.StringIO()
    logs.configure("text", logging.DEBUG, stream)
    logging.getLogger("tweepy.client").setLevel(logging.DEBUG)  # as if the guard were gone
    try:
        with responses.RequestsMock() as rsps:
            rsps.get("https://api.twitter.com/2/users/me", json={"data": {"id": "1"}})
            client.get_me(user_auth=True)
    finally:
        logging.getLogger().handlers.clear()
        logging.getLogger("tweepy.client").setLevel(logging.NOTSET)
    out = stream.getvalue()
    assert "oauth_consumer_key" in out  # the signing was logged ...
    assert not [name for name, value in keys.items() if value in out]  # ... without a key

"""Shared fixtures: an org at https://acme.my.salesforce.com mocked with ``responses``."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import responses
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from pydantic import SecretStr

from sf_social.salesforce_settings import SalesforceSettings

INSTANCE = "https://acme.my.salesforce.com"
API = f"{INSTANCE}/services/data/v63.0"
SOAP_LOGIN = "https://login.salesforce.com/services/Soap/u/63.0"
TOKEN_URL = "https://login.salesforce.com/services/oauth2/token"
# Distinctive secrets: none may ever appear in a log line, a message or a repr.
PASSWORD = "Pw-ZQX9-never-log-me"
SECURITY_TOKEN = "St-ZQX9-never-log-me"
CONSUMER_SECRET = "Cs-ZQX9-never-log-me"
ACCESS_TOKEN = "00Dxx!At-ZQX9-never-log-me"
SESSION_1 = "00Dxx!S1-ZQX9-never-log-me"
SESSION_2 = "00Dxx!S2-ZQX9-never-log-me"
SECRETS = (PASSWORD, SECURITY_TOKEN, CONSUMER_SECRET, ACCESS_TOKEN, SESSION_1, SESSION_2)
LIMIT_INFO = "Sforce-Limit-Info"


def soap_login_body(session_id: str) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"'
        ' xmlns="urn:partner.soap.sforce.com"><soapenv:Body><loginResponse><result>'
        f"<serverUrl>{INSTANCE}/services/Soap/u/63.0/00Dxx</serverUrl>"
        f"<sessionId>{session_id}</sessionId>"
        "</result></loginResponse></soapenv:Body></soapenv:Envelope>"
    )


def password_settings(**extra: Any) -> SalesforceSettings:
    return SalesforceSettings(
        username="int@acme.com",
        password=SecretStr(PASSWORD),
        security_token=SecretStr(SECURITY_TOKEN),
        timeout=7,
        **extra,
    )


def token_settings(**extra: Any) -> SalesforceSettings:
    return SalesforceSettings(
        instance_url=INSTANCE, access_token=SecretStr(ACCESS_TOKEN), timeout=7, **extra
    )


@pytest.fixture
def mocked() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield rsps


@pytest.fixture
def soap_logins(mocked: responses.RequestsMock) -> list[str]:
    """Password logins answer SESSION_1, then SESSION_2; the list holds each session given."""
    given: list[str] = []

    def login(request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        session = SESSION_1 if not given else SESSION_2
        given.append(session)
        return 200, {"Content-Type": "text/xml"}, soap_login_body(session)

    mocked.add_callback("POST", SOAP_LOGIN, callback=login)
    return given


@pytest.fixture(scope="session")
def private_key_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    path = tmp_path_factory.mktemp("keys") / "server.key"
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return path


def json_reply(
    status: int, body: Any, used: int | None = 10, limit: int = 15_000
) -> tuple[int, dict[str, str], str]:
    headers = {"Content-Type": "application/json"}
    if used is not None:
        headers[LIMIT_INFO] = f"api-usage={used}/{limit}"
    return status, headers, json.dumps(body)


def url(path: str) -> re.Pattern[str]:
    """A pattern for ``{API}/{path}`` with any query string."""
    return re.compile("^" + re.escape(f"{API}/{path}") + r"(\?.*)?$")

"""No secret in any log line, exception message or repr — checked with distinctive values."""

from __future__ import annotations

import logging

import pytest
import requests
import responses
from pydantic import SecretStr

from sf_social.config import Config
from sf_social.errors import SalesforceApiError, SalesforceAuthError
from sf_social.plan import AuthorIdentity, PlannedWrite, RecordPlan
from sf_social.posts import Network
from sf_social.records import CaseRecord
from sf_social.salesforce import RetryPolicy, SalesforceWriter, WriterConfig
from sf_social.salesforce.connection import Connection
from sf_social.salesforce_settings import SalesforceSettings
from tests.salesforce.conftest import (
    CONSUMER_SECRET,
    PASSWORD,
    SECRETS,
    SOAP_LOGIN,
    json_reply,
    password_settings,
    token_settings,
    url,
)
from tests.salesforce.plans import classification

EXPIRED = [{"errorCode": "INVALID_SESSION_ID", "message": "Session expired or invalid"}]


def assert_clean(*texts: str) -> None:
    for text in texts:
        for secret in SECRETS:
            assert secret not in text, f"secret {secret[:6]}… leaked into: {text[:200]}"


def test_password_flow_logs_and_errors_are_clean(
    mocked: responses.RequestsMock, soap_logins: list[str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    answers = iter(
        [
            json_reply(401, EXPIRED),
            json_reply(400, [{"errorCode": "INVALID_FIELD", "message": "No such column"}]),
        ]
    )
    mocked.add_callback("GET", url("limits/"), callback=lambda r: next(answers))
    connection = Connection(password_settings())
    with pytest.raises(SalesforceApiError) as caught:
        connection.read_limits()
    assert len(soap_logins) == 2
    assert_clean(caplog.text, str(caught.value), repr(caught.value), repr(connection))
    assert_clean(repr(connection.settings), str(connection.settings), repr(Config()))


def test_server_echoing_the_password_is_masked(mocked: responses.RequestsMock) -> None:
    fault = (
        '<?xml version="1.0"?><soapenv:Envelope'
        ' xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"'
        ' xmlns:sf="urn:fault.partner.soap.sforce.com"><soapenv:Body><soapenv:Fault>'
        "<detail><sf:LoginFault><sf:exceptionCode>INVALID_LOGIN</sf:exceptionCode>"
        f"<sf:exceptionMessage>bad password {PASSWORD}</sf:exceptionMessage>"
        "</sf:LoginFault></detail></soapenv:Fault></soapenv:Body></soapenv:Envelope>"
    )
    mocked.post(SOAP_LOGIN, body=fault, status=500)
    with pytest.raises(SalesforceAuthError) as caught:
        Connection(password_settings())
    assert "INVALID_LOGIN" in str(caught.value)
    assert_clean(str(caught.value), repr(caught.value))


def test_client_credentials_failure_is_clean(
    mocked: responses.RequestsMock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    mocked.post(
        "https://acme.my.salesforce.com/services/oauth2/token",
        json={"error": "invalid_client", "error_description": f"bad secret {CONSUMER_SECRET}"},
        status=400,
    )
    settings = SalesforceSettings(
        consumer_key="3MVG9", consumer_secret=SecretStr(CONSUMER_SECRET), domain="acme.my"
    )
    with pytest.raises(SalesforceAuthError) as caught:
        Connection(settings)
    assert_clean(str(caught.value), caplog.text, repr(settings))


def test_expired_access_token_message_is_clean(
    mocked: responses.RequestsMock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    mocked.add_callback("GET", url("limits/"), callback=lambda r: json_reply(401, EXPIRED))
    connection = Connection(token_settings())
    with pytest.raises(SalesforceAuthError) as caught:
        connection.read_limits()
    assert_clean(str(caught.value), caplog.text, repr(connection))


def test_writer_reports_and_reprs_are_clean(
    mocked: responses.RequestsMock, soap_logins: list[str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    mocked.add_callback("GET", url("limits/"), callback=lambda r: json_reply(401, EXPIRED))
    mocked.add_callback("POST", url("composite/"), callback=lambda r: json_reply(401, EXPIRED))
    mocked.add_callback(
        "PATCH",
        url("composite/sobjects/Case/Social_Thread_Key__c"),
        callback=lambda r: json_reply(401, EXPIRED),
    )
    writer = SalesforceWriter.connect(
        password_settings(), WriterConfig(retry=RetryPolicy.instant()), http=requests.Session()
    )
    plan = RecordPlan(
        post_key="twitter:1",
        network=Network.TWITTER,
        post_id="1",
        classification=classification(),
        identity=AuthorIdentity(network=Network.TWITTER, handle="dana"),
        writes=[PlannedWrite(record=CaseRecord(thread_key="twitter:thread:1", subject="Hi"))],
    )
    report = writer.write([plan])
    assert report.stopped is not None  # the login storm stops the batch, nothing crashes
    [outcome] = report.results[0].outcomes
    assert outcome.failure is not None and outcome.failure.transient
    assert_clean(caplog.text, repr(writer), report.summary(), str(outcome.failure))


@pytest.mark.parametrize("domain", ["army.my.salesforce.mil", "acme.my.sfcrmproducts.cn"])
def test_a_login_host_outside_salesforce_com_is_refused_before_sending_anything(
    mocked: responses.RequestsMock, domain: str
) -> None:
    """The login library appends .salesforce.com to SF_DOMAIN: it cannot reach these hosts."""
    settings = SalesforceSettings(
        consumer_key="3MVG9", consumer_secret=SecretStr(CONSUMER_SECRET), domain=domain
    )
    with pytest.raises(SalesforceAuthError, match="SF_INSTANCE_URL and SF_ACCESS_TOKEN"):
        Connection(settings)
    assert not mocked.calls

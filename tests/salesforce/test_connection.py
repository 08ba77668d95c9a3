"""The connection: logins, one re-authentication, timeouts, errors by code, usage."""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests
import responses
from requests.adapters import HTTPAdapter

from sf_social.errors import MalformedResponseError, SalesforceApiError, SalesforceAuthError
from sf_social.salesforce.auth import OrgSession
from sf_social.salesforce.connection import Connection, TimeoutSession
from sf_social.salesforce_settings import SalesforceSettings
from tests.salesforce.conftest import (
    API,
    INSTANCE,
    SESSION_1,
    SESSION_2,
    json_reply,
    password_settings,
    token_settings,
    url,
)

EXPIRED = [{"errorCode": "INVALID_SESSION_ID", "message": "Session expired or invalid"}]


def test_access_token_is_used_as_is(mocked: responses.RequestsMock) -> None:
    mocked.get(f"{API}/limits/", json={"DailyApiRequests": {"Max": 15000, "Remaining": 14000}})
    connection = Connection(token_settings())
    assert len(mocked.calls) == 0  # no login call for an access token
    limits = connection.read_limits()
    assert limits["DailyApiRequests"]["Max"] == 15000
    assert connection.budget.used == 1000
    assert mocked.calls[0].request.headers["Authorization"].startswith("Bearer 00Dxx!At-")


class TimeoutRecorder(HTTPAdapter):
    """Answers every call with the org's limits and keeps the timeout it was sent with."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[Any] = []

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        self.seen.append(kwargs.get("timeout"))
        response = requests.Response()
        response.status_code = 200
        response._content = b'{"DailyApiRequests": {"Max": 10, "Remaining": 9}}'
        response.request = request
        return response


def test_every_call_gets_the_configured_timeout() -> None:
    recorder = TimeoutRecorder()
    seen = recorder.seen
    http = TimeoutSession(timeout=7)
    http.mount("https://", recorder)
    connection = Connection(token_settings(), http=http)
    connection.read_limits()
    connection.request("GET", "sobjects/", call="describe", params=None)
    http.get(f"{INSTANCE}/anything")  # any caller of the session, logins included
    assert seen == [7, 7, 7]


def test_a_callers_own_session_gets_the_timeout_too() -> None:
    recorder = TimeoutRecorder()
    seen = recorder.seen
    http = requests.Session()
    http.mount("https://", recorder)
    connection = Connection(token_settings(), http=http)
    connection.read_limits()
    http.get(f"{INSTANCE}/anything", timeout=1)  # an explicit timeout is kept
    assert seen == [7, 1]


def test_password_login_then_one_reauthentication_keeping_headers(
    mocked: responses.RequestsMock, soap_logins: list[str]
) -> None:
    answers = iter([json_reply(401, EXPIRED), json_reply(200, [{"success": True}])])
    mocked.add_callback("PATCH", url("composite/sobjects"), callback=lambda r: next(answers))
    connection = Connection(password_settings())
    assert soap_logins == [SESSION_1]
    headers = {"Sforce-Duplicate-Rule-Header": "allowSave=true"}
    answer = connection.json("PATCH", "composite/sobjects", call="update", json={}, headers=headers)
    assert answer == [{"success": True}]
    assert soap_logins == [SESSION_1, SESSION_2]  # exactly one new login
    first, second = (c.request for c in mocked.calls if "composite" in (c.request.url or ""))
    assert first.headers["Authorization"] == f"Bearer {SESSION_1}"
    assert second.headers["Authorization"] == f"Bearer {SESSION_2}"
    assert second.headers["Sforce-Duplicate-Rule-Header"] == "allowSave=true"  # kept
    assert second.body == first.body


def test_second_401_is_an_auth_error_after_one_login(
    mocked: responses.RequestsMock, soap_logins: list[str]
) -> None:
    mocked.add_callback("GET", url("limits/"), callback=lambda r: json_reply(401, EXPIRED))
    connection = Connection(password_settings())
    with pytest.raises(SalesforceAuthError, match="refused the new session too"):
        connection.read_limits()
    assert len(soap_logins) == 2  # the first login, then one retry: no storm of logins


def test_access_token_cannot_be_renewed(mocked: responses.RequestsMock) -> None:
    mocked.add_callback("GET", url("limits/"), callback=lambda r: json_reply(401, EXPIRED))
    connection = Connection(token_settings())
    with pytest.raises(SalesforceAuthError, match="SF_ACCESS_TOKEN") as caught:
        connection.read_limits()
    assert "sf org display" in str(caught.value)


def test_jwt_login(mocked: responses.RequestsMock, private_key_file: Any) -> None:
    mocked.post(
        "https://test.salesforce.com/services/oauth2/token",
        json={"access_token": SESSION_1, "instance_url": INSTANCE},
    )
    settings = SalesforceSettings(
        username="int@acme.com",
        consumer_key="3MVG9",
        private_key_file=private_key_file,
        domain="test",
    )
    connection = Connection(settings)
    assert connection.instance_url == INSTANCE
    form = mocked.calls[0].request.body
    assert isinstance(form, str) and "jwt-bearer" in form


def test_client_credentials_need_a_my_domain(mocked: responses.RequestsMock) -> None:
    from pydantic import SecretStr

    settings = SalesforceSettings(consumer_key="3MVG9", consumer_secret=SecretStr("Cs-x-secret"))
    with pytest.raises(SalesforceAuthError, match="My Domain"):
        Connection(settings)
    mocked.post(
        "https://acme.my.salesforce.com/services/oauth2/token",
        json={"access_token": SESSION_1, "instance_url": INSTANCE},
    )
    ok = SalesforceSettings(
        consumer_key="3MVG9", consumer_secret=SecretStr("Cs-x-secret"), domain="acme.my"
    )
    assert Connection(ok).instance_url == INSTANCE


def test_refused_login_is_a_config_error(mocked: responses.RequestsMock) -> None:
    fault = (
        '<?xml version="1.0"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"'
        ' xmlns:sf="urn:fault.partner.soap.sforce.com"><soapenv:Body><soapenv:Fault>'
        "<faultcode>INVALID_LOGIN</faultcode><detail><sf:LoginFault>"
        "<sf:exceptionCode>INVALID_LOGIN</sf:exceptionCode>"
        "<sf:exceptionMessage>Invalid username, password, security token; or user locked out."
        "</sf:exceptionMessage></sf:LoginFault></detail></soapenv:Fault></soapenv:Body>"
        "</soapenv:Envelope>"
    )
    mocked.post("https://login.salesforce.com/services/Soap/u/63.0", body=fault, status=500)
    with pytest.raises(SalesforceAuthError, match=r"login \(password\) failed: INVALID_LOGIN"):
        Connection(password_settings())


def test_unreachable_login_is_transient(mocked: responses.RequestsMock) -> None:
    mocked.post(
        "https://login.salesforce.com/services/Soap/u/63.0",
        body=requests.ConnectionError("connection reset by peer"),
    )
    with pytest.raises(SalesforceApiError) as caught:
        Connection(password_settings())
    assert caught.value.code == "CONNECTION_ERROR" and caught.value.transient


@pytest.mark.parametrize(
    ("status", "body", "code", "transient"),
    [
        (
            400,
            [
                {
                    "errorCode": "INVALID_FIELD",
                    "message": "No such column 'X__c'",
                    "fields": ["X__c"],
                }
            ],
            "INVALID_FIELD",
            False,
        ),
        (
            403,
            [
                {
                    "errorCode": "REQUEST_LIMIT_EXCEEDED",
                    "message": "ConcurrentPerOrgLongTxn Limit exceeded.",
                }
            ],
            "REQUEST_LIMIT_EXCEEDED",
            True,
        ),
        (
            503,
            [{"errorCode": "SERVER_UNAVAILABLE", "message": "down for maintenance"}],
            "SERVER_UNAVAILABLE",
            True,
        ),
        (
            500,
            [{"errorCode": "UNKNOWN_EXCEPTION", "message": "An unexpected error occurred"}],
            "UNKNOWN_EXCEPTION",
            True,
        ),
        (
            300,
            ["/services/data/v63.0/sobjects/Case/500A", "/services/data/v63.0/sobjects/Case/500B"],
            "MORE_THAN_ONE_RECORD",
            False,
        ),
        (
            404,
            [{"errorCode": "NOT_FOUND", "message": "The requested resource does not exist"}],
            "NOT_FOUND",
            False,
        ),
    ],
)
def test_errors_carry_the_salesforce_code(
    mocked: responses.RequestsMock, status: int, body: Any, code: str, transient: bool
) -> None:
    mocked.add_callback("GET", url("sobjects/Case/x"), callback=lambda r: json_reply(status, body))
    connection = Connection(token_settings())
    with pytest.raises(SalesforceApiError) as caught:
        connection.json("GET", "sobjects/Case/x", call="get")
    assert (caught.value.code, caught.value.status, caught.value.transient) == (
        code,
        status,
        transient,
    )
    if code == "INVALID_FIELD":
        assert caught.value.fields == ("X__c",)


def test_html_error_page_is_a_short_transient_error(mocked: responses.RequestsMock) -> None:
    page = "<!DOCTYPE html><html><head><title>Service Unavailable</title></head><body>" + "x" * 5000
    mocked.get(f"{API}/limits/", body=page, status=503, content_type="text/html")
    connection = Connection(token_settings())
    with pytest.raises(SalesforceApiError) as caught:
        connection.read_limits()
    assert caught.value.code == "HTTP_503" and caught.value.transient
    assert "an HTML page (Service Unavailable)" in str(caught.value)
    assert len(str(caught.value)) < 200


def test_html_instead_of_json_is_malformed(mocked: responses.RequestsMock) -> None:
    mocked.get(f"{API}/limits/", body="<html><title>Login</title></html>", status=200)
    connection = Connection(token_settings())
    with pytest.raises(MalformedResponseError, match=r"expected JSON.*HTML page \(Login\)"):
        connection.read_limits()


def test_timeouts_and_resets_become_codes(mocked: responses.RequestsMock) -> None:
    mocked.get(f"{API}/limits/", body=requests.ReadTimeout("read timed out"))
    mocked.get(f"{API}/sobjects/", body=requests.ConnectionError("Connection reset by peer"))
    connection = Connection(token_settings())
    with pytest.raises(SalesforceApiError) as timeout:
        connection.read_limits()
    assert timeout.value.code == "TIMEOUT" and timeout.value.transient
    assert "SF_TIMEOUT" in timeout.value.message
    with pytest.raises(SalesforceApiError) as reset:
        connection.json("GET", "sobjects/", call="describe")
    assert reset.value.code == "CONNECTION_ERROR" and reset.value.transient


def test_usage_read_from_every_response_errors_included(mocked: responses.RequestsMock) -> None:
    mocked.add_callback("GET", url("sobjects/"), callback=lambda r: json_reply(200, {}, used=100))
    daily = [{"errorCode": "REQUEST_LIMIT_EXCEEDED", "message": "TotalRequests Limit exceeded."}]
    mocked.add_callback(
        "GET", url("sobjects/Case/"), callback=lambda r: json_reply(403, daily, used=15_000)
    )
    connection = Connection(token_settings())
    connection.json("GET", "sobjects/", call="describe")
    assert (connection.budget.used, connection.budget.limit) == (100, 15_000)
    assert not connection.budget.paused
    with pytest.raises(SalesforceApiError):
        connection.json("GET", "sobjects/Case/", call="describe Case")
    assert connection.budget.used == 15_000
    assert connection.budget.paused  # the daily limit pauses writes at once


def test_query_follows_next_records_url(mocked: responses.RequestsMock) -> None:
    mocked.get(
        f"{API}/query/",
        json={
            "done": False,
            "nextRecordsUrl": "/services/data/v63.0/query/01gxx-2000",
            "records": [{"attributes": {"type": "Case"}, "Id": "500A"}],
        },
    )
    mocked.get(f"{API}/query/01gxx-2000", json={"done": True, "records": [{"Id": "500B"}]})
    connection = Connection(token_settings())
    rows = connection.query("SELECT Id FROM Case")
    assert [r["Id"] for r in rows] == ["500A", "500B"]
    assert connection.api_calls == 2


def test_composite_answer_checked(mocked: responses.RequestsMock) -> None:
    mocked.post(f"{API}/composite/", json={"compositeResponse": []})
    connection = Connection(token_settings())
    with pytest.raises(MalformedResponseError, match="expected 1 subresponses"):
        connection.composite([{"method": "GET", "url": "/x", "referenceId": "q0"}])
    sent = json.loads(mocked.calls[0].request.body or b"{}")
    assert sent["allOrNone"] is False


def test_repr_shows_no_session() -> None:
    settings = token_settings()
    assert settings.access_token is not None
    connection = Connection(settings, session=OrgSession(INSTANCE, settings.access_token))
    assert "never-log-me" not in repr(connection)

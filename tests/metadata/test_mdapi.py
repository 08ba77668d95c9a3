"""MetadataApi against `responses` mocks whose bodies follow Salesforce's documented examples."""

from __future__ import annotations

import base64
import io
import zipfile
from collections.abc import Iterator
from pathlib import Path
from xml.etree.ElementTree import Element

import pytest
import requests
import responses
from pydantic import SecretStr
from simple_salesforce.exceptions import SalesforceAuthenticationFailed

from sf_social.errors import ConfigError, MetadataApiError, MetadataFaultError
from sf_social.metadata.mdapi import DeployStatus, MetadataApi, TestLevel
from sf_social.metadata.merge import PicklistValue
from sf_social.metadata.session import OrgSession, open_session
from sf_social.metadata.valuexml import child_text, children, parse_xml
from sf_social.salesforce_settings import SalesforceSettings

DATA = Path(__file__).parents[1] / "data" / "mdapi"
INSTANCE = "https://acme.my.salesforce.com"
ENDPOINT = f"{INSTANCE}/services/Soap/m/63.0"
SESSION_ID = "00Dxx0000001gPL!AQ4AQ<secret&token>"


def fixture(name: str) -> str:
    return (DATA / name).read_text(encoding="utf-8")


def soap_call(request: requests.PreparedRequest) -> Element:
    """The element inside the Body of a request we sent."""
    assert isinstance(request.body, bytes)
    envelope = parse_xml(request.body)
    (body,) = children(envelope, "Body")
    return next(iter(body))


@pytest.fixture
def api() -> MetadataApi:
    session = OrgSession(INSTANCE, SecretStr(SESSION_ID))
    return MetadataApi(session, api_version="63.0", timeout=7.5)


@pytest.fixture
def mocked() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock() as mock:
        yield mock


def test_read_standard_value_sets(api: MetadataApi, mocked: responses.RequestsMock) -> None:
    mocked.post(ENDPOINT, body=fixture("read_standard_value_sets.xml"))
    records = api.read_metadata("StandardValueSet", ["CaseOrigin", "LeadSource", "TaskType"])

    origin = records["CaseOrigin"]
    assert [v.full_name for v in origin.values] == [
        "Phone",
        "Email",
        "Web",
        "twitter",
        "Social Media",
        "Partner Portal",
    ]
    assert origin.values[0].default
    assert origin.values[4] == PicklistValue(
        "Social Media", active=False, extra=(("color", "#1B96FF"),)
    )
    assert origin.values[5].extra == (("description", "Cases opened by resellers"),)
    assert records["TaskType"].sorted
    assert set(records) == {"CaseOrigin", "LeadSource", "TaskType"}  # only what was asked

    request = mocked.calls[0].request
    call = soap_call(request)
    assert call.tag.endswith("readMetadata")
    assert child_text(call, "type") == "StandardValueSet"
    assert [e.text for e in children(call, "fullNames")] == ["CaseOrigin", "LeadSource", "TaskType"]
    assert request.headers["SOAPAction"] == "readMetadata"
    assert isinstance(request.body, bytes)
    envelope = parse_xml(request.body)
    session_ids = [e.text for e in envelope.iter() if e.tag.endswith("sessionId")]
    assert session_ids == [SESSION_ID]  # escaped in the XML, intact once parsed


def test_read_custom_fields_missing_ones_are_absent(
    api: MetadataApi, mocked: responses.RequestsMock
) -> None:
    mocked.post(ENDPOINT, body=fixture("read_custom_fields.xml"))
    names = ["Lead.LinkedIn_Lead_Activity__c", "Lead.Social_Handle__c", "Case.Social_Complaint__c"]
    records = api.read_metadata("CustomField", names)

    assert set(records) == {"Lead.LinkedIn_Lead_Activity__c", "Lead.Social_Handle__c"}
    activity = records["Lead.LinkedIn_Lead_Activity__c"]
    assert activity.field_type == "Picklist"
    assert activity.restricted is True
    assert [(v.full_name, v.label, v.active) for v in activity.values][-2:] == [
        ("Event Met", "Met at an event", True),
        ("InMail Sent", "InMail Sent", False),
    ]
    handle = records["Lead.Social_Handle__c"]
    assert (handle.field_type, handle.values, handle.restricted) == ("Text", (), None)


def test_read_asks_at_most_ten_names_per_call(
    api: MetadataApi, mocked: responses.RequestsMock
) -> None:
    empty = fixture("read_custom_fields.xml").split("<result>")[0] + (
        "<result/></readMetadataResponse></soapenv:Body></soapenv:Envelope>"
    )
    mocked.post(ENDPOINT, body=empty)
    names = [f"Lead.F{i}__c" for i in range(23)]
    assert api.read_metadata("CustomField", names) == {}
    asked = [[e.text for e in children(soap_call(c.request), "fullNames")] for c in mocked.calls]
    assert [len(a) for a in asked] == [10, 10, 3]
    assert [name for chunk in asked for name in chunk] == names


def zip_of(files: dict[str, str]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return out.getvalue()


@pytest.mark.parametrize(
    ("check_only", "level", "sent_level"),
    [(True, TestLevel.NO_TEST_RUN, "NoTestRun"), (False, None, None)],
)
def test_deploy_sends_zip_and_options(
    api: MetadataApi,
    mocked: responses.RequestsMock,
    check_only: bool,
    level: TestLevel | None,
    sent_level: str | None,
) -> None:
    mocked.post(ENDPOINT, body=fixture("deploy.xml"))
    package = zip_of({"package.xml": "<Package/>"})
    assert api.deploy(package, check_only=check_only, test_level=level) == "0Afxx00000000lWCAQ"

    call = soap_call(mocked.calls[0].request)
    assert base64.b64decode(child_text(call, "ZipFile") or "") == package
    (options,) = children(call, "DeployOptions")
    assert child_text(options, "checkOnly") == str(check_only).lower()
    assert child_text(options, "rollbackOnError") == "true"
    assert child_text(options, "singlePackage") == "true"
    assert child_text(options, "testLevel") == sent_level
    order = [e.tag.rpartition("}")[2] for e in options]
    assert order.index("rollbackOnError") < order.index("singlePackage")  # XSD sequence


def test_check_deploy_status_with_component_failures(
    api: MetadataApi, mocked: responses.RequestsMock
) -> None:
    mocked.post(ENDPOINT, body=fixture("check_deploy_failed.xml"))
    result = api.check_deploy_status("0Afxx00000000lWCAQ")

    assert (result.done, result.success, result.status) == (True, False, DeployStatus.FAILED)
    assert (result.components_total, result.component_errors) == (3, 2)
    first = result.failures[0]
    assert (first.full_name, first.file_name, first.line, first.column) == (
        "Lead.Social_Profile_Key__c",
        "objects/Lead.object",
        42,
        13,
    )
    assert first.problem == "Cannot change which field is the external id while records exist"
    assert first.problem_type == "Error"
    assert result.failures[1].line is None
    assert [s.full_name for s in result.successes] == ["CaseOrigin"]
    call = soap_call(mocked.calls[0].request)
    assert child_text(call, "asyncProcessId") == "0Afxx00000000lWCAQ"
    assert child_text(call, "includeDetails") == "true"


@pytest.mark.parametrize(
    ("answer", "check_only"),
    [("check_deploy_succeeded.xml", False), ("check_deploy_validated.xml", True)],
)
def test_check_deploy_status_succeeded_as_documented(
    api: MetadataApi, mocked: responses.RequestsMock, answer: str, check_only: bool
) -> None:
    """Salesforce's own success answers (the local org's are tested in tests/testing)."""
    mocked.post(ENDPOINT, body=fixture(answer))
    result = api.check_deploy_status("0Afxx00000000lWCAQ")
    assert (result.done, result.success, result.status) == (True, True, DeployStatus.SUCCEEDED)
    assert result.check_only is check_only
    assert (result.components_total, result.components_deployed, result.component_errors) == (
        4,
        4,
        0,
    )
    assert result.failures == ()
    assert [(s.full_name, s.created, s.changed) for s in result.successes] == [
        ("Lead.Social_Profile_Key__c", True, True),
        ("CaseOrigin", False, True),
        ("SF_Social_Integration", True, True),
        ("package.xml", False, True),
    ]


def test_check_deploy_status_in_progress(api: MetadataApi, mocked: responses.RequestsMock) -> None:
    mocked.post(ENDPOINT, body=fixture("check_deploy_in_progress.xml"))
    result = api.check_deploy_status("0Afxx00000000lWCAQ")
    assert (result.done, result.status, result.components_deployed) == (
        False,
        DeployStatus.IN_PROGRESS,
        2,
    )
    assert result.state_detail == "Processing Type: CustomField"
    assert result.failures == result.successes == ()


def test_invalid_session_fault(api: MetadataApi, mocked: responses.RequestsMock) -> None:
    mocked.post(ENDPOINT, status=500, body=fixture("fault_invalid_session.xml"))
    with pytest.raises(MetadataFaultError) as caught:
        api.read_metadata("StandardValueSet", ["CaseOrigin"])
    error = caught.value
    assert error.fault_code == "INVALID_SESSION_ID"
    assert (error.call, error.component) == ("readMetadata", "StandardValueSet CaseOrigin")
    assert "SF_ACCESS_TOKEN" in str(error)
    assert "secret" not in str(error)
    assert "secret" not in repr(error)


def test_invalid_type_fault_names_call_and_component(
    api: MetadataApi, mocked: responses.RequestsMock
) -> None:
    mocked.post(ENDPOINT, status=500, body=fixture("fault_invalid_type.xml"))
    with pytest.raises(MetadataFaultError, match=r"readMetadata \(StandardValueSet CaseOrigin\)"):
        api.read_metadata("StandardValueSet", ["CaseOrigin"])


def test_login_page_instead_of_soap(api: MetadataApi, mocked: responses.RequestsMock) -> None:
    mocked.post(ENDPOINT, body=fixture("login_page.html"), content_type="text/html")
    with pytest.raises(MetadataApiError, match="not a SOAP answer") as caught:
        api.check_deploy_status("0Afxx00000000lWCAQ")
    assert caught.value.call == "checkDeployStatus"
    assert "text/html" in str(caught.value)
    assert "Login | Salesforce" in str(caught.value) or "DOCTYPE" in str(caught.value)
    assert not caught.value.transient


def test_truncated_xml(api: MetadataApi, mocked: responses.RequestsMock) -> None:
    text = fixture("read_standard_value_sets.xml")
    mocked.post(ENDPOINT, body=text[: len(text) // 2])
    with pytest.raises(MetadataApiError, match=r"readMetadata \(StandardValueSet CaseOrigin\)"):
        api.read_metadata("StandardValueSet", ["CaseOrigin"])


def test_entity_expansion_is_refused(api: MetadataApi, mocked: responses.RequestsMock) -> None:
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa">'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">'
        "<soapenv:Body><r>&b;</r></soapenv:Body></soapenv:Envelope>"
    )
    mocked.post(ENDPOINT, body=bomb)
    with pytest.raises(MetadataApiError, match="not a SOAP answer"):
        api.deploy(b"zip", check_only=True, test_level=None)


def test_bad_gateway_is_transient(api: MetadataApi, mocked: responses.RequestsMock) -> None:
    mocked.post(ENDPOINT, status=502, body="Bad Gateway", content_type="text/plain")
    with pytest.raises(MetadataApiError, match="HTTP 502") as caught:
        api.check_deploy_status("0Afxx00000000lWCAQ")
    assert caught.value.transient


def test_timeout_is_transient_and_names_the_wait(
    api: MetadataApi, mocked: responses.RequestsMock
) -> None:
    mocked.post(ENDPOINT, body=requests.Timeout("read timed out"))
    with pytest.raises(MetadataApiError, match=r"no answer within 7.5 s") as caught:
        api.read_metadata("CustomField", ["Lead.Social_Handle__c"])
    assert caught.value.transient


def test_unknown_deploy_status_is_an_error(
    api: MetadataApi, mocked: responses.RequestsMock
) -> None:
    body = fixture("check_deploy_in_progress.xml").replace("InProgress", "Exploded")
    mocked.post(ENDPOINT, body=body)
    with pytest.raises(MetadataApiError, match=r"checkDeployStatus.*unreadable"):
        api.check_deploy_status("0Afxx00000000lWCAQ")


def test_answer_for_another_call_is_an_error(
    api: MetadataApi, mocked: responses.RequestsMock
) -> None:
    mocked.post(ENDPOINT, body=fixture("deploy.xml"))
    with pytest.raises(MetadataApiError, match="no <readMetadataResponse>"):
        api.read_metadata("StandardValueSet", ["CaseOrigin"])


def test_session_id_never_in_repr() -> None:
    session = OrgSession(INSTANCE, SecretStr(SESSION_ID))
    assert "secret" not in repr(session)


@pytest.fixture
def logins(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, object]]:
    """Logins given to a stand-in for simple_salesforce.Salesforce."""
    seen: list[dict[str, object]] = []

    class FakeSalesforce:
        def __init__(self, **login: object) -> None:
            seen.append(login)
            if login.get("password") == "wrong":
                raise SalesforceAuthenticationFailed("INVALID_LOGIN", "Invalid password")
            self.sf_instance = "acme.my.salesforce.com"
            self.session_id = "00Dxx!from-login"

    monkeypatch.setattr("sf_social.salesforce.auth.Salesforce", FakeSalesforce)
    return seen


def test_access_token_is_the_session(logins: list[dict[str, object]]) -> None:
    settings = SalesforceSettings(instance_url=INSTANCE + "/", access_token=SecretStr("tok"))
    session = open_session(settings)
    assert (session.instance_url, session.session_id.get_secret_value()) == (INSTANCE, "tok")
    assert logins == []  # no login call


def test_jwt_login_through_simple_salesforce(logins: list[dict[str, object]]) -> None:
    settings = SalesforceSettings(
        username="int@acme.com",
        consumer_key="3MVG9",
        private_key_file=Path("/keys/server.key"),
        domain="test",
    )
    session = open_session(settings)
    assert session == OrgSession(INSTANCE, SecretStr("00Dxx!from-login"))
    assert isinstance(logins[0].pop("session"), requests.Session)  # carries SF_TIMEOUT
    assert logins == [
        {
            "username": "int@acme.com",
            "consumer_key": "3MVG9",
            "privatekey_file": "/keys/server.key",
            "domain": "test",
            "version": "63.0",
        }
    ]


def test_failed_password_login_is_a_config_error_without_the_password(
    logins: list[dict[str, object]],
) -> None:
    settings = SalesforceSettings(username="int@acme.com", password=SecretStr("wrong"))
    with pytest.raises(ConfigError, match="INVALID_LOGIN") as caught:
        open_session(settings)
    assert "wrong" not in str(caught.value)
    assert logins[-1]["security_token"] == ""

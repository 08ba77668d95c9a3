"""The local org's Metadata API: read from and deployed to the org's own state."""

from __future__ import annotations

import base64
import sys
from collections.abc import Iterator
from xml.etree.ElementTree import tostring

import pytest
import requests
from pydantic import SecretStr

from sf_social.bundled import bundled_path
from sf_social.cli.main import main
from sf_social.errors import MetadataApiError, MetadataFaultError
from sf_social.metadata.build import package_xml, zip_bytes
from sf_social.metadata.components import MetadataPackage
from sf_social.metadata.deploy import deploy_package
from sf_social.metadata.diff import plan_deploy, read_org, render_diff
from sf_social.metadata.mdapi import DeployStatus, MetadataApi
from sf_social.metadata.session import OrgSession
from sf_social.metadata.source import load_package
from sf_social.metadata.valuexml import child_text
from sf_social.testing import LocalOrg
from sf_social.testing.setup import ready_org
from tests.testing.helpers import Api

QUEUE = (
    b'<?xml version="1.0" encoding="UTF-8"?><Queue xmlns="http://soap.sforce.com/2006/04/metadata">'
    b"<name>Triage</name><queueSobject><sobjectType>Case</sobjectType></queueSobject></Queue>"
)


@pytest.fixture(scope="module")
def package() -> MetadataPackage:
    return load_package(bundled_path("metadata"))


@pytest.fixture
def bare() -> Iterator[LocalOrg]:
    """An org without our fields, values or queues, answering in-process."""
    org = LocalOrg(custom_fields=False)
    with org.mock():
        yield org


def client(org: LocalOrg, http: requests.Session | None = None) -> MetadataApi:
    session = OrgSession(org.instance_url, SecretStr(org.access_token))
    return MetadataApi(session, api_version="63.0", timeout=5, http=http)


def deploy(org: LocalOrg, package: MetadataPackage) -> bool:
    outcome = deploy_package(
        client(org),
        package,
        check_only=False,
        sandbox=True,
        api_version="63.0",
        progress=lambda _line: None,
        sleep=lambda _seconds: None,
    )
    return outcome.ok


def raw_deploy(org: LocalOrg, files: dict[str, bytes] | bytes, rollback: bool) -> str:
    """A deploy call as any client may send it; the deploy's final status."""
    data = files if isinstance(files, bytes) else zip_bytes(files)
    envelope = (
        '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"'
        ' xmlns:met="http://soap.sforce.com/2006/04/metadata"><soapenv:Header>'
        f"<met:SessionHeader><met:sessionId>{org.access_token}</met:sessionId>"
        "</met:SessionHeader></soapenv:Header><soapenv:Body><met:deploy>"
        f"<met:ZipFile>{base64.b64encode(data).decode()}</met:ZipFile><met:DeployOptions>"
        f"<met:rollbackOnError>{str(rollback).lower()}</met:rollbackOnError>"
        "</met:DeployOptions></met:deploy></soapenv:Body></soapenv:Envelope>"
    )
    url = f"{org.instance_url}/services/Soap/m/63.0"
    org.metadata_api.in_progress_polls = 0
    assert requests.post(url, data=envelope.encode(), timeout=5).status_code == 200
    deploy_id = org.metadata_api.deploys[-1].id
    return client(org).check_deploy_status(deploy_id).status.value


def test_a_deployed_package_is_the_orgs_own(bare: LocalOrg, package: MetadataPackage) -> None:
    case = {"Subject": "hi", "Social_Thread_Key__c": "t1", "Origin": "Facebook"}
    rest = Api(bare)
    refused = rest.upsert("Case", "Social_Thread_Key__c", [case])
    assert refused.status_code == 404  # no such external id field yet
    assert deploy(bare, package)
    [done] = bare.metadata_api.deploys
    files = {(r.component_type, r.full_name): r.file_name for r in done.results}
    assert len(files) == len(done.results) == sum(map(len, package.members().values()))
    assert files["Report", "Social_Care"] == "reports/Social_Care-meta.xml"  # the folder
    assert (
        files["Dashboard", "Social_Care/Social_Care"]
        == "dashboards/Social_Care/Social_Care.dashboard"
    )
    assert files["CustomField", "Activity.Social_Post_Key__c"] == "objects/Activity.object"
    diff = plan_deploy(package, read_org(client(bare), package))
    assert render_diff(diff)[-1] == "Nothing to deploy."  # read back as deployed
    [written] = rest.upsert("Case", "Social_Thread_Key__c", [case]).json()
    assert written["success"], written  # the field exists, 'Facebook' is an active origin
    queue = bare.query("SELECT Id, Name FROM Group WHERE DeveloperName = 'Social_Review'")
    [review] = queue["records"]
    owned = bare.query(f"SELECT SobjectType FROM QueueSobject WHERE QueueId = '{review['Id']}'")
    assert [r["SobjectType"] for r in owned["records"]] == ["Case"]
    assert bare.schema.field("Task", "Social_Post_Key__c").external_id  # an Activity field


def test_the_ready_local_org_reads_as_having_the_package(package: MetadataPackage) -> None:
    org = ready_org()
    with org.mock():
        lines = render_diff(plan_deploy(package, read_org(client(org), package)))
    assert lines[-1] == "Nothing to deploy."
    assert "Custom fields to add (0):" in lines
    assert not any("differs only in case" in line for line in lines)  # '1%2C000%2B Followers'


def test_reads_from_the_orgs_state(bare: LocalOrg) -> None:
    api = client(bare)
    origin = api.read_metadata("StandardValueSet", ["caseorigin"])["caseorigin"]
    assert [v.full_name for v in origin.values] == bare.schema.field("Case", "Origin").values
    bare.add_queue("Triage", "Triage desk", ["Case", "Lead"])
    triage = api.read_metadata("Queue", ["Triage", "Nowhere"])
    assert list(triage) == ["Triage"] and triage["Triage"].sobjects == ("Case", "Lead")
    assert api.read_metadata("CustomField", ["Case.Social_Thread_Key__c"]) == {}
    with pytest.raises(MetadataFaultError, match="INVALID_TYPE"):
        api.read_metadata("ApexClass", ["Anything"])
    assert bare.call_count(path="/services/Soap/m/") == 4  # Metadata API calls count


def test_a_custom_field_set_in_the_org_is_read_and_written_as_it_is(bare: LocalOrg) -> None:
    ours = LocalOrg()  # an org with our fields, as the package makes them
    record = ours.metadata.get("CustomField", "lead.social_profile_key__c")
    assert record is not None and child_text(record, "fullName") == "Lead.Social_Profile_Key__c"
    activity = ours.metadata.get("CustomField", "activity.social_post_key__c")
    assert (
        activity is not None and child_text(activity, "fullName") == "Activity.Social_Post_Key__c"
    )
    bare.metadata.put("CustomField", record)
    spec = bare.schema.field("Lead", "Social_Profile_Key__c")
    assert (spec.external_id, spec.unique, spec.length) == (True, True, 255)
    read = client(bare).read_metadata("CustomField", ["Lead.Social_Profile_Key__c"])
    assert read["Lead.Social_Profile_Key__c"].field_type == "Text"
    again = bare.metadata.get("CustomField", "lead.social_profile_key__c")
    assert again is not None and tostring(again) == tostring(record)


def test_faults_aim_at_one_operation_and_sessions_are_checked(bare: LocalOrg) -> None:
    api = client(bare)
    bare.faults.answer(503, "Service Unavailable", content_type="text/plain", path="readMetadata")
    with pytest.raises(MetadataApiError, match="HTTP 503") as caught:
        api.read_metadata("Queue", ["Any"])
    assert caught.value.transient
    bare.expire_sessions()
    with pytest.raises(MetadataFaultError, match="INVALID_SESSION_ID"):
        api.read_metadata("Queue", ["Any"])


def test_without_rollback_what_passed_is_saved(bare: LocalOrg) -> None:
    members = {"Queue": ["Ghost", "Triage"]}
    files = {"package.xml": package_xml(members), "queues/Triage.queue": QUEUE}
    assert raw_deploy(bare, files, rollback=True) == DeployStatus.FAILED
    assert bare.metadata.get("Queue", "Triage") is None
    assert raw_deploy(bare, files, rollback=False) == DeployStatus.SUCCEEDED_PARTIAL
    assert bare.metadata.get("Queue", "Triage") is not None
    result = client(bare).check_deploy_status(bare.metadata_api.deploys[-1].id)
    [failure] = result.failures
    assert failure.problem == (
        "An object 'Ghost' of type Queue was named in package.xml, but was not found in zipped"
        " directory"
    )


def test_a_zip_without_package_xml_or_not_a_zip_fails(bare: LocalOrg) -> None:
    assert raw_deploy(bare, {"queues/Triage.queue": QUEUE}, rollback=True) == DeployStatus.FAILED
    result = client(bare).check_deploy_status(bare.metadata_api.deploys[-1].id)
    assert result.error_message == "No package.xml found"
    assert raw_deploy(bare, b"not a zip", rollback=True) == DeployStatus.FAILED
    apex = {"package.xml": package_xml({"ApexClass": ["Hello"]})}
    assert raw_deploy(bare, apex, rollback=True) == DeployStatus.FAILED
    [refused] = client(bare).check_deploy_status(bare.metadata_api.deploys[-1].id).failures
    assert refused.problem == "the local org does not deploy ApexClass components"


def invoke(monkeypatch: pytest.MonkeyPatch, env: dict[str, str], *args: str) -> int:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(sys, "argv", ["sf-social", "metadata", *args])
    monkeypatch.setattr("sf_social.metadata.deploy.time.sleep", lambda _s: None)
    try:
        main()
    except SystemExit as exited:
        return int(exited.code or 0)
    return 0


def test_metadata_deploy_then_diff_against_a_served_org(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    org = LocalOrg(custom_fields=False)
    with org.serve() as server:
        env = server.env()
        assert invoke(monkeypatch, env, "deploy", "--sandbox") == 0
        assert "Deployed: every component succeeded." in capsys.readouterr().out
        assert invoke(monkeypatch, env, "diff") == 0
    assert capsys.readouterr().out.rstrip().endswith("Nothing to deploy.")


def test_a_deployed_custom_object_takes_records_over_rest(
    bare: LocalOrg, package: MetadataPackage
) -> None:
    rest = Api(bare)
    reply = {"Body__c": "Sorry about that!", "Status__c": "Draft"}
    assert rest.post("/sobjects/Social_Reply__c", reply).status_code == 404  # not deployed yet
    case_id = bare.insert("Case", Subject="late parcel")

    assert deploy(bare, package)

    done = bare.metadata_api.deploys[-1]
    created = {(r.component_type, r.full_name) for r in done.results if r.created}
    assert ("CustomObject", "Social_Reply__c") in created
    assert ("ValidationRule", "Social_Reply__c.Approval_Needs_Approver") in created
    assert ("QuickAction", "Case.Social_Reply") in created
    answer = rest.post("/sobjects/Social_Reply__c", {**reply, "Case__c": case_id})
    assert answer.status_code == 201, answer.text
    assert answer.json()["id"].startswith("a0")
    bad = rest.post("/sobjects/Social_Reply__c", {**reply, "Status__c": "Posted"})
    assert bad.json()[0]["errorCode"] == "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"
    [row] = bare.query(
        "SELECT Name, Status__c, Case__r.Subject FROM Social_Reply__c"
        " WHERE SystemModstamp > 2000-01-01T00:00:00Z"
    )["records"]
    assert (row["Name"], row["Status__c"], row["Case__r"]["Subject"]) == (
        "SR-000001",
        "Draft",
        "late parcel",
    )
    diff = plan_deploy(package, read_org(client(bare), package))
    assert render_diff(diff)[-1] == "Nothing to deploy."


def test_the_seeded_org_has_the_custom_object() -> None:
    org = ready_org()
    reply_id = org.insert("Social_Reply__c", Body__c="Thanks!", Status__c="Approved")
    [record] = org.records("Social_Reply__c")
    assert (record["Id"], record["Name"], record["Status__c"]) == (
        reply_id,
        "SR-000001",
        "Approved",
    )


def test_fields_of_an_object_neither_the_org_has_nor_the_deploy_creates_fail(
    bare: LocalOrg,
) -> None:
    field = (
        b'<?xml version="1.0" encoding="UTF-8"?><CustomObject'
        b' xmlns="http://soap.sforce.com/2006/04/metadata"><fields><fullName>Body__c</fullName>'
        b"<label>Body</label><length>80</length><type>Text</type></fields></CustomObject>"
    )
    files = {
        "package.xml": package_xml({"CustomField": ["Ghost__c.Body__c"]}),
        "objects/Ghost__c.object": field,
    }
    assert raw_deploy(bare, files, rollback=True) == "Failed"
    [result] = bare.metadata_api.deploys[-1].results
    assert result.problem == "Cannot find the object Ghost__c"

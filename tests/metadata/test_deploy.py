"""deploy_package and `sf-social metadata deploy` against the local org's Metadata API."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from xml.etree.ElementTree import Element, tostring

import pytest

from sf_social.cli.main import main
from sf_social.errors import (
    DeployTimeoutError,
    MetadataApiError,
    MetadataDeployError,
    MetadataFaultError,
    OrgChangedError,
)
from sf_social.metadata import xmlfile
from sf_social.metadata.build import mdapi_files
from sf_social.metadata.components import MetadataPackage
from sf_social.metadata.deploy import DeployOutcome, deploy_package, render_outcome
from sf_social.metadata.diff import render_diff
from sf_social.metadata.mdapi import MetadataApi
from sf_social.metadata.merge import PicklistValue, ValueSetMerge
from sf_social.metadata.patch import apply_merges
from sf_social.metadata.source import load_package
from sf_social.metadata.valuexml import child_text, children, parse_xml
from sf_social.metadata.xsd import schema_errors
from sf_social.testing import LocalOrg, Request
from sf_social.testing.metadata_api import Deploy
from tests.metadata.files import edit, fixture


class Clock:
    """A fake monotonic clock that sleeping moves forward."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def __call__(self) -> float:
        return self.now


def run(
    api: MetadataApi,
    package: MetadataPackage,
    *,
    check_only: bool = False,
    sandbox: bool = True,
    wait: float = 600,
) -> tuple[DeployOutcome, list[str], Clock]:
    progress: list[str] = []
    clock = Clock()
    outcome = deploy_package(
        api,
        package,
        check_only=check_only,
        sandbox=sandbox,
        api_version="63.0",
        progress=progress.append,
        wait=wait,
        sleep=clock.sleep,
        clock=clock,
    )
    return outcome, progress, clock


def values(data: bytes, tag: str) -> list[tuple[str, bool, bool]]:
    """(fullName, active, default) of the values in a deployed file."""
    root = parse_xml(data)
    return [
        (
            child_text(v, "fullName") or "",
            child_text(v, "isActive") != "false",
            child_text(v, "default") == "true",
        )
        for v in root.iter()
        if v.tag.endswith("}" + tag)
    ]


def field_element(data: bytes, name: str) -> Element:
    return next(f for f in children(parse_xml(data), "fields") if child_text(f, "fullName") == name)


def deployed(org: LocalOrg) -> Deploy:
    """The one deploy the org received."""
    (deploy,) = org.metadata_api.deploys
    return deploy


def components(package: MetadataPackage) -> int:
    return sum(map(len, package.members().values()))


def value_set_reads(org: LocalOrg, then: Callable[[int], None]) -> list[Request]:
    """The StandardValueSet reads the org gets; ``then(n)`` runs before the n-th is answered."""
    reads: list[Request] = []

    def count(request: Request) -> None:
        if b"<met:type>StandardValueSet</met:type>" in request.body:
            reads.append(request)
            then(len(reads))

    org.on_request.append(count)
    return reads


def broken(root: Path) -> MetadataPackage:
    """The package with a Text field longer than Salesforce allows (the org refuses it)."""
    field = "objects/Lead/fields/Social_Profile_Key__c.field-meta.xml"
    edit(root, field, "<length>255</length>", "<length>300</length>")
    return load_package(root)


def test_sandbox_deploy_sends_the_union_of_org_and_our_values(
    api: MetadataApi, package: MetadataPackage, org: LocalOrg
) -> None:
    outcome, progress, _clock = run(api, package)

    assert outcome.ok
    assert org.metadata_api.calls.count("deploy") == 1
    options = deployed(org).options
    assert child_text(options, "testLevel") == "NoTestRun"
    assert child_text(options, "checkOnly") == "false"
    assert child_text(options, "rollbackOnError") == "true"
    files = deployed(org).files

    origin = values(files["standardValueSets/CaseOrigin.standardValueSet"], "standardValue")
    assert origin == [
        ("Phone", True, True),  # the org's default stays the default
        ("Email", True, False),
        ("Web", True, False),
        ("twitter", True, False),  # reused as the org spells it, no "Twitter" twin
        ("Social Media", True, False),  # re-activated in place
        ("Partner Portal", True, False),
        ("Facebook", True, False),
        ("LinkedIn", True, False),
        ("Instagram", True, False),
        ("YouTube", True, False),
    ]
    origin_xml = files["standardValueSets/CaseOrigin.standardValueSet"].decode()
    assert "<color>#1B96FF</color>" in origin_xml
    assert "<description>Cases opened by resellers</description>" in origin_xml

    source = values(files["standardValueSets/LeadSource.standardValueSet"], "standardValue")
    assert [n for n, _a, _d in source][:11] == [
        "Advertisement",
        "Employee Referral",
        "External Referral",
        "Partner",
        "Public Relations",
        "Seminar - Internal",
        "Seminar - Partner",
        "Trade Show",
        "Web",
        "Word of mouth",
        "Other",
    ]
    assert [n for n, _a, _d in source][11:] == [
        "Twitter",
        "LinkedIn",
        "Facebook",
        "LinkedIn Lead Gen Form",
        "Facebook Lead Ad",
        "Instagram Lead Ad",
        "Social Media",
    ]
    assert [n for n, _a, d in source if d] == ["Web"]

    task_type = files["standardValueSets/TaskType.standardValueSet"]
    assert child_text(parse_xml(task_type), "sorted") == "true"  # the org sorts it: kept

    lead = field_element(files["objects/Lead.object"], "LinkedIn_Lead_Activity__c")
    assert [(n, a) for n, a, _d in values(tostring(lead), "value")] == [
        ("Connection Request Sent", True),
        ("Connection Request Received", True),
        ("Connection Request Confirmed", True),
        ("Event Met", True),  # the admin's value survives
        ("InMail Sent", True),  # inactive in the org, we write it: re-activated
        ("Message Sent", True),
        ("Message Received", True),
        ("Post Engagement", True),
        ("Lead Form Submitted", True),
    ]
    count = components(package)
    assert f"Succeeded: {count}/{count} components" in progress
    assert any("started" in line for line in progress)


def test_deployed_package_is_schema_valid_and_complete(
    api: MetadataApi, package: MetadataPackage, org: LocalOrg
) -> None:
    run(api, package)
    files = deployed(org).files
    assert set(files) == set(mdapi_files(package))
    for name, data in files.items():
        assert schema_errors(xmlfile.parse_xml(data)) == [], name


def test_an_existing_queue_keeps_its_members_email_and_objects_and_gains_ours(
    api: MetadataApi, package: MetadataPackage, org: LocalOrg
) -> None:
    outcome, _progress, _clock = run(api, package)
    files = deployed(org).files

    sales = parse_xml(files["queues/Social_Sales.queue"])
    assert [child.tag.rpartition("}")[2] for child in sales] == [
        "doesSendEmailToMembers",
        "email",
        "name",
        "queueMembers",
        "queueSobject",
        "queueSobject",
    ]
    assert child_text(sales, "email") == "sales-desk@northwind.example"
    assert child_text(sales, "name") == "Sales Desk"  # the admin's label stays
    assert [u.text for u in sales.iter() if u.tag.endswith("}user")] == [
        "dana.morales@northwind.example"
    ]
    assert [child_text(q, "sobjectType") for q in children(sales, "queueSobject")] == [
        "Case",
        "Lead",
    ]
    review = files["queues/Social_Review.queue"]
    assert review == package.queues[[q.name for q in package.queues].index("Social_Review")].source
    lines = render_diff(outcome.diff)
    assert "  Social_Sales: also for Lead" in lines
    assert "  + Social_Review for Case" in lines


def test_production_check_only_leaves_test_level_to_the_org(
    api: MetadataApi, package: MetadataPackage, org: LocalOrg
) -> None:
    outcome, _progress, _clock = run(api, package, check_only=True, sandbox=False)

    options = deployed(org).options
    assert child_text(options, "checkOnly") == "true"
    assert child_text(options, "testLevel") is None  # NoTestRun is refused in production
    assert outcome.ok
    lines = render_outcome(outcome)
    assert lines[0] == f"Check-only deploy {deployed(org).id}: Succeeded"
    assert "nothing was changed in the org" in lines[-1]
    assert org.metadata.get("CustomField", "Case.Social_Thread_Key__c") is None  # validated only


def test_component_failures_are_reported_and_not_a_success(
    api: MetadataApi, root: Path, org: LocalOrg
) -> None:
    outcome, _progress, clock = run(api, broken(root))

    assert not outcome.ok
    lines = render_outcome(outcome)
    assert lines[0] == f"Deploy {deployed(org).id}: Failed"
    [error] = [line for line in lines if "ERROR   CustomField" in line]
    prefix = "  ERROR   CustomField Lead.Social_Profile_Key__c: objects/Lead.object:"
    assert error.startswith(prefix)
    assert error.endswith(": Length: a Text field holds at most 255 characters, not 300")
    line, column = map(int, error.removeprefix(prefix).split(":")[:2])
    text = deployed(org).files["objects/Lead.object"].decode().splitlines()
    assert text[line - 1][column - 1 :].startswith("<fields>")  # where the field starts
    assert "<fullName>Social_Profile_Key__c</fullName>" in text[line]
    assert (
        "  ERROR   PermissionSet SF_Social_Integration: permissionsets/"
        "SF_Social_Integration.permissionset: In field: field - no CustomField named"
        " Lead.Social_Profile_Key__c found"
    ) in lines  # the field it grants is not there
    assert "  ok      StandardValueSet CaseOrigin (changed)" in lines
    assert lines[-1].startswith("FAILED: nothing was changed in the org")
    assert clock.sleeps == [1.0]  # one wait between the two status checks
    origin = org.metadata.get("StandardValueSet", "CaseOrigin")
    assert origin is not None and "Facebook" not in tostring(origin).decode()  # rolled back


def test_org_changing_once_is_merged_again(
    api: MetadataApi, package: MetadataPackage, org: LocalOrg
) -> None:
    def someone_adds_bluesky(read: int) -> None:
        if read == 2:  # between our first read and the one just before deploying
            org.metadata.add_value("StandardValueSet", "CaseOrigin", PicklistValue("Bluesky"))

    reads = value_set_reads(org, someone_adds_bluesky)
    outcome, progress, _clock = run(api, package)

    assert outcome.ok
    names = [
        n
        for n, _a, _d in values(
            deployed(org).files["standardValueSets/CaseOrigin.standardValueSet"], "standardValue"
        )
    ]
    assert names.index("Bluesky") < names.index("Facebook")  # the org's value, in its place
    assert any("CaseOrigin: 'Bluesky' added" in line for line in progress)
    assert len(reads) == 3


def test_org_changing_again_stops_before_deploying(
    api: MetadataApi, package: MetadataPackage, org: LocalOrg
) -> None:
    def keeps_changing(read: int) -> None:
        if read >= 2:
            org.metadata.add_value(
                "CustomField", "Lead.LinkedIn_Lead_Activity__c", PicklistValue(f"V{read}")
            )

    value_set_reads(org, keeps_changing)
    with pytest.raises(OrgChangedError) as caught:
        run(api, package)
    assert caught.value.component == "Lead.LinkedIn_Lead_Activity__c"
    assert caught.value.values == ["'V3' added"]
    assert "nothing was deployed" in str(caught.value)
    assert "deploy" not in org.metadata_api.calls


def test_fault_while_reading_deploys_nothing(
    api: MetadataApi, package: MetadataPackage, org: LocalOrg
) -> None:
    org.expire_sessions()
    with pytest.raises(MetadataFaultError, match="INVALID_SESSION_ID"):
        run(api, package)
    assert len(org.received("/services/Soap/m/")) == 1


def test_garbage_status_answer_is_an_error_not_a_success(
    api: MetadataApi, package: MetadataPackage, org: LocalOrg
) -> None:
    org.faults.answer(200, fixture("login_page.html"), path="checkDeployStatus")
    with pytest.raises(MetadataApiError, match=r"checkDeployStatus") as caught:
        run(api, package)
    assert f"checkDeployStatus (deploy {deployed(org).id})" in str(caught.value)


def test_transient_status_errors_are_retried(
    api: MetadataApi, package: MetadataPackage, org: LocalOrg
) -> None:
    org.metadata_api.in_progress_polls = 0  # done at the first check that is answered
    org.faults.answer(503, "Service Unavailable", content_type="text/plain", path="checkDeploy")
    org.faults.answer(502, "Bad Gateway", content_type="text/plain", path="checkDeploy")
    outcome, progress, clock = run(api, package)
    assert outcome.ok
    assert sum("status check failed" in line for line in progress) == 2
    assert clock.sleeps == [1.0, 1.5]  # backing off between the failed checks


def test_deploy_that_never_finishes_times_out_naming_it(
    api: MetadataApi, package: MetadataPackage, org: LocalOrg
) -> None:
    org.metadata_api.in_progress_polls = 1_000_000
    with pytest.raises(DeployTimeoutError, match=r"may still complete") as caught:
        run(api, package, wait=60)
    assert str(caught.value).index(deployed(org).id) < str(caught.value).index("may still")


def test_field_of_another_type_in_the_org_stops_the_deploy(
    api: MetadataApi, package: MetadataPackage, org: LocalOrg
) -> None:
    record = org.metadata.get("CustomField", "Lead.Social_Handle__c")
    assert record is not None
    (field_type,) = children(record, "type")
    field_type.text = "Email"
    org.metadata.put("CustomField", record)
    with pytest.raises(MetadataDeployError, match=r"Lead.Social_Handle__c is a Email field"):
        run(api, package)
    assert "deploy" not in org.metadata_api.calls


def test_merge_for_a_component_not_in_the_package_is_an_error(package: MetadataPackage) -> None:
    merge = ValueSetMerge("OpportunityStage", (PicklistValue("Won"),))
    with pytest.raises(MetadataDeployError, match="no component for OpportunityStage"):
        apply_merges(mdapi_files(package), {"OpportunityStage": merge})


# --- the command ---------------------------------------------------------------------------


def invoke(monkeypatch: pytest.MonkeyPatch, *args: str, env: dict[str, str]) -> int:
    for name in ("SF_INSTANCE_URL", "SF_ACCESS_TOKEN", "SF_USERNAME", "SF_CONSUMER_KEY"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(sys, "argv", ["sf-social", "metadata", *args])
    monkeypatch.setattr("sf_social.metadata.deploy.time.sleep", lambda _s: None)
    try:
        main()
    except SystemExit as exited:
        return int(exited.code or 0)
    return 0


def org_env(org: LocalOrg) -> dict[str, str]:
    return {"SF_INSTANCE_URL": org.instance_url, "SF_ACCESS_TOKEN": org.access_token}


def test_cli_deploy_success_exits_0(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    org: LocalOrg,
    package: MetadataPackage,
) -> None:
    assert invoke(monkeypatch, "deploy", "--sandbox", env=org_env(org)) == 0
    out, err = capsys.readouterr()
    assert "Deployed: every component succeeded." in out
    assert "    + Facebook" in out
    count = components(package)
    assert f"InProgress: {count // 2}/{count} components (Processing Type: CustomField)" in err
    assert org.access_token not in out + err


def test_cli_deploy_failure_is_an_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], org: LocalOrg, root: Path
) -> None:
    broken(root)
    args = ("deploy", "--check-only", "--metadata", str(root))
    assert invoke(monkeypatch, *args, env=org_env(org)) == 2
    out, err = capsys.readouterr()
    assert "Lead.Social_Profile_Key__c: objects/Lead.object:" in out
    assert f"error: deploy {deployed(org).id} FAILED: nothing was changed in the org" in err


def test_cli_without_login_settings_names_the_variables(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert invoke(monkeypatch, "deploy", env={}) == 2
    err = capsys.readouterr().err
    assert "SF_INSTANCE_URL + SF_ACCESS_TOKEN" in err
    assert "SF_USERNAME + SF_CONSUMER_KEY + SF_PRIVATE_KEY_FILE" in err


@pytest.mark.parametrize("answer", ["missing", "empty"])
def test_an_org_value_set_read_as_missing_or_empty_deploys_nothing(
    answer: str, api: MetadataApi, package: MetadataPackage, org: LocalOrg
) -> None:
    """Merging into nothing would send our values alone and deactivate all of the org's."""
    record = org.metadata.get("StandardValueSet", "CaseOrigin")
    assert record is not None
    if answer == "missing":
        org.metadata.remove("StandardValueSet", "CaseOrigin")
    else:
        for value in children(record, "standardValue"):
            record.remove(value)
        org.metadata.put("StandardValueSet", record)
    with pytest.raises(MetadataApiError, match="StandardValueSet CaseOrigin") as caught:
        run(api, package)
    assert "would deactivate them, so nothing was deployed" in str(caught.value)
    assert "deploy" not in org.metadata_api.calls

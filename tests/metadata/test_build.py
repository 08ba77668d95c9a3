"""build: an mdapi-format package whose package.xml lists every component, byte-for-byte stable."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pytest

from sf_social.bundled import bundled_path
from sf_social.errors import ConfigError, MetadataError
from sf_social.metadata.build import build_package
from sf_social.metadata.xmlfile import child_text, children, local_name, parse_xml
from sf_social.metadata.xsd import schema_errors

SHIPPED = bundled_path("metadata")
REPORTS = (
    "Social_Cases_by_Segment_and_Network",
    "Social_Overdue_Now",
    "Social_Response_Times",
    "Social_Within_Target",
)


def expected_members() -> dict[str, list[str]]:
    """package.xml members worked out from the source file names alone."""
    fields = [
        f"{p.parent.parent.name}.{p.name.removesuffix('.field-meta.xml')}"
        for p in SHIPPED.glob("objects/*/fields/*.field-meta.xml")
    ]
    value_sets = [
        p.name.removesuffix(".standardValueSet-meta.xml")
        for p in SHIPPED.glob("standardValueSets/*")
    ]
    permission_sets = [
        p.name.removesuffix(".permissionset-meta.xml") for p in SHIPPED.glob("permissionsets/*")
    ]
    queues = [p.name.removesuffix(".queue-meta.xml") for p in SHIPPED.glob("queues/*")]
    return {
        "CustomField": sorted(fields),
        "CustomNotificationType": ["Social_Escalation"],
        "CustomObject": ["Social_Reply__c"],
        "CustomPermission": ["SF_Social_Reply_Approve"],
        "Dashboard": ["Social_Care", "Social_Care/Social_Care"],
        "PermissionSet": sorted(permission_sets),
        "QuickAction": ["Case.Social_Reply"],
        "Queue": sorted(queues),
        "Report": ["Social_Care", *(f"Social_Care/{name}" for name in REPORTS)],
        "ReportType": ["Social_Cases"],
        "StandardValueSet": sorted(value_sets),
        "ValidationRule": ["Social_Reply__c.Approval_Needs_Approver"],
    }


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    out = tmp_path_factory.mktemp("build") / "sf_social.zip"
    build_package(SHIPPED, out)
    with zipfile.ZipFile(out) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_package_xml_lists_every_component(built: dict[str, bytes]) -> None:
    package = parse_xml(built["package.xml"])

    members = {
        child_text(types, "name"): [m.text for m in children(types, "members")]
        for types in children(package, "types")
    }
    assert members == expected_members()
    assert len(members["CustomField"]) == 59
    assert len(members["Queue"]) == 9
    assert child_text(package, "version") == "63.0"


def test_the_files_are_in_mdapi_layout(built: dict[str, bytes]) -> None:
    assert list(built) == [
        "customPermissions/SF_Social_Reply_Approve.customPermission",
        "dashboards/Social_Care-meta.xml",
        "dashboards/Social_Care/Social_Care.dashboard",
        "notificationtypes/Social_Escalation.notiftype",
        "objects/Activity.object",
        "objects/Case.object",
        "objects/Contact.object",
        "objects/Lead.object",
        "objects/Social_Reply__c.object",
        "package.xml",
        "permissionsets/SF_Social_Integration.permissionset",
        "permissionsets/SF_Social_Reply_Agent.permissionset",
        "permissionsets/SF_Social_Reply_Approver.permissionset",
        *(f"queues/{name}.queue" for name in expected_members()["Queue"]),
        "quickActions/Case.Social_Reply.quickAction",
        "reportTypes/Social_Cases.reportType",
        "reports/Social_Care-meta.xml",
        *(f"reports/Social_Care/{name}.report" for name in REPORTS),
        "standardValueSets/CaseOrigin.standardValueSet",
        "standardValueSets/CaseType.standardValueSet",
        "standardValueSets/LeadSource.standardValueSet",
        "standardValueSets/TaskSubject.standardValueSet",
        "standardValueSets/TaskType.standardValueSet",
    ]


def test_every_built_file_is_valid(built: dict[str, bytes]) -> None:
    for name, content in built.items():
        assert schema_errors(parse_xml(content)) == [], name


def test_an_object_file_holds_its_fields_as_in_the_source(built: dict[str, bytes]) -> None:
    custom_object = parse_xml(built["objects/Activity.object"])
    fields = children(custom_object, "fields")

    assert [local_name(c) for c in children(custom_object)] == ["fields"] * 10
    names = [child_text(f, "fullName") or "" for f in fields]
    assert names == sorted(names)
    key = fields[names.index("Social_Post_Key__c")]
    source = parse_xml(
        SHIPPED.joinpath("objects/Activity/fields/Social_Post_Key__c.field-meta.xml").read_bytes()
    )
    assert [(local_name(c), c.text) for c in children(key)] == [
        (local_name(c), c.text) for c in children(source)
    ]


def test_value_and_permission_sets_are_copied_as_they_are(built: dict[str, bytes]) -> None:
    source = SHIPPED / "standardValueSets/LeadSource.standardValueSet-meta.xml"
    assert built["standardValueSets/LeadSource.standardValueSet"] == source.read_bytes()


def test_builds_are_byte_for_byte_identical(tmp_path: Path) -> None:
    first, second = tmp_path / "a.zip", tmp_path / "b.zip"
    build_package(SHIPPED, first)
    build_package(SHIPPED, second)

    assert first.read_bytes() == second.read_bytes()
    with zipfile.ZipFile(first) as archive:
        assert {i.date_time for i in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_a_folder_build_holds_the_same_files(tmp_path: Path, built: dict[str, bytes]) -> None:
    out = tmp_path / "mdapi"
    build_package(SHIPPED, out)

    files = {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert files == built


def test_a_folder_build_refuses_a_non_empty_folder(tmp_path: Path) -> None:
    (tmp_path / "old.txt").write_text("keep me", encoding="utf-8")

    with pytest.raises(ConfigError, match="exists and is not an empty folder"):
        build_package(SHIPPED, tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == ["old.txt"]


def test_an_invalid_package_is_not_built(tmp_path: Path) -> None:
    root = tmp_path / "metadata"
    shutil.copytree(SHIPPED, root)
    broken = root / "objects/Lead/fields/Social_Handle__c.field-meta.xml"
    broken.write_text("<CustomField>", encoding="utf-8")
    out = tmp_path / "out.zip"

    with pytest.raises(MetadataError, match=r"Social_Handle__c.field-meta.xml:1: Lead\.Social_"):
        build_package(root, out)
    assert not out.exists()


def test_the_notification_type_is_deployed_as_it_is(built: dict[str, bytes]) -> None:
    source = SHIPPED / "notificationtypes" / "Social_Escalation.notiftype-meta.xml"
    assert built["notificationtypes/Social_Escalation.notiftype"] == source.read_bytes()


def test_the_custom_object_file_holds_its_settings_fields_and_validation_rule(
    built: dict[str, bytes],
) -> None:
    reply = parse_xml(built["objects/Social_Reply__c.object"])

    assert child_text(reply, "label") == "Social Reply"
    assert child_text(reply, "sharingModel") == "ReadWrite"
    fields = [child_text(f, "fullName") for f in children(reply, "fields")]
    assert fields == sorted(
        p.name.removesuffix(".field-meta.xml")
        for p in SHIPPED.glob("objects/Social_Reply__c/fields/*")
    )
    (rule,) = children(reply, "validationRules")
    assert child_text(rule, "fullName") == "Approval_Needs_Approver"
    assert "$Permission.SF_Social_Reply_Approve" in (
        child_text(rule, "errorConditionFormula") or ""
    )
    case = parse_xml(built["objects/Case.object"])
    assert children(case, "validationRules") == [] and child_text(case, "label") is None

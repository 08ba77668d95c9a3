"""Reading metadata/: the shipped package loads; broken files are named precisely."""

from __future__ import annotations

from pathlib import Path

import pytest

from sf_social.bundled import bundled_path
from sf_social.errors import MetadataError
from sf_social.metadata.problems import Problem
from sf_social.metadata.source import load_package, scan_package
from tests.metadata.files import edit

NETWORK = "objects/Lead/fields/Social_Network__c.field-meta.xml"
CASE_ORIGIN = "standardValueSets/CaseOrigin.standardValueSet-meta.xml"
PERMISSIONS = "permissionsets/SF_Social_Integration.permissionset-meta.xml"


def line_of(path: Path, needle: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(n for n, line in enumerate(lines, 1) if needle in line)


def only(problems: list[Problem]) -> Problem:
    assert len(problems) == 1, [str(p) for p in problems]
    return problems[0]


def test_the_shipped_package_loads() -> None:
    package = load_package(bundled_path("metadata"))

    assert package.count == 89
    assert len(package.fields) == 59
    reply = package.custom_object("Social_Reply__c")
    assert reply is not None and (reply.label, reply.plural_label) == (
        "Social Reply",
        "Social Replies",
    )
    case = package.field("Social_Reply__c", "Case__c")
    assert case is not None and (case.type, case.reference_to) == ("Lookup", "Case")
    assert [r.member for r in package.validation_rules] == [
        "Social_Reply__c.Approval_Needs_Approver"
    ]
    sales = package.queue("Social_Sales")
    assert sales is not None and (sales.label, sales.sobjects) == ("Social Sales", ("Case", "Lead"))
    network = package.field("Task", "Social_Network__c")
    assert network is not None
    assert (network.object, network.type, network.restricted) == ("Activity", "Picklist", True)
    assert network.line == 2
    tier = package.field("Lead", "Social_Influence_Tier__c")
    assert tier is not None
    value = tier.value("1,000+ Followers")
    assert value is not None
    assert (value.full_name, value.label) == ("1%2C000%2B Followers", "1,000+ Followers")
    grants = package.permission_set("SF_Social_Integration")
    assert grants is not None
    assert grants.field_permission("Event.Social_Post_Key__c") is not None


def test_malformed_xml_names_file_line_and_component(root: Path) -> None:
    path = edit(root, NETWORK, "<label>Social Network</label>", "<label>Social Network</labl>")

    problem = only(scan_package(root)[1])

    assert (problem.file, problem.line) == (path, line_of(path, "</labl>"))
    assert problem.component == "Lead.Social_Network__c"
    assert problem.message.startswith("not well-formed XML: Opening and ending tag mismatch")


def test_an_unknown_element_fails_the_xsd(root: Path) -> None:
    path = edit(root, NETWORK, "<type>Picklist</type>", "<type>Picklist</type><colour>red</colour>")

    problem = only(scan_package(root)[1])

    assert (problem.file, problem.line, problem.component) == (
        path,
        line_of(path, "<colour>"),
        "Lead.Social_Network__c",
    )
    assert problem.message.startswith("XSD: Element 'colour': This element is not expected.")


def test_elements_out_of_order_fail_the_xsd(root: Path) -> None:
    path = edit(root, NETWORK, "    <label>Social Network</label>\n", "")
    edit(root, NETWORK, "</CustomField>", "<label>Social Network</label></CustomField>")

    problem = only(scan_package(root)[1])

    assert problem.line == line_of(path, "<label>Social Network</label>")
    assert "Element 'label': This element is not expected." in problem.message


def test_a_value_without_its_default_fails_the_xsd(root: Path) -> None:
    path = edit(
        root,
        CASE_ORIGIN,
        "<fullName>YouTube</fullName>\n        <default>false</default>",
        "<fullName>YouTube</fullName>",
    )

    problem = only(scan_package(root)[1])

    assert (problem.file, problem.component) == (path, "CaseOrigin")
    assert problem.line == line_of(path, "<label>YouTube</label>")
    assert problem.message == (
        "XSD: Element 'label': This element is not expected. Expected is one of ( color, default )."
    )


def test_a_missing_label_and_length_are_reported(root: Path) -> None:
    name = "objects/Case/fields/Social_Handle__c.field-meta.xml"
    edit(root, name, "    <label>Social Handle</label>\n", "")
    edit(root, name, "    <length>255</length>\n", "")

    messages = [p.message for p in scan_package(root)[1]]

    assert messages == [
        "missing <label>: admins see it on every page layout",
        "a Text field needs <length>",
    ]


def test_a_picklist_without_values_is_reported(root: Path) -> None:
    path = root / "objects/Case/fields/Social_Sentiment__c.field-meta.xml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text[: text.index("    <valueSet>")] + "</CustomField>\n", encoding="utf-8")

    problem = only(scan_package(root)[1])

    assert problem.component == "Case.Social_Sentiment__c"
    assert problem.message == "a picklist needs its values in <valueSet><valueSetDefinition>"


def test_a_value_duplicated_up_to_case_is_reported(root: Path) -> None:
    path = edit(
        root,
        NETWORK,
        "<fullName>Other</fullName>\n                <default>false</default>\n"
        "                <label>Other</label>",
        "<fullName>twitter</fullName>\n                <default>false</default>\n"
        "                <label>twitter</label>",
    )

    problem = only(scan_package(root)[1])

    first = line_of(path, "<fullName>Twitter</fullName>") - 1
    assert problem.line == line_of(path, "<fullName>twitter</fullName>") - 1
    assert problem.message == (
        f"value 'twitter' duplicates 'Twitter' (line {first}): API names and labels ignore case"
    )


def test_a_field_named_unlike_its_file_is_reported(root: Path) -> None:
    edit(root, NETWORK, "<fullName>Social_Network__c</fullName>", "<fullName>Network__c</fullName>")

    problem = only(scan_package(root)[1])

    assert problem.message == (
        "fullName 'Network__c' differs from the file name 'Social_Network__c'"
    )


def test_a_default_in_our_standard_values_is_reported(root: Path) -> None:
    path = edit(
        root,
        CASE_ORIGIN,
        "<fullName>Twitter</fullName>\n        <default>false</default>",
        "<fullName>Twitter</fullName>\n        <default>true</default>",
    )

    problem = only(scan_package(root)[1])

    assert problem.line == line_of(path, "<fullName>Twitter</fullName>") - 1
    assert problem.message == (
        "value 'Twitter': ours never set the default (a deploy keeps the org's default)"
    )


def test_an_edit_without_read_is_reported(root: Path) -> None:
    path = edit(
        root,
        PERMISSIONS,
        "<field>Case.Social_Complaint__c</field>\n        <readable>true</readable>",
        "<field>Case.Social_Complaint__c</field>\n        <readable>false</readable>",
    )

    problem = only(scan_package(root)[1])

    assert (problem.file, problem.component) == (path, "SF_Social_Integration")
    assert problem.line == line_of(path, "<field>Case.Social_Complaint__c</field>") - 2
    assert problem.message == "Case.Social_Complaint__c: editable needs readable too"


def test_a_wrong_root_element_is_reported(root: Path) -> None:
    edit(root, CASE_ORIGIN, "<StandardValueSet xmlns", "<GlobalValueSet xmlns")
    edit(root, CASE_ORIGIN, "</StandardValueSet>", "</GlobalValueSet>")

    problem = only(scan_package(root)[1])

    assert problem.component == "CaseOrigin"
    assert problem.message == (
        "the root element must be StandardValueSet in namespace "
        "http://soap.sforce.com/2006/04/metadata, not "
        "{http://soap.sforce.com/2006/04/metadata}GlobalValueSet"
    )


def test_an_unknown_file_is_reported_and_hidden_files_ignored(root: Path) -> None:
    (root / ".forceignore").write_text("**/jsconfig.json\n", encoding="utf-8")
    stray = root / "objects/Lead/fields/Social_Score__c.field-meta.xm"
    stray.write_text("<CustomField/>", encoding="utf-8")

    problem = only(scan_package(root)[1])

    assert (problem.file, problem.line) == (stray, None)
    assert problem.message.startswith("not a metadata file sf_social reads (objects/<Object>/")


def test_load_package_raises_with_every_problem(root: Path) -> None:
    edit(root, NETWORK, "<label>Social Network</label>", "<label>Social Network</labl>")
    edit(root, CASE_ORIGIN, "<sorted>false</sorted>", "<sorted>no</sorted>")

    with pytest.raises(MetadataError) as caught:
        load_package(root)

    assert len(caught.value.problems) == 2
    assert caught.value.problems[0].startswith(f"{root / NETWORK}:6: Lead.Social_Network__c: ")
    assert caught.value.problems[1].startswith(
        f"{root / CASE_ORIGIN}:10: CaseOrigin: XSD: Element 'sorted': 'no' is not a valid value"
    )
    assert str(root) in str(caught.value)


def test_a_missing_folder_is_one_problem(tmp_path: Path) -> None:
    assert [p.message for p in scan_package(tmp_path / "nope")[1]] == ["no such metadata folder"]


def test_a_queue_without_objects_or_name_is_a_problem(root: Path) -> None:
    path = root / "queues" / "Social_PR.queue-meta.xml"
    text = path.read_text()
    start, end = text.index("    <queueSobject>"), text.index("</Queue>")
    path.write_text(text[:start] + text[end:])

    problem = only(scan_package(root)[1])

    assert (problem.file, problem.component) == (path, "Social_PR")
    assert "at least one <queueSobject>" in problem.message


def test_a_custom_object_needs_its_name_field(root: Path) -> None:
    reply = "objects/Social_Reply__c/Social_Reply__c.object-meta.xml"
    path = edit(root, reply, "<label>Social Reply Number</label>", "")
    text = path.read_text(encoding="utf-8")
    start, end = text.index("    <nameField>"), text.index("</nameField>\n") + 13
    path.write_text(text[:start] + text[end:], encoding="utf-8")

    problem = only(scan_package(root)[1])

    assert (problem.file, problem.component) == (path, "Social_Reply__c")
    assert problem.message == "a custom object needs <nameField>"


def test_a_lookup_needs_its_object_and_relationship(root: Path) -> None:
    path = edit(
        root,
        "objects/Social_Reply__c/fields/Case__c.field-meta.xml",
        "    <referenceTo>Case</referenceTo>\n",
        "",
    )

    problem = only(scan_package(root)[1])

    assert (problem.file, problem.component) == (path, "Social_Reply__c.Case__c")
    assert problem.message == "a Lookup field needs <referenceTo>"

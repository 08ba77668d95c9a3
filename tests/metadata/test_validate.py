"""validate: permission set coverage, and everything the mapping writes exists in metadata/."""

from __future__ import annotations

from pathlib import Path

from sf_social.bundled import bundled_path
from sf_social.metadata.source import load_package
from sf_social.metadata.validate import check_permissions, check_writes, validate_package
from sf_social.playbook import default_playbook_path, load_playbook, parse_playbook
from tests.metadata.files import edit

PERMISSIONS = "permissionsets/SF_Social_Integration.permissionset-meta.xml"


def grant(field: str) -> str:
    return (
        f"    <fieldPermissions>\n        <editable>true</editable>\n"
        f"        <field>{field}</field>\n        <readable>true</readable>\n"
        f"    </fieldPermissions>\n"
    )


def messages(root: Path) -> list[str]:
    return [str(p).removeprefix(f"{root}/") for p in check_permissions(load_package(root))]


def test_the_shipped_package_fits_the_default_playbook_and_mapping() -> None:
    """Fails when the mapping writes a field or picklist value that metadata/ lacks."""
    assert [str(p) for p in validate_package(bundled_path("metadata"), load_playbook())] == []


def test_a_field_missing_from_the_permission_set(root: Path) -> None:
    edit(root, PERMISSIONS, grant("Lead.Social_Followers__c"), "")

    assert messages(root) == [
        f"{PERMISSIONS}:2: Lead.Social_Followers__c: SF_Social_Integration must grant read and "
        "edit on this field (<fieldPermissions> with <field>Lead.Social_Followers__c</field>, "
        "editable and readable true)"
    ]


def test_a_task_field_needs_its_event_twin_too(root: Path) -> None:
    edit(root, PERMISSIONS, grant("Event.Social_Post_Key__c"), "")

    assert [m.split(": ")[1] for m in messages(root)] == ["Event.Social_Post_Key__c"]


def test_a_read_only_grant_is_not_enough(root: Path) -> None:
    edit(
        root,
        PERMISSIONS,
        "<editable>true</editable>\n        <field>Case.Social_Evidence__c</field>",
        "<editable>false</editable>\n        <field>Case.Social_Evidence__c</field>",
    )

    assert [m.split(": ")[:2] for m in messages(root)] == [
        [f"{PERMISSIONS}:28", "Case.Social_Evidence__c"]
    ]


def test_a_grant_for_a_field_metadata_lacks(root: Path) -> None:
    edit(root, PERMISSIONS, "    <label>", grant("Lead.Social_Score__c") + "    <label>")

    assert messages(root) == [
        f"{PERMISSIONS}:353: Lead.Social_Score__c: grants a custom field that metadata/ does not "
        "define (the deploy would fail)"
    ]


def test_objects_and_tasks_need_access(root: Path) -> None:
    edit(
        root,
        PERMISSIONS,
        "<allowEdit>true</allowEdit>\n        <allowRead>true</allowRead>\n"
        "        <modifyAllRecords>false</modifyAllRecords>\n        <object>Contact</object>",
        "<allowEdit>false</allowEdit>\n        <allowRead>true</allowRead>\n"
        "        <modifyAllRecords>false</modifyAllRecords>\n        <object>Contact</object>",
    )
    edit(root, PERMISSIONS, "<name>EditTask</name>", "<name>ViewAllData</name>")

    assert [m.split(": ", 2)[1:] for m in messages(root)] == [
        [
            "Contact",
            "SF_Social_Integration must allow read and edit on Contact (<objectPermissions>)",
        ],
        ["Task", "SF_Social_Integration must enable the user permission EditTask (Edit Tasks)"],
    ]


def test_a_missing_permission_set(root: Path) -> None:
    (root / PERMISSIONS).unlink()

    assert messages(root) == [
        f"{PERMISSIONS}: SF_Social_Integration: missing: the integration user sees no custom "
        "field until a permission set grants it"
    ]


def test_mapping_writes_missing_fields_and_values() -> None:
    package = load_package(bundled_path("metadata"))
    fields = {"Task": {"Social_Post_Key__c", "Social_Mood__c", "Subject"}, "Case": {"Subject"}}
    values = {
        ("Task", "Social_Mood__c"): {"Happy"},  # field already reported missing
        ("Lead", "Social_Network__c"): {"Twitter", "twitter", "Threads"},
        ("Contact", "Social_Handle__c"): {"jane"},
        ("Case", "Social_Color__c"): {"Red"},
        ("Case", "Origin"): {"Twitter", "Email"},
        ("Case", "Priority"): {"Urgent"},  # standard, no value set shipped: the org's own
    }

    problems = [str(p) for p in check_writes(package, fields, values)]

    root = bundled_path("metadata")
    assert problems == [
        f"{root}/objects/Activity/fields/Social_Mood__c.field-meta.xml: Task.Social_Mood__c: "
        "missing: the mapping writes this field, but metadata/ does not define it",
        f"{root}/standardValueSets/CaseOrigin.standardValueSet-meta.xml:9: Case.Origin "
        "(CaseOrigin): the mapping writes value 'Email', which is not defined",
        f"{root}/objects/Case/fields/Social_Color__c.field-meta.xml: Case.Social_Color__c: "
        "missing: the mapping writes this field, but metadata/ does not define it",
        f"{root}/objects/Contact/fields/Social_Handle__c.field-meta.xml:2: "
        "Contact.Social_Handle__c: the mapping writes picklist values here, but it is a Text field",
        f"{root}/objects/Lead/fields/Social_Network__c.field-meta.xml:2: Lead.Social_Network__c: "
        "the mapping writes value 'Threads', which is not defined",
        f"{root}/objects/Lead/fields/Social_Network__c.field-meta.xml:2: Lead.Social_Network__c: "
        "the mapping writes value 'twitter', which is not defined (it has 'Twitter': API names "
        "must match exactly)",
    ]


def test_an_inactive_value_and_a_missing_value_set(root: Path) -> None:
    edit(
        root,
        "objects/Activity/fields/Social_Direction__c.field-meta.xml",
        "<default>false</default>\n                <label>Outbound</label>",
        "<default>false</default>\n                <isActive>false</isActive>\n"
        "                <label>Outbound</label>",
    )
    (root / "standardValueSets/TaskSubject.standardValueSet-meta.xml").unlink()
    values = {("Task", "Social_Direction__c"): {"Outbound"}, ("Task", "Subject"): {"Tweeted"}}

    problems = [
        str(p).removeprefix(f"{root}/") for p in check_writes(load_package(root), {}, values)
    ]

    assert problems == [
        "objects/Activity/fields/Social_Direction__c.field-meta.xml:17: Task.Social_Direction__c: "
        "value 'Outbound' is inactive, but the mapping writes it",
        "standardValueSets/TaskSubject.standardValueSet-meta.xml: TaskSubject: missing: the "
        "mapping writes Task.Subject, whose values live in TaskSubject",
    ]


def test_a_playbook_case_type_missing_from_metadata(root: Path) -> None:
    text = default_playbook_path().read_text(encoding="utf-8")
    assert "  complaint: Problem\n" in text
    playbook = parse_playbook(text.replace("  complaint: Problem\n", "  complaint: Complaint\n"))

    problems = [str(p).removeprefix(f"{root}/") for p in validate_package(root, playbook)]

    assert problems == [
        "standardValueSets/CaseType.standardValueSet-meta.xml:9: Case.Type (CaseType): the "
        "mapping writes value 'Complaint', which is not defined"
    ]


def test_a_deleted_field_is_reported_by_every_check_that_needs_it(root: Path) -> None:
    (root / "objects/Case/fields/Social_Sentiment__c.field-meta.xml").unlink()

    problems = [str(p).removeprefix(f"{root}/") for p in validate_package(root, load_playbook())]

    assert [p.split(": ")[1] for p in problems] == [
        "Case.Social_Sentiment__c",  # a grant for a field that no longer exists
        "Case.Social_Sentiment__c",  # the mapping writes it
    ]
    assert problems[1].startswith("objects/Case/fields/Social_Sentiment__c.field-meta.xml: ")


def test_fields_and_rules_of_a_custom_object_the_package_lacks(root: Path) -> None:
    (root / "objects/Social_Reply__c/Social_Reply__c.object-meta.xml").unlink()

    problems = [
        str(p).removeprefix(f"{root}/")
        for p in validate_package(root, load_playbook())
        if "is not in the package" in str(p)
    ]

    assert len(problems) == 8  # seven fields and the validation rule
    assert (
        "objects/Social_Reply__c/validationRules/Approval_Needs_Approver.validationRule-meta.xml:2:"
        " Social_Reply__c.Approval_Needs_Approver: Social_Reply__c is not in the package: add"
        " objects/Social_Reply__c/Social_Reply__c.object-meta.xml"
    ) in problems


def test_a_quick_action_naming_a_field_the_package_lacks(root: Path) -> None:
    action = "quickActions/Case.Social_Reply.quickAction-meta.xml"
    edit(root, action, "<field>Body__c</field>", "<field>Text__c</field>")

    problems = [str(p).removeprefix(f"{root}/") for p in validate_package(root, load_playbook())]

    assert problems == [
        f"{action}:2: Case.Social_Reply: field Social_Reply__c.Text__c is not a custom field in"
        " objects/"
    ]

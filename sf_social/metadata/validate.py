"""Local checks of the metadata package, before anything goes near an org.

``validate_package(root, playbook)`` lists every problem:

- each file parses, validates against the Metadata API XSD and reads as its component
  (``sf_social.metadata.source``);
- the integration permission set grants read and edit on every custom field (Task and
  Event share Activity's fields and their field-level security: both are listed), and
  read and edit on the objects that carry them;
- every custom field and every picklist value the mapping can write is defined, active, in
  ``metadata/``. Values of standard picklists are looked up in the standard value set behind
  the field; standard picklists we ship no value set for (Status, Priority) keep the org's
  values and are not checked;
- a custom object's fields and validation rules come with the object, and a quick action
  names only custom fields the package defines;
- every queue the playbook routes to that ``metadata/`` ships accepts the objects routed
  to it. A routed queue the package lacks must exist in the org: ``unshipped_queues``
  names them, for the commands that can ask the org.
"""

from __future__ import annotations

from collections.abc import Mapping, Set
from pathlib import Path

from sf_social.errors import MetadataError
from sf_social.metadata.components import (
    ACTIVITY,
    ACTIVITY_OBJECTS,
    AnalyticsDef,
    CustomFieldDef,
    MetadataPackage,
    PermissionSetDef,
    StandardValueSetDef,
    ValidationRuleDef,
    field_object,
)
from sf_social.metadata.problems import Problem
from sf_social.metadata.source import scan_package
from sf_social.playbook import Playbook
from sf_social.routing import routed_queues
from sf_social.writable import writable_fields, writable_picklist_values

INTEGRATION_PERMISSION_SET = "SF_Social_Integration"
TASK_PERMISSION = "EditTask"

Fields = Mapping[str, Set[str]]
"""sObject → custom field API names, as ``sf_social.writable.writable_fields()`` gives them."""

Values = Mapping[tuple[str, str], Set[str]]
"""(sObject, field API name) → picklist values, as ``writable_picklist_values()`` gives them."""

STANDARD_VALUE_SETS = {
    ("Case", "Origin"): "CaseOrigin",
    ("Case", "Type"): "CaseType",
    ("Lead", "LeadSource"): "LeadSource",
    ("Task", "Subject"): "TaskSubject",
    ("Task", "Type"): "TaskType",
}
"""Standard picklist fields → the standard value set that holds their values."""


def validate_package(root: Path, playbook: Playbook) -> list[Problem]:
    """Every problem of the package in ``root`` for what ``playbook``'s mapping writes."""
    return scanned_package(root, playbook)[1]


def scanned_package(root: Path, playbook: Playbook) -> tuple[MetadataPackage, list[Problem]]:
    """The package in ``root`` and every problem of it for what ``playbook``'s mapping writes."""
    package, problems = scan_package(root)
    return package, problems + package_problems(package, playbook)


def checked_package(root: Path, playbook: Playbook) -> MetadataPackage:
    """The package in ``root``, or ``MetadataError`` with every problem ``validate`` finds."""
    package, problems = scanned_package(root, playbook)
    if problems:
        raise MetadataError(str(root), [str(p) for p in problems])
    return package


def package_problems(package: MetadataPackage, playbook: Playbook) -> list[Problem]:
    """The problems across files: permission set coverage and what the mapping writes."""
    missing = check_writes(package, writable_fields(), writable_picklist_values(playbook))
    problems = check_permissions(package) + missing + check_queues(package, playbook)
    return problems + check_analytics(package) + check_custom_objects(package)


def check_custom_objects(package: MetadataPackage) -> list[Problem]:
    """A field or validation rule of a custom object (``__c``) the package does not create."""
    problems = []
    parts: list[CustomFieldDef | ValidationRuleDef] = [*package.fields, *package.validation_rules]
    for part in parts:
        if part.object.endswith("__c") and package.custom_object(part.object) is None:
            message = (
                f"{part.object} is not in the package: add"
                f" objects/{part.object}/{part.object}.object-meta.xml"
            )
            problems.append(Problem(part.file, part.line, part.member, message))
    return problems


def check_analytics(package: MetadataPackage) -> list[Problem]:
    """What reports, dashboards, report types and quick actions need from the package: their
    folder, a custom report type, the reports a dashboard shows, the custom fields of a
    report type or a quick action."""
    problems = []
    for item in package.analytics:
        for missing in _missing_parts(package, item):
            problems.append(Problem(item.file, item.line, item.name, missing))
    return problems


def _missing_parts(package: MetadataPackage, item: AnalyticsDef) -> list[str]:
    folder_kind = {"Report": "ReportFolder", "Dashboard": "DashboardFolder"}.get(item.kind)
    found = []
    if folder_kind and item.folder and package.analytic(folder_kind, item.folder) is None:
        found.append(f"no folder {item.folder}: add its {folder_kind} file beside the folder")
    for ref in item.refers_to:
        if item.kind == "Report" and ref.endswith("__c"):
            if package.analytic("ReportType", ref.removesuffix("__c")) is None:
                found.append(f"report type {ref} is not in reportTypes/")
        elif item.kind == "Dashboard" and package.analytic("Report", ref) is None:
            found.append(f"shows report {ref}, which is not in reports/")
        elif item.kind in ("ReportType", "QuickAction"):
            sobject, _, field = ref.partition(".")
            if field.endswith("__c") and package.field(sobject, field) is None:
                what = "column" if item.kind == "ReportType" else "field"
                found.append(f"{what} {ref} is not a custom field in objects/")
    return found


def check_queues(package: MetadataPackage, playbook: Playbook) -> list[Problem]:
    """Problems of the shipped queues the playbook routes to: an object routed but not accepted."""
    problems = []
    for name, sobjects in routed_queues(playbook).items():
        queue = package.queue(name)
        lacking = [s for s in sobjects if queue is not None and s not in queue.sobjects]
        if queue is not None and lacking:
            message = (
                f"the playbook routes {', '.join(lacking)} records here: add a <queueSobject>"
                f" with <sobjectType>{lacking[0]}</sobjectType>"
            )
            problems.append(Problem(queue.file, queue.line, name, message))
    return problems


def unshipped_queues(package: MetadataPackage, playbook: Playbook) -> list[str]:
    """The queues the playbook routes to that the package does not ship (the org must have them)."""
    return [name for name in routed_queues(playbook) if package.queue(name) is None]


def check_permissions(package: MetadataPackage) -> list[Problem]:
    """Problems of the integration permission set against the package's custom fields."""
    grants = package.permission_set(INTEGRATION_PERMISSION_SET)
    if grants is None:
        file = (
            package.root / "permissionsets" / f"{INTEGRATION_PERMISSION_SET}.permissionset-meta.xml"
        )
        message = (
            "missing: the integration user sees no custom field until a permission set grants it"
        )
        return [Problem(file, None, INTEGRATION_PERMISSION_SET, message)]
    problems = [p for f in package.fields for p in _field_grant_problems(grants, f)]
    for grant in grants.field_permissions:
        sobject, _, name = grant.field.partition(".")
        if name.endswith("__c") and package.field(sobject, name) is None:
            message = "grants a custom field that metadata/ does not define (the deploy would fail)"
            problems.append(Problem(grants.file, grant.line, grant.field, message))
    for sobject in sorted({f.object for f in package.fields} - {ACTIVITY}):
        access = grants.object_permission(sobject)
        if access is None or not (access.allow_read and access.allow_edit):
            message = f"{grants.name} must allow read and edit on {sobject} (<objectPermissions>)"
            line = access.line if access else grants.line
            problems.append(Problem(grants.file, line, sobject, message))
    if any(f.object == ACTIVITY for f in package.fields) and (
        TASK_PERMISSION not in grants.user_permissions
    ):
        message = f"{grants.name} must enable the user permission {TASK_PERMISSION} (Edit Tasks)"
        problems.append(Problem(grants.file, grants.line, "Task", message))
    return problems


def _field_grant_problems(grants: PermissionSetDef, field: CustomFieldDef) -> list[Problem]:
    objects = ACTIVITY_OBJECTS if field.object == ACTIVITY else (field.object,)
    problems = []
    for sobject in objects:
        name = f"{sobject}.{field.api_name}"
        grant = grants.field_permission(name)
        if grant is None or not (grant.readable and grant.editable):
            message = (
                f"{grants.name} must grant read and edit on this field (<fieldPermissions> with "
                f"<field>{name}</field>, editable and readable true)"
            )
            line = grant.line if grant else grants.line
            problems.append(Problem(grants.file, line, name, message))
    return problems


def check_writes(package: MetadataPackage, fields: Fields, values: Values) -> list[Problem]:
    """Problems for each custom field and picklist value written that the package lacks."""
    problems: list[Problem] = []
    for sobject, names in sorted(fields.items()):
        for name in sorted(n for n in names if n.endswith("__c")):
            if package.field(sobject, name) is None:
                problems.append(_missing_field(package, sobject, name))
    for (sobject, name), wanted in sorted(values.items()):
        if name.endswith("__c"):
            known = name in fields.get(sobject, set())
            problems += _custom_value_problems(package, sobject, name, wanted, known)
            continue
        set_name = STANDARD_VALUE_SETS.get((sobject, name))
        if set_name is None:
            continue
        value_set = package.value_set(set_name)
        if value_set is None:
            file = package.root / "standardValueSets" / f"{set_name}.standardValueSet-meta.xml"
            message = f"the mapping writes {sobject}.{name}, whose values live in {set_name}"
            problems.append(Problem(file, None, set_name, f"missing: {message}"))
            continue
        problems += _value_problems(value_set, f"{sobject}.{name} ({set_name})", wanted)
    return problems


def _missing_field(package: MetadataPackage, sobject: str, name: str) -> Problem:
    file = package.root / "objects" / field_object(sobject) / "fields" / f"{name}.field-meta.xml"
    message = "missing: the mapping writes this field, but metadata/ does not define it"
    return Problem(file, None, f"{sobject}.{name}", message)


def _custom_value_problems(
    package: MetadataPackage, sobject: str, name: str, values: Set[str], reported: bool
) -> list[Problem]:
    """``reported``: a missing field was already reported as a written field."""
    field = package.field(sobject, name)
    if field is None:
        return [] if reported else [_missing_field(package, sobject, name)]
    if not field.is_picklist:
        message = f"the mapping writes picklist values here, but it is a {field.type} field"
        return [Problem(field.file, field.line, f"{sobject}.{name}", message)]
    return _value_problems(field, f"{sobject}.{name}", values)


def _value_problems(
    owner: CustomFieldDef | StandardValueSetDef, component: str, values: Set[str]
) -> list[Problem]:
    problems = []
    for wanted in sorted(values):
        value = owner.value(wanted)
        if value is None:
            twin = next(
                (v for v in owner.values if v.api_name.casefold() == wanted.casefold()), None
            )
            hint = f" (it has {twin.api_name!r}: API names must match exactly)" if twin else ""
            message = f"the mapping writes value {wanted!r}, which is not defined{hint}"
            problems.append(Problem(owner.file, owner.line, component, message))
        elif not value.active:
            message = f"value {wanted!r} is inactive, but the mapping writes it"
            problems.append(Problem(owner.file, value.line, component, message))
    return problems

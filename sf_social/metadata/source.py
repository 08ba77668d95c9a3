"""Reading a metadata folder (Salesforce DX source format) into a ``MetadataPackage``.

Every file is parsed safely, validated against the Metadata API XSD and read into its
model; the rules the XSD cannot express (a label on every field, the values of a picklist,
no duplicate values, a field named like its file, ...) are checked here too.
``scan_package`` returns what loaded and every problem; ``load_package`` raises instead.

Layout (also under ``main/default/``): ``objects/<Object>/fields/<Field>.field-meta.xml``,
``objects/<Name__c>/<Name__c>.object-meta.xml`` (a custom object),
``objects/<Object>/validationRules/<Rule>.validationRule-meta.xml``,
``standardValueSets/<Name>.standardValueSet-meta.xml``,
``permissionsets/<Name>.permissionset-meta.xml``, ``queues/<DeveloperName>.queue-meta.xml``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from sf_social.errors import MetadataError
from sf_social.metadata.components import (
    ANALYTICS_TYPES,
    PICKLIST_TYPES,
    AnalyticsDef,
    Component,
    CustomFieldDef,
    CustomObjectDef,
    FieldPermissionDef,
    MetadataPackage,
    ObjectPermissionDef,
    PermissionSetDef,
    QueueDef,
    StandardValueSetDef,
    ValidationRuleDef,
    ValueDef,
)
from sf_social.metadata.problems import Problem
from sf_social.metadata.xmlfile import (
    NS,
    XmlElement,
    XmlSyntaxError,
    child_text,
    children,
    local_name,
    namespace,
    parse_xml,
)
from sf_social.metadata.xsd import schema_errors

_KINDS = (
    (
        re.compile(r"(?:^|/)objects/(?P<object>[^/]+)/fields/(?P<name>[^/]+)\.field-meta\.xml$"),
        "CustomField",
    ),
    (
        re.compile(r"(?:^|/)objects/(?P<object>[^/]+)/(?P<name>[^/]+)\.object-meta\.xml$"),
        "CustomObject",
    ),
    (
        re.compile(
            r"(?:^|/)objects/(?P<object>[^/]+)/validationRules/"
            r"(?P<name>[^/]+)\.validationRule-meta\.xml$"
        ),
        "ValidationRule",
    ),
    (
        re.compile(r"(?:^|/)standardValueSets/(?P<name>[^/]+)\.standardValueSet-meta\.xml$"),
        "StandardValueSet",
    ),
    (
        re.compile(r"(?:^|/)permissionsets/(?P<name>[^/]+)\.permissionset-meta\.xml$"),
        "PermissionSet",
    ),
    (re.compile(r"(?:^|/)queues/(?P<name>[^/]+)\.queue-meta\.xml$"), "Queue"),
    (re.compile(r"(?:^|/)reportTypes/(?P<name>[^/]+)\.reportType-meta\.xml$"), "ReportType"),
    (re.compile(r"(?:^|/)reports/(?P<name>[^/]+)\.reportFolder-meta\.xml$"), "ReportFolder"),
    (re.compile(r"(?:^|/)reports/(?P<name>[^/]+/[^/]+)\.report-meta\.xml$"), "Report"),
    (
        re.compile(r"(?:^|/)dashboards/(?P<name>[^/]+)\.dashboardFolder-meta\.xml$"),
        "DashboardFolder",
    ),
    (re.compile(r"(?:^|/)dashboards/(?P<name>[^/]+/[^/]+)\.dashboard-meta\.xml$"), "Dashboard"),
    (
        re.compile(r"(?:^|/)notificationtypes/(?P<name>[^/]+)\.notiftype-meta\.xml$"),
        "CustomNotificationType",
    ),
    (
        re.compile(r"(?:^|/)customPermissions/(?P<name>[^/]+)\.customPermission-meta\.xml$"),
        "CustomPermission",
    ),
    (
        re.compile(r"(?:^|/)quickActions/(?P<name>[^/.]+\.[^/.]+)\.quickAction-meta\.xml$"),
        "QuickAction",
    ),
)
_LAYOUT = (
    "objects/<Object>/fields/<Field>.field-meta.xml, "
    "objects/<Name__c>/<Name__c>.object-meta.xml, "
    "objects/<Object>/validationRules/<Rule>.validationRule-meta.xml, "
    "standardValueSets/<Name>.standardValueSet-meta.xml, "
    "permissionsets/<Name>.permissionset-meta.xml, queues/<Name>.queue-meta.xml, "
    "reportTypes/<Name>.reportType-meta.xml, reports/<Folder>.reportFolder-meta.xml, "
    "reports/<Folder>/<Name>.report-meta.xml, dashboards/<Folder>.dashboardFolder-meta.xml, "
    "dashboards/<Folder>/<Name>.dashboard-meta.xml, notificationtypes/<Name>.notiftype-meta.xml, "
    "customPermissions/<Name>.customPermission-meta.xml or "
    "quickActions/<Object>.<Name>.quickAction-meta.xml"
)
_PER_OBJECT = ("CustomField", "ValidationRule")
"""The kinds named ``Object.Name`` in package.xml."""
_REQUIRED_BY_TYPE = {
    "Text": ("length",),
    "LongTextArea": ("length", "visibleLines"),
    "Number": ("precision",),
    "MultiselectPicklist": ("visibleLines",),
    "Lookup": ("referenceTo", "relationshipName"),
}


def load_package(root: Path) -> MetadataPackage:
    """Every component under ``root``; ``MetadataError`` listing every problem found."""
    package, problems = scan_package(root)
    if problems:
        raise MetadataError(str(root), [str(p) for p in problems])
    return package


def scan_package(root: Path) -> tuple[MetadataPackage, list[Problem]]:
    """The components that could be read under ``root``, and every problem found."""
    if not root.is_dir():
        return MetadataPackage(root=root), [Problem(root, None, "", "no such metadata folder")]
    components: list[Component] = []
    problems: list[Problem] = []
    for path in source_files(root):
        component, found = read_component(root, path)
        problems += found
        if component is not None:
            components.append(component)
    return MetadataPackage.of(root, components), problems


def source_files(root: Path) -> list[Path]:
    """Every file under ``root`` except hidden ones (``.forceignore``, ``.DS_Store``)."""
    return sorted(
        p
        for p in root.rglob("*")
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(root).parts)
    )


def read_component(root: Path, path: Path) -> tuple[Component | None, list[Problem]]:
    """The component in ``path`` (``None`` if unreadable) and the problems of the file."""
    relative = path.relative_to(root).as_posix()
    found = next(((m, kind) for p, kind in _KINDS if (m := p.search(relative))), None)
    if found is None:
        return None, [Problem(path, None, "", f"not a metadata file sf_social reads ({_LAYOUT})")]
    match, kind = found
    name = match["name"]
    component = f"{match['object']}.{name}" if kind in _PER_OBJECT else name
    try:
        data = path.read_bytes()
        document = parse_xml(data)
    except OSError as exc:
        return None, [Problem(path, None, component, f"cannot read: {exc.strerror}")]
    except XmlSyntaxError as exc:
        return None, [Problem(path, exc.line, component, f"not well-formed XML: {exc.message}")]
    if (namespace(document), local_name(document)) != (NS, kind):
        actual = f"{{{namespace(document)}}}{local_name(document)}"
        message = f"the root element must be {kind} in namespace {NS}, not {actual}"
        return None, [Problem(path, document.sourceline, component, message)]
    reader = _Reader(path, component)
    reader.problems += [
        Problem(path, e.line, component, f"XSD: {e.message}") for e in schema_errors(document)
    ]
    read: Component
    if kind == "CustomField":
        read = reader.custom_field(document, match["object"], name, data)
    elif kind == "CustomObject":
        read = reader.custom_object(document, match["object"], name, data)
    elif kind == "ValidationRule":
        read = reader.validation_rule(document, match["object"], name, data)
    elif kind == "StandardValueSet":
        read = reader.value_set(document, name, data)
    elif kind == "Queue":
        read = reader.queue(document, name, data)
    elif kind in ANALYTICS_TYPES:
        read = reader.analytics(document, kind, name, data)
    else:
        read = reader.permission_set(document, name, data)
    return read, reader.problems


class _Reader:
    """Reads one file's elements into models, noting problems against that file."""

    def __init__(self, path: Path, component: str) -> None:
        self.path = path
        self.component = component
        self.problems: list[Problem] = []

    def problem(self, element: XmlElement | ValueDef, message: str) -> None:
        line = element.line if isinstance(element, ValueDef) else element.sourceline
        self.problems.append(Problem(self.path, line, self.component, message))

    def custom_field(
        self, document: XmlElement, sobject: str, name: str, data: bytes
    ) -> CustomFieldDef:
        text = _Texts(document)
        full_name = text.get("fullName")
        if full_name is not None and full_name != name:
            self.problem(document, f"fullName {full_name!r} differs from the file name {name!r}")
        if not name.endswith("__c"):
            self.problem(document, "only custom fields (API name ending in __c) belong here")
        field_type = text.get("type") or ""
        if not field_type:
            self.problem(document, "missing <type>")
        if not text.get("label"):
            self.problem(document, "missing <label>: admins see it on every page layout")
        for required in _REQUIRED_BY_TYPE.get(field_type, ()):
            if text.get(required) is None:
                self.problem(document, f"a {field_type} field needs <{required}>")
        value_set = next(iter(children(document, "valueSet")), None)
        values: list[ValueDef] = []
        if field_type in PICKLIST_TYPES:
            definitions = [] if value_set is None else children(value_set, "valueSetDefinition")
            definition = definitions[0] if definitions else None
            if definition is None:
                self.problem(
                    document, "a picklist needs its values in <valueSet><valueSetDefinition>"
                )
            else:
                values = self.values(children(definition, "value"))
                if sum(v.default for v in values) > 1 and field_type == "Picklist":
                    self.problem(definition, "more than one value is marked <default>true")
        return CustomFieldDef(
            file=self.path,
            line=document.sourceline,
            object=sobject,
            api_name=name,
            type=field_type,
            label=text.get("label") or name,
            description=text.get("description"),
            help_text=text.get("inlineHelpText"),
            length=text.integer("length"),
            precision=text.integer("precision"),
            scale=text.integer("scale"),
            visible_lines=text.integer("visibleLines"),
            default_value=text.get("defaultValue"),
            external_id=text.boolean("externalId"),
            unique=text.boolean("unique"),
            case_sensitive=text.boolean("caseSensitive"),
            restricted=value_set is not None and _Texts(value_set).boolean("restricted"),
            values=tuple(values),
            reference_to=text.get("referenceTo"),
            relationship_name=text.get("relationshipName"),
            source=data,
        )

    def custom_object(
        self, document: XmlElement, folder: str, name: str, data: bytes
    ) -> CustomObjectDef:
        text = _Texts(document)
        if name != folder:
            self.problem(document, f"a custom object's file is objects/{folder}/{folder}...")
        if not name.endswith("__c"):
            self.problem(document, "only custom objects (API name ending in __c) belong here")
        for required in ("label", "pluralLabel", "nameField", "deploymentStatus", "sharingModel"):
            if not children(document, required):
                self.problem(document, f"a custom object needs <{required}>")
        name_field = next(iter(children(document, "nameField")), None)
        name_format = None
        if name_field is not None and _Texts(name_field).get("type") == "AutoNumber":
            name_format = _Texts(name_field).get("displayFormat")
        return CustomObjectDef(
            file=self.path,
            line=document.sourceline,
            name=name,
            label=text.get("label") or name,
            plural_label=text.get("pluralLabel") or name,
            name_format=name_format,
            source=data,
        )

    def validation_rule(
        self, document: XmlElement, sobject: str, name: str, data: bytes
    ) -> ValidationRuleDef:
        text = _Texts(document)
        full_name = text.get("fullName")
        if full_name is not None and full_name != name:
            self.problem(document, f"fullName {full_name!r} differs from the file name {name!r}")
        for required in ("errorConditionFormula", "errorMessage"):
            if not text.get(required):
                self.problem(document, f"a validation rule needs <{required}>")
        return ValidationRuleDef(
            file=self.path,
            line=document.sourceline,
            object=sobject,
            name=name,
            active=text.boolean("active"),
            source=data,
        )

    def value_set(self, document: XmlElement, name: str, data: bytes) -> StandardValueSetDef:
        values = self.values(children(document, "standardValue"))
        if not values:
            self.problem(document, "a standard value set needs at least one <standardValue>")
        for value in values:
            if value.default:
                message = "ours never set the default (a deploy keeps the org's default)"
                self.problem(value, f"value {value.api_name!r}: {message}")
        return StandardValueSetDef(
            file=self.path,
            line=document.sourceline,
            name=name,
            sorted=_Texts(document).boolean("sorted"),
            values=tuple(values),
            source=data,
        )

    def permission_set(self, document: XmlElement, name: str, data: bytes) -> PermissionSetDef:
        text = _Texts(document)
        if not text.get("label"):
            self.problem(document, "missing <label>")
        fields: list[FieldPermissionDef] = []
        for element in children(document, "fieldPermissions"):
            entry = _Texts(element)
            permission = FieldPermissionDef(
                file=self.path,
                line=element.sourceline,
                field=entry.get("field") or "",
                readable=entry.boolean("readable"),
                editable=entry.boolean("editable"),
            )
            if permission.field.count(".") != 1:
                self.problem(element, f"field {permission.field!r} must read Object.Field__c")
            elif any(f.field == permission.field for f in fields):
                self.problem(element, f"{permission.field} is listed twice")
            if permission.editable and not permission.readable:
                self.problem(element, f"{permission.field}: editable needs readable too")
            fields.append(permission)
        objects: list[ObjectPermissionDef] = []
        for element in children(document, "objectPermissions"):
            entry = _Texts(element)
            grant = ObjectPermissionDef(
                file=self.path,
                line=element.sourceline,
                object=entry.get("object") or "",
                allow_create=entry.boolean("allowCreate"),
                allow_read=entry.boolean("allowRead"),
                allow_edit=entry.boolean("allowEdit"),
                allow_delete=entry.boolean("allowDelete"),
            )
            if (grant.allow_create or grant.allow_edit) and not grant.allow_read:
                self.problem(element, f"{grant.object}: create and edit need read too")
            objects.append(grant)
        users = [
            _Texts(e).get("name") or ""
            for e in children(document, "userPermissions")
            if _Texts(e).boolean("enabled")
        ]
        return PermissionSetDef(
            file=self.path,
            line=document.sourceline,
            name=name,
            label=text.get("label") or name,
            description=text.get("description"),
            field_permissions=tuple(fields),
            object_permissions=tuple(objects),
            user_permissions=tuple(users),
            source=data,
        )

    def queue(self, document: XmlElement, name: str, data: bytes) -> QueueDef:
        label = _Texts(document).get("name")
        if not label:
            self.problem(document, "missing <name>: the queue's label in Setup")
        sobjects: list[str] = []
        for element in children(document, "queueSobject"):
            sobject = _Texts(element).get("sobjectType") or ""
            if sobject in sobjects:
                self.problem(element, f"{sobject} is listed twice")
            sobjects.append(sobject)
        if not sobjects:
            self.problem(document, "a queue needs at least one <queueSobject> to own records")
        return QueueDef(
            file=self.path,
            line=document.sourceline,
            name=name,
            label=label or name,
            sobjects=tuple(sobjects),
            source=data,
        )

    def analytics(self, document: XmlElement, kind: str, name: str, data: bytes) -> AnalyticsDef:
        label_element = _LABELS[kind]
        label = _Texts(document).get(label_element)
        if not label:
            self.problem(document, f"missing <{label_element}>: its name in Setup")
        if kind == "Dashboard" and _Texts(document).get("dashboardType") != "LoggedInUser":
            self.problem(
                document,
                "set <dashboardType>LoggedInUser</dashboardType>: a running user is a user of"
                " one org, and everyone would see that user's data",
            )
        return AnalyticsDef(
            file=self.path,
            line=document.sourceline,
            kind=kind,
            name=name,
            label=label or name,
            refers_to=tuple(_references(document, kind)),
            source=data,
        )

    def values(self, elements: list[XmlElement]) -> list[ValueDef]:
        values: list[ValueDef] = []
        for element in elements:
            text = _Texts(element)
            full_name = text.get("fullName")
            if not full_name:
                self.problem(element, "a value without <fullName>")
                continue
            value = ValueDef(
                file=self.path,
                line=element.sourceline,
                full_name=full_name,
                label=text.get("label") or full_name,
                default=text.boolean("default"),
                active=text.boolean("isActive", default=True),
            )
            twin = next((v for v in values if _same_value(v, value)), None)
            if twin is not None:
                self.problem(
                    element,
                    f"value {value.api_name!r} duplicates {twin.api_name!r} "
                    f"(line {twin.line}): API names and labels ignore case",
                )
            values.append(value)
        return values


def _same_value(a: ValueDef, b: ValueDef) -> bool:
    return (
        a.api_name.casefold() == b.api_name.casefold() or a.label.casefold() == b.label.casefold()
    )


class _Texts:
    """Typed access to the text of an element's children (the XSD checks their syntax)."""

    def __init__(self, element: XmlElement) -> None:
        self.element = element

    def get(self, name: str) -> str | None:
        return child_text(self.element, name)

    def boolean(self, name: str, default: bool = False) -> bool:
        text = self.get(name)
        return default if text is None else text in ("true", "1")

    def integer(self, name: str) -> int | None:
        text = self.get(name)
        return int(text) if text is not None and text.lstrip("-").isdigit() else None


_LABELS = {
    "ReportType": "label",
    "ReportFolder": "name",
    "Report": "name",
    "DashboardFolder": "name",
    "Dashboard": "title",
    "CustomNotificationType": "masterLabel",
    "CustomPermission": "label",
    "QuickAction": "label",
}
"""The element holding each analytics kind's name in Setup."""


def _references(document: XmlElement, kind: str) -> list[str]:
    """What a report (its report type), dashboard (reports), report type or quick action
    (fields) needs."""
    if kind == "Report":
        return [t for t in [_Texts(document).get("reportType")] if t]
    if kind == "Dashboard":
        return sorted({e.text or "" for e in _descendants(document, "report")} - {""})
    if kind == "ReportType":
        return [
            f"{_Texts(c).get('table')}.{_Texts(c).get('field')}"
            for section in children(document, "sections")
            for c in children(section, "columns")
        ]
    if kind == "QuickAction":
        target = _Texts(document).get("targetObject") or ""
        named = [
            _Texts(e).get("field")
            for e in [
                *children(document, "fieldOverrides"),
                *_descendants(document, "quickActionLayoutItems"),
            ]
        ]
        parent = _Texts(document).get("targetParentField")
        return sorted({f"{target}.{f}" for f in [*named, parent] if f})
    return []


def _descendants(element: XmlElement, name: str) -> Iterator[XmlElement]:
    for child in children(element):
        if local_name(child) == name:
            yield child
        yield from _descendants(child, name)

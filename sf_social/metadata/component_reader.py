"""One metadata file's XML read into its model (``ComponentReader``), with the checks the
XSD cannot express: a label on every field, the attributes each field type needs, a
picklist's values and no duplicates among them, a name like the file's, the components an
analytics file refers to. :mod:`sf_social.metadata.source` finds the files and their kind.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from sf_social.metadata.components import (
    ANALYTICS_TYPES,
    PICKLIST_TYPES,
    AnalyticsDef,
    Component,
    CustomFieldDef,
    CustomObjectDef,
    FieldPermissionDef,
    ObjectPermissionDef,
    PermissionSetDef,
    QueueDef,
    StandardValueSetDef,
    ValidationRuleDef,
    ValueDef,
)
from sf_social.metadata.problems import Problem
from sf_social.metadata.xmlfile import (
    XmlElement,
    child_text,
    children,
    local_name,
)

_REQUIRED_BY_TYPE = {
    "Text": ("length",),
    "LongTextArea": ("length", "visibleLines"),
    "Number": ("precision",),
    "MultiselectPicklist": ("visibleLines",),
    "Lookup": ("referenceTo", "relationshipName"),
}


class ComponentReader:
    """Reads one file's elements into models, noting problems against that file."""

    def __init__(self, path: Path, component: str) -> None:
        self.path = path
        self.component = component
        self.problems: list[Problem] = []

    def read(
        self, document: XmlElement, kind: str, sobject: str | None, name: str, data: bytes
    ) -> Component:
        """The component of ``kind`` in ``document`` (``sobject``: its object's, for the
        kinds filed under one)."""
        if kind == "CustomField":
            return self.custom_field(document, sobject or "", name, data)
        if kind == "CustomObject":
            return self.custom_object(document, sobject or "", name, data)
        if kind == "ValidationRule":
            return self.validation_rule(document, sobject or "", name, data)
        if kind == "StandardValueSet":
            return self.value_set(document, name, data)
        if kind == "Queue":
            return self.queue(document, name, data)
        if kind in ANALYTICS_TYPES:
            return self.analytics(document, kind, name, data)
        return self.permission_set(document, name, data)

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

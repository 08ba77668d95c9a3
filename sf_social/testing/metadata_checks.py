"""What a deploy's components get from the local org: each ``package.xml`` member checked
against the org and the rest of the deploy, before anything is saved.

The file must hold the member; a custom object needs its label, plural label, name field,
deployment status and sharing model; a custom field's or validation rule's object must exist
or be created by the deploy, and a Text field holds at most 255 characters; a standard
value set must be one and have values; a queue's objects must exist; a permission set may
name only fields and objects the org has or the deploy creates (``In field: field - no
CustomField named ... found``). A failed custom field carries the line and column of its
``<fields>`` element; ``created`` and ``changed`` compare with what the org holds.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from xml.etree.ElementTree import Element, SubElement

from sf_social.metadata.components import ACTIVITY, ACTIVITY_OBJECTS, ANALYTICS_TYPES
from sf_social.metadata.valuexml import child_text, children, local, parse_xml
from sf_social.testing.metadata_store import MetadataStore, md
from sf_social.testing.schema import OrgSchema, value_set_fields

TEXT_LIMIT = 255
PATHS: dict[str, tuple[str, ...]] = {
    "StandardValueSet": ("standardValueSets/{m}.standardValueSet",),
    "PermissionSet": ("permissionsets/{m}.permissionset",),
    "Queue": ("queues/{m}.queue",),
    **{
        kind: tuple(path for of, path in ANALYTICS_TYPES.values() if of == kind)
        for kind, _path in ANALYTICS_TYPES.values()
    },
}
"""Where the file of a member ``m`` of each type is in an mdapi zip (besides custom objects,
fields and validation rules, in ``objects/<Object>.object``)."""
_OBJECT_PARTS = ("fields", "validationRules")
"""What a ``.object`` file holds besides the object's own settings."""
_OBJECT_SETTINGS = ("label", "pluralLabel", "nameField", "deploymentStatus", "sharingModel")
"""What creating a custom object needs."""


@dataclass(frozen=True)
class ComponentResult:
    """One component of a deploy: its file, whether it is new or changed, or its problem."""

    component_type: str
    full_name: str
    file_name: str
    record: Element | None = None
    created: bool = False
    changed: bool = False
    problem: str | None = None
    line: int | None = None
    column: int | None = None


def check_deploy(
    store: MetadataStore, schema: OrgSchema, files: dict[str, bytes]
) -> list[ComponentResult]:
    """The result of each member of ``files``' package.xml (nothing is saved here)."""
    return _Checker(store, schema, files).results()


class _Checker:
    """The per-component results of one deploy's files."""

    def __init__(self, store: MetadataStore, schema: OrgSchema, files: dict[str, bytes]) -> None:
        self.store = store
        self.schema = schema
        self.files = files
        self.new_objects: set[str] = set()

    def results(self) -> list[ComponentResult]:
        members = [
            (child_text(types, "name") or "", member.text or "")
            for types in children(parse_xml(self.files["package.xml"]), "types")
            for member in children(types, "members")
        ]
        objects = [self._custom_object(n) for k, n in members if k == "CustomObject"]
        self.new_objects = {r.full_name for r in objects if not r.problem}
        first = [
            self._check(kind, name)
            for kind, name in members
            if kind not in ("CustomObject", "PermissionSet")
        ]
        created = {
            name
            for r in first
            if r.component_type == "CustomField" and not r.problem
            for name in _field_names(r.full_name)
        }
        later = [self._permission_set(n, created) for k, n in members if k == "PermissionSet"]
        return objects + first + later

    def _has_object(self, sobject: str) -> bool:
        return sobject in self.new_objects or self.schema.object(sobject) is not None

    def _custom_object(self, name: str) -> ComponentResult:
        path = f"objects/{name}.object"
        if path not in self.files:
            return _missing("CustomObject", name)
        record = parse_xml(self.files[path])
        settings = Element(md("records"))
        settings.extend(c for c in record if local(c.tag) not in _OBJECT_PARTS)
        lacking = [t for t in _OBJECT_SETTINGS if not children(record, t)]
        problem = None
        if not name.endswith("__c"):
            problem = f"Cannot create the standard object {name}: a custom object ends in __c"
        elif lacking:
            problem = f"Required field is missing: {lacking[0]}"
        return self._result("CustomObject", name, path, _with_name(settings, name), problem)

    def _validation_rule(self, member: str) -> ComponentResult:
        sobject, _, name = member.partition(".")
        path = f"objects/{sobject}.object"
        element = (
            next(
                (
                    r
                    for r in children(parse_xml(self.files[path]), "validationRules")
                    if child_text(r, "fullName") == name
                ),
                None,
            )
            if path in self.files
            else None
        )
        if element is None:
            return _missing("ValidationRule", member)
        problem = None
        if not self._has_object(sobject):
            problem = f"Cannot find the object {sobject}"
        elif not child_text(element, "errorConditionFormula"):
            problem = "Required field is missing: errorConditionFormula"
        return self._result("ValidationRule", member, path, _with_name(element, member), problem)

    def _check(self, kind: str, name: str) -> ComponentResult:
        if kind == "CustomField":
            return self._field(name)
        if kind == "ValidationRule":
            return self._validation_rule(name)
        if kind not in PATHS:
            refused = f"the local org does not deploy {kind} components"
            return ComponentResult(kind, name, "package.xml", problem=refused)
        path = self._file_of(kind, name)
        if path is None:
            return _missing(kind, name)
        record = parse_xml(self.files[path])
        problem: str | None = None
        if kind == "StandardValueSet":
            if not value_set_fields(name):
                problem = f"{name} is not a standard value set"
            elif not children(record, "standardValue"):
                problem = "a standard value set needs at least one standardValue"
        elif kind == "Queue":
            unknown = [
                child_text(e, "sobjectType") or ""
                for e in children(record, "queueSobject")
                if self.schema.object(child_text(e, "sobjectType") or "") is None
            ]
            problem = f"Invalid sobjectType: {unknown[0]}" if unknown else None
        return self._result(kind, name, path, _with_name(record, name), problem)

    def _field(self, member: str) -> ComponentResult:
        sobject, _, name = member.partition(".")
        path = f"objects/{sobject}.object"
        if path not in self.files:
            return _missing("CustomField", member)
        text = self.files[path].decode("utf-8")
        element = next(
            (
                f
                for f in children(parse_xml(self.files[path]), "fields")
                if child_text(f, "fullName") == name
            ),
            None,
        )
        if element is None:
            return _missing("CustomField", member)
        objects = ACTIVITY_OBJECTS if sobject == ACTIVITY else (sobject,)
        length = child_text(element, "length")
        problem = None
        if not any(self._has_object(o) for o in objects):
            problem = f"Cannot find the object {sobject}"
        elif child_text(element, "type") == "Text" and int(length or 0) > TEXT_LIMIT:
            problem = f"Length: a Text field holds at most {TEXT_LIMIT} characters, not {length}"
        result = self._result("CustomField", member, path, _with_name(element, member), problem)
        if problem is None:
            return result
        line, column = _position(text, f"<fullName>{name}</fullName>", "<fields>")
        return replace(result, line=line, column=column)

    def _permission_set(self, name: str, created: set[str]) -> ComponentResult:
        path = self._file_of("PermissionSet", name)
        if path is None:
            return _missing("PermissionSet", name)
        record = parse_xml(self.files[path])
        problem = None
        for entry in children(record, "fieldPermissions"):
            wanted = child_text(entry, "field") or ""
            sobject, _, field_name = wanted.partition(".")
            obj = self.schema.object(sobject)
            if wanted not in created and (obj is None or obj.field(field_name) is None):
                problem = f"In field: field - no CustomField named {wanted} found"
                break
        for entry in children(record, "objectPermissions"):
            wanted = child_text(entry, "object") or ""
            if problem is None and not self._has_object(wanted):
                problem = f"In field: object - no CustomObject named {wanted} found"
        return self._result("PermissionSet", name, path, _with_name(record, name), problem)

    def _file_of(self, kind: str, name: str) -> str | None:
        paths = (template.format(m=name) for template in PATHS.get(kind, ()))
        return next((path for path in paths if path in self.files), None)

    def _result(
        self, kind: str, name: str, path: str, record: Element, problem: str | None
    ) -> ComponentResult:
        before = self.store.get(kind, name)
        return ComponentResult(
            kind,
            name,
            path,
            record,
            created=before is None,
            changed=before is not None and _canonical(before) != _canonical(record),
            problem=problem,
        )


def _field_names(member: str) -> list[str]:
    """How permission sets name a field: an Activity field as Task's and Event's."""
    sobject, _, name = member.partition(".")
    objects = ACTIVITY_OBJECTS if sobject == ACTIVITY else (sobject,)
    return [f"{o}.{name}" for o in objects]


def _missing(kind: str, name: str) -> ComponentResult:
    problem = (
        f"An object '{name}' of type {kind} was named in package.xml, but was not found in"
        " zipped directory"
    )
    return ComponentResult(kind, name, "package.xml", problem=problem)


def _with_name(element: Element, full_name: str) -> Element:
    record = Element(md("records"))
    SubElement(record, md("fullName")).text = full_name
    record.extend(c for c in element if local(c.tag) != "fullName")
    return record


def _canonical(element: Element) -> tuple[object, ...]:
    return tuple(
        (local(c.tag), (c.text or "").strip(), _canonical(c))
        for c in element
        if local(c.tag) != "fullName"
    )


def _position(text: str, marker: str, opening: str) -> tuple[int | None, int | None]:
    """1-based line and column of the ``opening`` tag before ``marker`` in ``text``."""
    at = text.find(marker)
    start = text.rfind(opening, 0, at) if at >= 0 else -1
    if start < 0:
        return None, None
    return text.count("\n", 0, start) + 1, start - text.rfind("\n", 0, start)

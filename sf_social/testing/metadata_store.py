"""The org's metadata as the Metadata API reads it: custom objects and fields, standard value
sets, queues, and what is deployed as it is (validation rules, quick actions, ...).

A component is held as the ``<records>`` element ``readMetadata`` answers (Metadata API
namespace, children in the API's order). Until a component is set (``put``, ``load`` or a
deploy), it is read from the org's own state: a custom field from its schema, a standard
value set from the picklist it backs (``Case.Origin`` for ``CaseOrigin``), a queue from its
``Group`` and ``QueueSobject`` rows. Setting a component changes that state too, as Setup
would: a custom object exists for REST, the field exists with its type, length and active
values for REST writes, the picklists take the set's active values, the queue can own
records of its objects. Validation rules are enforced on API saves
(:mod:`sf_social.testing.validation`).

``remove`` makes a component read as missing (an empty record), to test a client against
an answer that lacks it.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote
from xml.etree.ElementTree import Element, SubElement

from sf_social.metadata.components import ACTIVITY, ACTIVITY_OBJECTS, CustomFieldDef, ValueDef
from sf_social.metadata.merge import PicklistValue
from sf_social.metadata.valuexml import (
    MD_NS,
    child_text,
    children,
    parse_bool,
    parse_value,
    parse_xml,
    value_element,
)
from sf_social.testing.schema import (
    FieldSpec,
    FieldType,
    custom_field_spec,
    value_set_fields,
    value_set_name,
)
from sf_social.testing.standard import custom_object_spec

if TYPE_CHECKING:
    from sf_social.testing.org import LocalOrg

XSI = "http://www.w3.org/2001/XMLSchema-instance"
XSI_TYPE = f"{{{XSI}}}type"
READABLE = ("CustomField", "StandardValueSet", "Queue")
"""The types ``readMetadata`` answers from the org's state (others only from ``put``)."""

_TYPE_NAMES = {
    FieldType.STRING: "Text",
    FieldType.TEXTAREA: "LongTextArea",
    FieldType.URL: "Url",
    FieldType.EMAIL: "Email",
    FieldType.PHONE: "Phone",
    FieldType.DOUBLE: "Number",
    FieldType.BOOLEAN: "Checkbox",
    FieldType.PICKLIST: "Picklist",
    FieldType.MULTIPICKLIST: "MultiselectPicklist",
    FieldType.DATETIME: "DateTime",
    FieldType.DATE: "Date",
    FieldType.REFERENCE: "Lookup",
}


def value_full_name(value: str) -> str:
    """A picklist value's API name as the Metadata API spells its fullName (``1,000+`` is
    ``1%2C000%2B``)."""
    return value.replace("%", "%25").replace(",", "%2C").replace("+", "%2B")


def md(tag: str) -> str:
    """``tag`` in the Metadata API namespace."""
    return f"{{{MD_NS}}}{tag}"


class MetadataStore:
    """The components of one ``LocalOrg``; see the module docstring."""

    def __init__(self, org: LocalOrg) -> None:
        self.org = org
        self._set: dict[tuple[str, str], Element | None] = {}
        self._lock = threading.RLock()
        self.changes = 0
        """How many times a component was set or removed (readers cache by it)."""

    def get(self, metadata_type: str, full_name: str) -> Element | None:
        """A copy of the component's ``<records>`` element, or None if the org lacks it."""
        with self._lock:
            key = (metadata_type, full_name.casefold())
            if key in self._set:
                found = self._set[key]
                return copy.deepcopy(found) if found is not None else None
            return self._derived(metadata_type, full_name)

    def put(self, metadata_type: str, record: Element) -> None:
        """Set a component (its ``fullName`` names it) and apply it to the org's state."""
        full_name = child_text(record, "fullName")
        if not full_name:
            raise ValueError(f"a {metadata_type} record needs a <fullName>")
        element = Element(md("records"), {XSI_TYPE: metadata_type})
        element.extend(copy.deepcopy(list(record)))
        with self._lock:
            self._set[(metadata_type, full_name.casefold())] = element
            self.changes += 1
            if metadata_type == "CustomObject":
                self._apply_object(full_name, element)
            elif metadata_type == "CustomField":
                self._apply_field(full_name, element)
            elif metadata_type == "StandardValueSet":
                self._apply_value_set(full_name, element)
            elif metadata_type == "Queue":
                self._apply_queue(full_name, element)

    def components(self, metadata_type: str) -> list[tuple[str, Element]]:
        """Every component of ``metadata_type`` set so far: (full name, ``<records>``)."""
        with self._lock:
            return [
                (child_text(element, "fullName") or name, element)
                for (kind, name), element in self._set.items()
                if kind == metadata_type and element is not None
            ]

    def remove(self, metadata_type: str, full_name: str) -> None:
        """The component reads as missing from now on (the org's records are left alone)."""
        with self._lock:
            self._set[(metadata_type, full_name.casefold())] = None
            self.changes += 1

    def load(self, source: Path | bytes) -> None:
        """``put`` every ``<records>`` with an ``xsi:type`` and a fullName of an XML document
        (a ``readMetadata`` answer): an org that already has those components."""
        data = source.read_bytes() if isinstance(source, Path) else source
        for record in parse_xml(data).iter(md("records")):
            metadata_type = record.get(XSI_TYPE)
            if metadata_type and child_text(record, "fullName"):
                self.put(metadata_type, record)

    def add_value(self, metadata_type: str, full_name: str, value: PicklistValue) -> None:
        """Someone adds a value to a standard value set or a custom picklist in Setup."""
        record = self.get(metadata_type, full_name)
        if record is None:
            raise KeyError(f"{metadata_type} {full_name}")
        if metadata_type == "StandardValueSet":
            record.append(value_element(value, "standardValue"))
        else:
            value_set = _child(record, "valueSet")
            _child(value_set, "valueSetDefinition").append(value_element(value, "value"))
        self.put(metadata_type, record)

    # -- read from the org's state ------------------------------------------------------

    def _derived(self, metadata_type: str, full_name: str) -> Element | None:
        if metadata_type == "CustomField":
            sobject, _, name = full_name.partition(".")
            activity = sobject.casefold() == ACTIVITY.casefold()
            found = next(
                self._custom_fields(ACTIVITY_OBJECTS if activity else (sobject,), name), None
            )
            if found is None:
                return None
            owner, spec = found
            return _field_record(f"{ACTIVITY if activity else owner}.{spec.name}", spec)
        if metadata_type == "StandardValueSet":
            return self._value_set_record(full_name)
        if metadata_type == "Queue":
            return self._queue_record(full_name)
        return None

    def _custom_fields(
        self, objects: tuple[str, ...], name: str
    ) -> Iterator[tuple[str, FieldSpec]]:
        for sobject in objects:
            obj = self.org.schema.object(sobject)
            spec = obj.field(name) if obj else None
            if obj is not None and spec is not None and spec.custom:
                yield obj.name, spec

    def _value_set_record(self, name: str) -> Element | None:
        backing = value_set_fields(name)
        canonical = value_set_name(name)
        if not backing or canonical is None:
            return None
        spec = self.org.schema.field(*backing[0])
        record = _record("StandardValueSet", canonical)
        SubElement(record, md("sorted")).text = "false"
        for value in spec.values:
            default = spec.default == value
            value_xml = PicklistValue(value_full_name(value), value, default=default)
            record.append(value_element(value_xml, "standardValue"))
        return record

    def _queue_record(self, name: str) -> Element | None:
        groups = [
            g
            for g in self.org.records("Group")
            if g.get("Type") == "Queue"
            and str(g.get("DeveloperName", "")).casefold() == name.casefold()
        ]
        if not groups:
            return None
        record = _record("Queue", str(groups[0]["DeveloperName"]))
        SubElement(record, md("name")).text = str(groups[0].get("Name") or name)
        for row in self.org.records("QueueSobject"):
            if row.get("QueueId") == groups[0]["Id"]:
                entry = SubElement(record, md("queueSobject"))
                SubElement(entry, md("sobjectType")).text = str(row.get("SobjectType"))
        return record

    # -- applied to the org's state -----------------------------------------------------

    def _apply_object(self, name: str, record: Element) -> None:
        name_field = next(iter(children(record, "nameField")), None)
        auto = name_field is not None and child_text(name_field, "type") == "AutoNumber"
        name_format = child_text(name_field, "displayFormat") if name_field is not None else None
        label = child_text(record, "label") or name
        self.org.schema.add_object(custom_object_spec(name, label, name_format if auto else None))

    def _apply_field(self, full_name: str, record: Element) -> None:
        sobject, _, name = full_name.partition(".")
        spec = custom_field_spec(_field_def(sobject, name, record))
        targets = ACTIVITY_OBJECTS if sobject == ACTIVITY else (sobject,)
        for target in targets:
            if self.org.schema.object(target) is not None:
                self.org.schema.add_field(target, spec)

    def _apply_value_set(self, name: str, record: Element) -> None:
        values = [
            unquote(v.full_name)
            for v in map(parse_value, children(record, "standardValue"))
            if v.active
        ]
        for sobject, name_of_field in value_set_fields(name):
            obj = self.org.schema.object(sobject)
            spec = obj.field(name_of_field) if obj else None
            if spec is not None:
                spec.values = list(values)

    def _apply_queue(self, name: str, record: Element) -> None:
        wanted = [child_text(e, "sobjectType") or "" for e in children(record, "queueSobject")]
        label = child_text(record, "name") or name
        queue = next(
            (
                g
                for g in self.org.records("Group")
                if g.get("Type") == "Queue" and g.get("DeveloperName") == name
            ),
            None,
        )
        if queue is None:
            self.org.add_queue(name, label, wanted)
            return
        self.org.update_record("Group", queue["Id"], Name=label)
        owned = {
            r.get("SobjectType")
            for r in self.org.records("QueueSobject")
            if r.get("QueueId") == queue["Id"]
        }
        for sobject in wanted:
            if sobject not in owned:
                self.org.insert("QueueSobject", QueueId=queue["Id"], SobjectType=sobject)


def _record(metadata_type: str, full_name: str) -> Element:
    record = Element(md("records"), {XSI_TYPE: metadata_type})
    SubElement(record, md("fullName")).text = full_name
    return record


def _child(element: Element, name: str) -> Element:
    found = children(element, name)
    if not found:
        raise KeyError(f"no <{name}>")
    return found[0]


def _field_record(full_name: str, spec: FieldSpec) -> Element:
    record = _record("CustomField", full_name)

    def add(tag: str, text: object) -> None:
        SubElement(record, md(tag)).text = (
            str(text).lower() if isinstance(text, bool) else str(text)
        )

    add("externalId", spec.external_id)
    add("label", spec.label)
    if spec.length is not None and spec.type is FieldType.STRING:
        add("length", spec.length)
    if spec.precision is not None:
        add("precision", spec.precision)
        add("scale", spec.scale or 0)
    add("required", spec.required)
    if spec.reference_to:
        add("referenceTo", spec.reference_to[0])
    add("type", _TYPE_NAMES.get(spec.type, "Text"))
    if spec.type in (FieldType.PICKLIST, FieldType.MULTIPICKLIST):
        value_set = SubElement(record, md("valueSet"))
        SubElement(value_set, md("restricted")).text = str(spec.restricted).lower()
        definition = SubElement(value_set, md("valueSetDefinition"))
        SubElement(definition, md("sorted")).text = "false"
        for value in spec.values:
            definition.append(value_element(PicklistValue(value_full_name(value), value), "value"))
    elif spec.type is FieldType.STRING:
        add("unique", spec.unique)
    return record


def _field_def(sobject: str, name: str, record: Element) -> CustomFieldDef:
    """A deployed or given ``<fields>`` / ``<records>`` element as the package model reads it."""
    origin = Path(f"objects/{sobject}.object")
    value_set = children(record, "valueSet")
    definitions = children(value_set[0], "valueSetDefinition") if value_set else []
    values = [parse_value(v) for d in definitions for v in children(d, "value")]

    def number(tag: str) -> int | None:
        text = child_text(record, tag)
        return int(text) if text else None

    def flag(element: Element, tag: str) -> bool:
        return parse_bool(child_text(element, tag), False)

    return CustomFieldDef(
        file=origin,
        object=sobject,
        api_name=name,
        type=child_text(record, "type") or "Text",
        label=child_text(record, "label") or name,
        length=number("length"),
        precision=number("precision"),
        scale=number("scale"),
        default_value=child_text(record, "defaultValue"),
        external_id=flag(record, "externalId"),
        unique=flag(record, "unique"),
        case_sensitive=flag(record, "caseSensitive"),
        restricted=bool(value_set) and flag(value_set[0], "restricted"),
        reference_to=child_text(record, "referenceTo"),
        relationship_name=child_text(record, "relationshipName"),
        values=tuple(
            ValueDef(file=origin, full_name=v.full_name, label=v.label, active=v.active)
            for v in values
        ),
        source=b"",
    )

"""The org's schema: objects, their fields, types, lengths, picklists and flags.

``sf_social.testing.standard.default_schema()`` holds the standard fields of the objects
sf_social writes plus the custom fields and picklist values read from a
``metadata/`` folder. The schema can change at run time, as an admin would change the
org: remove a picklist value, add it back, drop a field.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from enum import StrEnum

from sf_social.metadata.components import CustomFieldDef, MetadataPackage, field_object


class FieldType(StrEnum):
    """Field types, named as ``describe`` names them."""

    ID = "id"
    STRING = "string"
    TEXTAREA = "textarea"
    EMAIL = "email"
    URL = "url"
    PHONE = "phone"
    COMBOBOX = "combobox"
    PICKLIST = "picklist"
    MULTIPICKLIST = "multipicklist"
    BOOLEAN = "boolean"
    DOUBLE = "double"
    INT = "int"
    DATE = "date"
    DATETIME = "datetime"
    REFERENCE = "reference"


TEXT_TYPES = frozenset(
    {
        FieldType.STRING,
        FieldType.TEXTAREA,
        FieldType.EMAIL,
        FieldType.URL,
        FieldType.PHONE,
        FieldType.COMBOBOX,
        FieldType.PICKLIST,
        FieldType.MULTIPICKLIST,
    }
)


@dataclass
class FieldSpec:
    """One field of an object.

    ``required`` means "must have a value on create" (nillable false, no default);
    ``values`` are the active picklist values; ``restricted`` picklists reject others.
    """

    name: str
    type: FieldType
    label: str
    length: int | None = None
    required: bool = False
    createable: bool = True
    updateable: bool = True
    default: object = None
    values: list[str] = field(default_factory=list)
    restricted: bool = False
    external_id: bool = False
    unique: bool = False
    case_sensitive: bool = False
    id_lookup: bool = False
    reference_to: tuple[str, ...] = ()
    relationship: str | None = None
    precision: int | None = None
    scale: int | None = None
    custom: bool = False

    @property
    def indexed(self) -> bool:
        """Usable to find a record by (upsert key, relationship reference)."""
        return self.external_id or self.id_lookup or self.type is FieldType.ID

    def normalize(self, value: str) -> str:
        """``value`` as the index compares it (case-insensitive unless case-sensitive)."""
        return value if self.case_sensitive else value.casefold()


@dataclass
class ObjectSpec:
    """An object and its fields, looked up without regard to case as the API does."""

    name: str
    label: str
    fields: dict[str, FieldSpec] = field(default_factory=dict)
    queryable_only: bool = False
    name_format: str | None = None
    """An AutoNumber name's display format (``SR-{000000}``): the store numbers new records."""

    def add(self, spec: FieldSpec) -> None:
        """Add or replace a field."""
        self.fields[spec.name.lower()] = spec

    def field(self, name: str) -> FieldSpec | None:
        """The field called ``name`` (any case)."""
        return self.fields.get(name.lower())

    def by_relationship(self, name: str) -> FieldSpec | None:
        """The reference field whose relationship is ``name`` (``Who`` → ``WhoId``)."""
        lowered = name.lower()
        return next(
            (
                f
                for f in self.fields.values()
                if f.relationship and f.relationship.lower() == lowered
            ),
            None,
        )

    def all_fields(self) -> list[FieldSpec]:
        """Every field, in definition order."""
        return list(self.fields.values())


class OrgSchema:
    """Every object of the org; safe to change while requests are served."""

    def __init__(self, objects: list[ObjectSpec]) -> None:
        self._objects = {o.name.lower(): o for o in objects}
        self.lock = threading.RLock()

    def object(self, name: str) -> ObjectSpec | None:
        """The object called ``name`` (any case)."""
        return self._objects.get(name.lower())

    def objects(self) -> list[ObjectSpec]:
        """Every object."""
        return list(self._objects.values())

    def field(self, sobject: str, name: str) -> FieldSpec:
        """A field that must exist (``KeyError`` otherwise)."""
        spec = self.object(sobject)
        found = spec.field(name) if spec else None
        if found is None:
            raise KeyError(f"{sobject}.{name}")
        return found

    def apply_package(self, package: MetadataPackage) -> None:
        """Add the package's custom fields and its standard value set values."""
        with self.lock:
            for obj in self._objects.values():
                for custom in package.fields:
                    if custom.object == field_object(obj.name):
                        obj.add(custom_field_spec(custom))
            for value_set in package.value_sets:
                for obj in self._objects.values():
                    for spec in obj.all_fields():
                        if _value_set_of(obj.name, spec.name) == value_set.name:
                            for value in value_set.values:
                                if value.api_name not in spec.values:
                                    spec.values.append(value.api_name)

    # -- runtime changes, as an admin would make them ---------------------------------

    def add_object(self, spec: ObjectSpec) -> None:
        """Create an object (a custom object deployed); an existing one is kept."""
        with self.lock:
            self._objects.setdefault(spec.name.lower(), spec)

    def add_field(self, sobject: str, spec: FieldSpec) -> None:
        """Create (or replace) a field."""
        with self.lock:
            obj = self.object(sobject)
            if obj is None:
                raise KeyError(sobject)
            obj.add(spec)

    def remove_field(self, sobject: str, name: str) -> None:
        """Delete a field (writes naming it then fail with INVALID_FIELD)."""
        with self.lock:
            obj = self.object(sobject)
            if obj is None or obj.fields.pop(name.lower(), None) is None:
                raise KeyError(f"{sobject}.{name}")

    def remove_picklist_value(self, sobject: str, name: str, value: str) -> None:
        """Deactivate a picklist value (a restricted picklist then rejects it)."""
        with self.lock:
            spec = self.field(sobject, name)
            spec.values = [v for v in spec.values if v != value]

    def add_picklist_value(self, sobject: str, name: str, value: str) -> None:
        """Add (or re-activate) a picklist value."""
        with self.lock:
            spec = self.field(sobject, name)
            if value not in spec.values:
                spec.values.append(value)


_VALUE_SETS = {
    ("Lead", "LeadSource"): "LeadSource",
    ("Contact", "LeadSource"): "LeadSource",
    ("Account", "AccountSource"): "LeadSource",
    ("Case", "Origin"): "CaseOrigin",
    ("Case", "Type"): "CaseType",
    ("Task", "Type"): "TaskType",
    ("Task", "Subject"): "TaskSubject",
}


def _value_set_of(sobject: str, name: str) -> str | None:
    return _VALUE_SETS.get((sobject, name))


_CUSTOM_TYPES = {
    "Text": FieldType.STRING,
    "LongTextArea": FieldType.TEXTAREA,
    "TextArea": FieldType.TEXTAREA,
    "Url": FieldType.URL,
    "Email": FieldType.EMAIL,
    "Phone": FieldType.PHONE,
    "Number": FieldType.DOUBLE,
    "Checkbox": FieldType.BOOLEAN,
    "Picklist": FieldType.PICKLIST,
    "MultiselectPicklist": FieldType.MULTIPICKLIST,
    "DateTime": FieldType.DATETIME,
    "Date": FieldType.DATE,
    "Lookup": FieldType.REFERENCE,
}
_DEFAULT_LENGTHS = {
    FieldType.URL: 255,
    FieldType.EMAIL: 80,
    FieldType.PHONE: 40,
    FieldType.TEXTAREA: 255,
    FieldType.PICKLIST: 255,
    FieldType.MULTIPICKLIST: 4099,
    FieldType.REFERENCE: 18,
}


def value_set_fields(name: str) -> list[tuple[str, str]]:
    """The (object, field) picklists that take their values from standard value set ``name``
    (any case)."""
    return [at for at, value_set in _VALUE_SETS.items() if value_set.casefold() == name.casefold()]


def value_set_name(name: str) -> str | None:
    """The standard value set called ``name`` (any case), as Salesforce spells it."""
    return next((v for v in _VALUE_SETS.values() if v.casefold() == name.casefold()), None)


def custom_field_spec(custom: CustomFieldDef) -> FieldSpec:
    """The field a custom field definition makes (its active values, length, flags)."""
    kind = _CUSTOM_TYPES.get(custom.type, FieldType.STRING)
    default: object = None
    if kind is FieldType.BOOLEAN:
        default = custom.default_value == "true"
    return FieldSpec(
        name=custom.api_name,
        type=kind,
        label=custom.label,
        length=custom.length or _DEFAULT_LENGTHS.get(kind),
        default=default,
        values=[v.api_name for v in custom.values if v.active],
        restricted=custom.restricted,
        external_id=custom.external_id,
        unique=custom.unique,
        case_sensitive=custom.case_sensitive,
        precision=custom.precision,
        scale=custom.scale,
        reference_to=(custom.reference_to,) if custom.reference_to else (),
        # A lookup Case__c is followed as Case__r (relationshipName names the parent's
        # child relationship, Social_Replies__r).
        relationship=f"{custom.api_name.removesuffix('__c')}__r" if custom.reference_to else None,
        custom=True,
    )

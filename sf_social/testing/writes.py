"""Creating, updating and upserting one record, with Salesforce's rules and errors.

``parse`` reads a request body (JSON or a Bulk API CSV row) into typed values and
relationship references; it fails the whole request on an unknown field or a value of the
wrong JSON type, as Salesforce's deserializer does. ``Writer.save`` then applies the
per-record rules: read-only fields, references (by Id or by external id), lengths,
restricted picklists, required fields, a Lead's Task without WhatId, the org's validation
rules, unique values.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sf_social.testing import ids, values
from sf_social.testing.replies import ApiFault, RecordError, RecordFailure
from sf_social.testing.schema import FieldSpec, FieldType, ObjectSpec
from sf_social.testing.store import Record, Store

if TYPE_CHECKING:
    from sf_social.testing.validation import Validator


@dataclass(frozen=True)
class KeyReference:
    """``"Who": {"attributes": {"type": "Lead"}, "Social_Profile_Key__c": "..."}``."""

    field: FieldSpec
    sobject: str | None
    key_field: str
    key: object
    extra_fields: int = 0


@dataclass
class Parsed:
    """A request body read against an object's fields."""

    obj: ObjectSpec
    values: dict[str, object] = field(default_factory=dict)
    references: list[KeyReference] = field(default_factory=list)
    errors: list[RecordError] = field(default_factory=list)


def parse(obj: ObjectSpec, body: Mapping[str, Any], *, csv: bool = False) -> Parsed:
    """Read ``body``; ``ApiFault`` for what fails the whole request.

    In CSV mode (Bulk API) a value of the wrong type fails only its record; an empty
    cell leaves the field alone and ``#N/A`` clears it.
    """
    parsed = Parsed(obj)
    for key, raw in body.items():
        if key == "attributes":
            continue
        spec = obj.field(key)
        if spec is None:
            relation = obj.by_relationship(key)
            if relation is not None and isinstance(raw, Mapping):
                parsed.references.append(_key_reference(relation, raw))
                continue
            raise ApiFault(
                400, "INVALID_FIELD", f"No such column '{key}' on sobject of type {obj.name}"
            )
        if csv:
            if raw == "":
                continue
            raw = None if raw == "#N/A" else raw
        try:
            parsed.values[spec.name] = values.read(spec, raw)
        except values.WrongType as exc:
            if not csv:
                raise ApiFault(400, "JSON_PARSER_ERROR", str(exc)) from None
            parsed.errors.append(
                RecordError(
                    "INVALID_TYPE_ON_FIELD_IN_RECORD",
                    f"{spec.label}: value not of required type: {raw}",
                    (spec.name,),
                )
            )
    return parsed


def _key_reference(relation: FieldSpec, raw: Mapping[str, Any]) -> KeyReference:
    attributes = raw.get("attributes")
    sobject = attributes.get("type") if isinstance(attributes, Mapping) else None
    keys = [(k, v) for k, v in raw.items() if k != "attributes"]
    key_field, key = keys[0] if keys else ("", None)
    return KeyReference(relation, sobject, key_field, key, max(0, len(keys) - 1))


class Writer:
    """Saves records into a ``Store`` after checking them like Salesforce does."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.inactive_values_seen: dict[tuple[str, str], set[str]] = {}
        self.validator: Validator | None = None
        """The org's validation rules (``sf_social.testing.validation``), once it has them."""

    def save(
        self, parsed: Parsed, existing: Record | None, *, user_id: str | None = None
    ) -> Record:
        """Create (``existing`` None) or update a record as ``user_id`` (default: the
        integration user); ``RecordFailure`` if refused."""
        obj = parsed.obj
        errors = list(parsed.errors)
        new_values = dict(parsed.values)
        creating = existing is None
        read_only = [
            name
            for name in new_values
            if name != "Id" and not _writable(obj.field(name), creating=creating)
        ]
        if read_only:
            errors.append(
                RecordError(
                    "INVALID_FIELD_FOR_INSERT_UPDATE",
                    f"Unable to create/update fields: {', '.join(read_only)}. Please check the"
                    " security settings of this field and verify that it is read/write for"
                    " your role or profile.",
                    tuple(read_only),
                )
            )
        for reference in parsed.references:
            resolved = self._resolve(obj, reference, new_values, errors)
            if resolved is not None:
                new_values[reference.field.name] = resolved
        unknown: list[tuple[str, str]] = []
        for name, value in new_values.items():
            spec = obj.field(name)
            assert spec is not None
            if spec.type is FieldType.REFERENCE and value is not None:
                errors += self._check_id(spec, str(value))
                continue
            found, bad = values.check(spec, value)
            errors += found
            unknown += [(name, v) for v in bad]
        if errors:
            raise RecordFailure(*errors)
        record: Record = dict(existing) if existing else self._defaults(obj)
        record.update(new_values)
        missing = [
            f.name
            for f in obj.all_fields()
            if f.required and record.get(f.name) is None and f.createable
        ]
        if missing:
            raise RecordFailure(
                RecordError(
                    "REQUIRED_FIELD_MISSING",
                    f"Required fields are missing: [{', '.join(missing)}]",
                    tuple(missing),
                )
            )
        if obj.name == "Task":
            who, what = record.get("WhoId"), record.get("WhatId")
            if isinstance(who, str) and who.startswith(ids.KEY_PREFIXES["Lead"]) and what:
                raise RecordFailure(
                    RecordError(
                        "FIELD_INTEGRITY_EXCEPTION",
                        "field integrity exception: WhoId, WhatId (a Task whose WhoId is a"
                        " Lead cannot have a WhatId)",
                        ("WhoId", "WhatId"),
                    )
                )
        if self.validator is not None:
            broken = self.validator.check(obj, record, existing, user_id or self.store.user_id)
            if broken is not None:
                raise RecordFailure(broken)
        self._check_unique(obj, record)
        self.store.put(obj, record, existing)
        for name, value in unknown:
            self.inactive_values_seen.setdefault((obj.name, name), set()).add(value)
        return record

    def _defaults(self, obj: ObjectSpec) -> Record:
        record: Record = {f.name: f.default for f in obj.all_fields() if f.default is not None}
        if obj.field("OwnerId") is not None:
            record["OwnerId"] = self.store.user_id
        return record

    def _resolve(
        self,
        obj: ObjectSpec,
        reference: KeyReference,
        new_values: dict[str, object],
        errors: list[RecordError],
    ) -> str | None:
        spec = reference.field
        targets = spec.reference_to
        sobject = reference.sobject or (targets[0] if len(targets) == 1 else None)
        if spec.name in new_values:
            errors.append(
                RecordError(
                    "INVALID_FIELD",
                    f"Cannot specify both an external ID reference {spec.relationship} and a"
                    f" salesforce id, {spec.name}",
                    (),
                )
            )
            return None
        if sobject is None or sobject not in targets:
            errors.append(
                RecordError(
                    "INVALID_FIELD",
                    f"The value provided for foreign key reference {spec.relationship} is not"
                    f" a nested SObject of a valid type: {reference.sobject}",
                    (),
                )
            )
            return None
        if reference.extra_fields:
            errors.append(
                RecordError(
                    "INVALID_FIELD",
                    "More than 1 field provided in an external foreign key reference in"
                    f" entity: {sobject}",
                    (),
                )
            )
            return None
        target = self.store.schema.object(sobject)
        key_spec = target.field(reference.key_field) if target else None
        if target is None or key_spec is None or not key_spec.indexed:
            errors.append(
                RecordError(
                    "INVALID_FIELD",
                    f"Field name provided, {reference.key_field} is not an External ID or"
                    f" indexed field for {sobject}",
                    (),
                )
            )
            return None
        key = "" if reference.key is None else str(reference.key)
        matches = self.store.find(target.name, key_spec, key) if key else []
        if len(matches) != 1:
            problem = "not found" if not matches else "matched more than one record"
            errors.append(
                RecordError(
                    "INVALID_FIELD",
                    f"Foreign key external ID: {key} {problem} for field {key_spec.name}"
                    f" in entity {target.name}",
                    (),
                )
            )
            return None
        return matches[0]

    def _check_id(self, spec: FieldSpec, value: str) -> list[RecordError]:
        if not ids.is_well_formed(value):
            return [
                RecordError(
                    "MALFORMED_ID",
                    f"{spec.label}: id value of incorrect type: {value}",
                    (spec.name,),
                )
            ]
        sobject = ids.object_of(value)
        if sobject not in spec.reference_to:
            return [
                RecordError(
                    "FIELD_INTEGRITY_EXCEPTION",
                    f"{spec.label}: id value of incorrect type: {value}",
                    (spec.name,),
                )
            ]
        assert sobject is not None
        if self.store.get(sobject, value) is None:
            return [
                RecordError(
                    "INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id", (spec.name,)
                )
            ]
        return []

    def _check_unique(self, obj: ObjectSpec, record: Record) -> None:
        for spec in obj.all_fields():
            value = record.get(spec.name)
            if not spec.unique or not isinstance(value, str):
                continue
            others = [i for i in self.store.find(obj.name, spec, value) if i != record.get("Id")]
            if others:
                raise RecordFailure(
                    RecordError(
                        "DUPLICATE_VALUE",
                        f"duplicate value found: {spec.name} duplicates value on record with id:"
                        f" {others[0]}",
                        (),
                    )
                )


def _writable(spec: FieldSpec | None, *, creating: bool) -> bool:
    if spec is None:
        return False
    return spec.createable if creating else spec.updateable

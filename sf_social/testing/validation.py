"""Validation rules, enforced by the local org as Salesforce does on every API save.

The active ``ValidationRule`` components the org holds (deployed, or ``metadata.put``)
are checked on each create and update through the REST and Bulk APIs, for the user of the
call's session; a rule whose formula holds fails the record with
``FIELD_CUSTOM_VALIDATION_EXCEPTION``, its error message, and its error display field.
Seeding and inspection (``LocalOrg.insert``, ``update_record``) are an admin's data load:
not checked.

``$Permission.<name>`` holds when one of the user's permission sets
(``PermissionSetAssignment``) is a deployed ``PermissionSet`` that enables that custom
permission. A formula the local org cannot compute (:mod:`sf_social.testing.formulas`) is
not enforced; :attr:`Validator.unenforced` says which and why.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sf_social.metadata.valuexml import child_text, children, parse_bool
from sf_social.testing.formulas import FormulaError, Node, evaluate, parse, truth
from sf_social.testing.replies import RecordError
from sf_social.testing.schema import ObjectSpec
from sf_social.testing.store import Record, Store

if TYPE_CHECKING:
    from sf_social.testing.metadata_store import MetadataStore

FAILED = "FIELD_CUSTOM_VALIDATION_EXCEPTION"


@dataclass(frozen=True)
class _Rule:
    name: str
    formula: Node
    message: str
    field: str | None


class Validator:
    """Checks a record against its object's active validation rules."""

    def __init__(self, metadata: MetadataStore, store: Store) -> None:
        self.metadata = metadata
        self.store = store
        self.unenforced: dict[str, str] = {}
        """Rules not enforced (full name → why): their formula is beyond the local org."""
        self._rules_of: dict[str, list[_Rule]] = {}
        self._seen = -1
        """``metadata.changes`` when ``_rules_of`` was filled."""

    def check(
        self, obj: ObjectSpec, record: Record, previous: Record | None, user_id: str
    ) -> RecordError | None:
        """The error of the first rule ``record`` breaks, if any."""
        for rule in self._rules(obj.name):
            scope = _Scope(self, obj, record, previous, user_id)
            try:
                broken = truth(evaluate(rule.formula, scope))
            except FormulaError as exc:
                self.unenforced[rule.name] = str(exc)
                continue
            if broken:
                return RecordError(FAILED, rule.message, (rule.field,) if rule.field else ())
        return None

    def _rules(self, sobject: str) -> list[_Rule]:
        if self._seen != self.metadata.changes:
            self._rules_of, self._seen = {}, self.metadata.changes
        if sobject not in self._rules_of:
            self._rules_of[sobject] = self._read_rules(sobject)
        return self._rules_of[sobject]

    def _read_rules(self, sobject: str) -> list[_Rule]:
        rules = []
        prefix = f"{sobject}.".casefold()
        for full_name, element in self.metadata.components("ValidationRule"):
            if not full_name.casefold().startswith(prefix):
                continue
            if not parse_bool(child_text(element, "active"), False):
                continue
            try:
                formula = parse(child_text(element, "errorConditionFormula") or "")
            except FormulaError as exc:
                self.unenforced[full_name] = str(exc)
                continue
            message = child_text(element, "errorMessage") or full_name
            field = child_text(element, "errorDisplayField")
            rules.append(_Rule(full_name, formula, message, field))
        return rules

    def permissions(self, user_id: str) -> set[str]:
        """The custom permissions the user's deployed permission sets enable."""
        sets = {
            a.get("PermissionSetId")
            for a in self.store.table("PermissionSetAssignment").values()
            if a.get("AssigneeId") == user_id
        }
        names = [
            r.get("Name") for r in self.store.table("PermissionSet").values() if r["Id"] in sets
        ]
        enabled: set[str] = set()
        for name in names:
            element = self.metadata.get("PermissionSet", str(name)) if name else None
            for permission in children(element, "customPermissions") if element else []:
                if parse_bool(child_text(permission, "enabled"), False):
                    enabled.add(child_text(permission, "name") or "")
        return enabled


class _Scope:
    """One record being saved, as its rules' formulas read it."""

    def __init__(
        self,
        validator: Validator,
        obj: ObjectSpec,
        record: Record,
        previous: Record | None,
        user_id: str,
    ) -> None:
        self.validator = validator
        self.obj = obj
        self.record = record
        self.previous = previous
        self.user_id = user_id
        self.is_new = previous is None

    def value(self, path: tuple[str, ...]) -> Any:
        head, *rest = path
        if head == "$Permission" and len(rest) == 1:
            return rest[0] in self.validator.permissions(self.user_id)
        if head == "$User" and rest == ["Id"]:
            return self.user_id
        if head.startswith("$"):
            raise FormulaError(f"the global {'.'.join(path)} is not supported by the local org")
        return self._read(self.obj, self.record, path)

    def _read(self, obj: ObjectSpec, record: Record, path: tuple[str, ...]) -> Any:
        head, *rest = path
        if not rest:
            spec = obj.field(head)
            if spec is None:
                raise FormulaError(f"{obj.name} has no field {head}")
            return record.get(spec.name)
        reference = obj.by_relationship(head)
        if reference is None:
            raise FormulaError(f"{obj.name} has no relationship {head}")
        parent_id = record.get(reference.name)
        found = self.validator.store.find_by_id(str(parent_id)) if parent_id else None
        if found is None:
            return None
        sobject, parent = found
        parent_obj = self.validator.store.schema.object(sobject)
        assert parent_obj is not None
        return self._read(parent_obj, parent, tuple(rest))

    def prior(self, field: str) -> Any:
        spec = self.obj.field(field)
        return self.previous.get(spec.name) if self.previous and spec else None

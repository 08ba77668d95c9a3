"""The formula language the local org computes for validation rules."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from sf_social.testing.formulas import FormulaError, evaluate, parse


@dataclass
class Record:
    """A record being saved: its values, those before, and the user's permissions."""

    values: dict[str, Any]
    before: dict[str, Any] | None = None
    permissions: set[str] = field(default_factory=set)

    @property
    def is_new(self) -> bool:
        return self.before is None

    def value(self, path: tuple[str, ...]) -> Any:
        if path[0] == "$Permission":
            return path[1] in self.permissions
        return self.values.get(".".join(path))

    def prior(self, name: str) -> Any:
        return (self.before or {}).get(name)


APPROVAL = """AND(
    ISPICKVAL(Status__c, "Approved"),
    OR(ISNEW(), ISCHANGED(Status__c)),
    NOT(Case__r.Social_Reply_Approval_Waived__c),
    NOT($Permission.SF_Social_Reply_Approve)
)"""


def broken(formula: str, record: Record) -> Any:
    return evaluate(parse(formula), record)


def test_the_approval_rule() -> None:
    approved = {"Status__c": "Approved", "Case__r.Social_Reply_Approval_Waived__c": False}
    assert broken(APPROVAL, Record(approved)) is True  # an agent approves a new reply
    assert broken(APPROVAL, Record(approved, permissions={"SF_Social_Reply_Approve"})) is False
    waived = {**approved, "Case__r.Social_Reply_Approval_Waived__c": True}
    assert broken(APPROVAL, Record(waived)) is False
    assert broken(APPROVAL, Record(approved, before={"Status__c": "Draft"})) is True
    assert broken(APPROVAL, Record(approved, before={"Status__c": "Approved"})) is False
    draft = {"Status__c": "Draft"}
    assert broken(APPROVAL, Record(draft)) is False
    no_case = {"Status__c": "Approved"}  # a blank checkbox of a missing parent is false
    assert broken(APPROVAL, Record(no_case)) is True


@pytest.mark.parametrize(
    ("formula", "expected"),
    [
        ("1 + 2 * 3 = 7", True),
        ("(1 + 2) * 3 <> 9", False),
        ('"a" & "b" == "ab"', True),
        ("NOT(TRUE) || !FALSE && 2 >= 2", True),
        ('IF(ISBLANK(Missing__c), "blank", "set")', "blank"),
        ('BLANKVALUE(Missing__c, "x")', "x"),
        ('LEN(Name) > 3 && CONTAINS(Name, "cm") && BEGINS(Name, "Ac")', True),
        ("PRIORVALUE(Name) = NULL", True),
        ("-Amount__c < 0 /* a comment */", True),
        ("'single' = \"single\"", True),
    ],
)
def test_operators_and_functions(formula: str, expected: Any) -> None:
    assert broken(formula, Record({"Name": "Acme", "Amount__c": 5.0})) == expected


@pytest.mark.parametrize(
    ("formula", "says"),
    [
        ("VLOOKUP(A, B, C)", "VLOOKUP() is not supported"),
        ("AND(TRUE", "ends too early"),
        ("TRUE FALSE", "unexpected 'FALSE'"),
        ("1 # 2", "cannot read the formula at '# 2'"),
        ("ISCHANGED(Case__r.Status)", "ISCHANGED() takes a field of the record itself"),
        ("1 / 0 > 1", "division by zero"),
        ('"a" > 2', "not supported between"),
    ],
)
def test_what_the_local_org_cannot_compute_is_said(formula: str, says: str) -> None:
    with pytest.raises(FormulaError, match=says.replace("(", r"\(").replace(")", r"\)")):
        broken(formula, Record({}))

"""Plans as JSON text for the outbox and the dead letters, losslessly.

``RecordPlan.model_dump_json()`` is made for people and the API, not for a round trip:
multi-select fields serialize as ``"a;b"`` (or nothing), and a Task's ``who``/``what``
references are excluded. A plan read back from the outbox must be the plan that was
queued, so records are stored here by attribute name with their raw values, tagged with
their sObject, and rebuilt by their own model; everything else (the plan, the rest of each
write) goes through pydantic as usual.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic_core import to_jsonable_python

from sf_social.plan import PlannedWrite, RecordPlan
from sf_social.records import CaseRecord, ContactRecord, LeadRecord, SObjectRecord, TaskRecord

FORMAT = 1
"""Bumped if the stored shape changes; old rows stay readable by their format number."""

_RECORD_TYPES: dict[str, type[SObjectRecord]] = {
    cls.sobject: cls for cls in (LeadRecord, CaseRecord, TaskRecord, ContactRecord)
}


def _record_data(record: SObjectRecord) -> dict[str, Any]:
    values = {name: getattr(record, name) for name in type(record).model_fields}
    data: dict[str, Any] = to_jsonable_python(values)
    return data


def encode_plan(plan: RecordPlan) -> str:
    """The plan as compact JSON text that ``decode_plan`` turns back into an equal plan."""
    body = plan.model_dump(mode="json", exclude={"writes"})
    body["writes"] = [
        {
            **write.model_dump(mode="json", exclude={"record"}),
            "sobject": write.record.sobject,
            "record": _record_data(write.record),
        }
        for write in plan.writes
    ]
    return json.dumps({"format": FORMAT, "plan": body}, separators=(",", ":"), ensure_ascii=False)


def decode_plan(text: str) -> RecordPlan:
    """The plan stored by ``encode_plan``."""
    stored = json.loads(text)
    if not isinstance(stored, dict) or stored.get("format") != FORMAT:
        raise ValueError(f"not a stored plan of format {FORMAT}: {text[:80]!r}")
    body = dict(stored["plan"])
    writes = [_decode_write(dict(w)) for w in body.pop("writes")]
    return RecordPlan.model_validate({**body, "writes": writes})


def _decode_write(data: dict[str, Any]) -> PlannedWrite:
    record_type = _RECORD_TYPES[data.pop("sobject")]
    record = record_type.model_validate(data.pop("record"))
    return PlannedWrite.model_validate({**data, "record": record})

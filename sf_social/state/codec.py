"""Plans as JSON text for the outbox and the dead letters.

A plan read back from the outbox must equal the plan that was queued: ``RecordPlan``
dumps losslessly (multi-selects as lists, Task references included), and each stored text
carries a format number so a later change of shape can still read old rows.
"""

from __future__ import annotations

import json

from sf_social.plan import RecordPlan

FORMAT = 2
"""Bumped when the stored shape changes (1: records by attribute, before plans round-tripped)."""


def encode_plan(plan: RecordPlan) -> str:
    """The plan as compact JSON text that ``decode_plan`` turns back into an equal plan."""
    body = plan.model_dump(mode="json")
    return json.dumps({"format": FORMAT, "plan": body}, separators=(",", ":"), ensure_ascii=False)


def decode_plan(text: str) -> RecordPlan:
    """The plan stored by ``encode_plan``."""
    stored = json.loads(text)
    if not isinstance(stored, dict) or stored.get("format") != FORMAT:
        raise ValueError(f"not a stored plan of format {FORMAT}: {text[:80]!r}")
    return RecordPlan.model_validate(stored["plan"])

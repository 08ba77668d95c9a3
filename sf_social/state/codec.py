"""Plans as JSON text for the outbox and the dead letters.

A plan read back from the outbox must equal the plan that was queued: ``RecordPlan``
dumps losslessly (multi-selects as lists, Task references included), and each stored text
carries a format number so a later change of shape can still read old rows.
"""

from __future__ import annotations

import json
import threading

from sf_social.plan import RecordPlan

FORMAT = 2
"""Bumped when the stored shape changes (1: records by attribute, before plans round-tripped)."""

_PREFIX = f'{{"format":{FORMAT},"plan":'


def encode_plan(plan: RecordPlan) -> str:
    """The plan as compact JSON text that ``decode_plan`` turns back into an equal plan.

    pydantic-core writes the plan's JSON itself: half the time of ``model_dump`` then
    ``json.dumps``, and the same compact text.
    """
    return f"{_PREFIX}{plan.model_dump_json()}}}"


def decode_plan(text: str) -> RecordPlan:
    """The plan stored by ``encode_plan``."""
    stored = json.loads(text)
    if not isinstance(stored, dict) or stored.get("format") != FORMAT:
        raise ValueError(f"not a stored plan of format {FORMAT}: {text[:80]!r}")
    return RecordPlan.model_validate(stored["plan"])


class RecentPlans:
    """The plans this process encoded lately, by their stored text, until read back once.

    Intake stores plans that push claims moments later in the same process (``import``,
    the daemon's passes): ``decode`` of a text ``encode`` made gives the very plan that
    was encoded (``decode_plan`` of that text equals it: the codec round-trips) instead of
    parsing and validating it again (~150 us a plan). Any other text is decoded. At most
    ``size`` plans are kept, the oldest dropped first; a text is forgotten once read (a
    row claimed again after a failure is decoded).
    """

    def __init__(self, size: int = 5_000) -> None:
        self.size = size
        self._plans: dict[str, RecordPlan] = {}
        self._lock = threading.Lock()

    def encode(self, plan: RecordPlan) -> str:
        """``encode_plan(plan)``, remembering the plan by that text."""
        text = encode_plan(plan)
        with self._lock:
            self._plans[text] = plan
            if len(self._plans) > self.size:
                del self._plans[next(iter(self._plans))]
        return text

    def decode(self, text: str) -> RecordPlan:
        """The plan ``encode`` gave ``text`` for, else ``decode_plan(text)``."""
        with self._lock:
            plan = self._plans.pop(text, None)
        return decode_plan(text) if plan is None else plan

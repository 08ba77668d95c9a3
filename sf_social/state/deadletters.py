"""Dead letters: planned writes that failed for good, kept with the reason until an operator acts.

An operator lists them (by code), shows one (the plan as JSON), fixes the cause (e.g.
deploys a missing picklist value) and retries them, which moves them back to the outbox
under their original outbox id (so they keep their place in their ordering key's queue),
or drops them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sf_social.plan import RecordPlan
from sf_social.state.codec import decode_plan


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """One parked write, with the failure that parked it."""

    id: int
    outbox_id: int
    post_key: str
    ordering_key: str
    plan_json: str
    code: str
    message: str
    fields: tuple[str, ...]
    attempts: int
    created_at: datetime
    """When the plan was first queued."""
    first_failed_at: datetime
    last_failed_at: datetime

    @property
    def plan(self) -> RecordPlan:
        """The plan, parsed from ``plan_json``."""
        return decode_plan(self.plan_json)

"""Response-time figures from the local thread state: no Salesforce call.

Per group of Cases opened in a window: how many, how many we answered, the median and
90th percentile of the minutes to our first reply (as ``Social_Response_Minutes__c`` has
them), the share answered within target, and how many are overdue now (open, unanswered,
past their due time).

Within target: of the Cases whose outcome is known (answered, or unanswered past the due
time), the share answered at or before the due time. Cases without a due time count in
the minutes but not in the share.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sf_social.business_hours import BusinessHours, minutes_to_respond
from sf_social.state.threads import ThreadState

ALL = "all"
NONE = "(none)"


class GroupBy(StrEnum):
    """What ``report response-times --by`` groups Cases by."""

    SEGMENT = "segment"
    TEAM = "team"
    NETWORK = "network"
    TIER = "tier"


@dataclass(frozen=True, slots=True)
class ResponseTimes:
    """The figures of one group of Cases."""

    group: str
    cases: int
    answered: int
    median_minutes: float | None
    p90_minutes: int | None
    within_target: float | None
    """A share (0 to 1); None when no Case's outcome is known yet."""
    overdue_now: int


def response_times(
    threads: Iterable[ThreadState],
    now: datetime,
    by: GroupBy | None = None,
    hours: BusinessHours | None = None,
) -> list[ResponseTimes]:
    """The figures of ``threads`` as of ``now``: one row per group (sorted), else one
    ``all`` row (also when there is no thread). Minutes are business minutes with
    ``hours`` (the playbook's), as on the Case."""
    groups: dict[str, list[ThreadState]] = {}
    for thread in threads:
        name = ALL if by is None else (getattr(thread, by.value) or NONE)
        groups.setdefault(name, []).append(thread)
    if by is None and not groups:
        groups[ALL] = []
    return [_figures(name, groups[name], now, hours) for name in sorted(groups)]


def _figures(
    group: str, threads: Sequence[ThreadState], now: datetime, hours: BusinessHours | None
) -> ResponseTimes:
    minutes = sorted(
        minutes_to_respond(t.opened_at, t.first_response_at, hours)
        for t in threads
        if t.opened_at is not None and t.first_response_at is not None
    )
    within = known = overdue = 0
    for t in threads:
        due, answered = t.response_due_at, t.first_response_at
        if due is None:
            continue
        if answered is not None:
            known += 1
            within += answered <= due
        elif due < now:
            known += 1
            overdue += is_open(t)
    return ResponseTimes(
        group=group,
        cases=len(threads),
        answered=sum(t.first_response_at is not None for t in threads),
        median_minutes=statistics.median(minutes) if minutes else None,
        p90_minutes=percentile(minutes, 90),
        within_target=within / known if known else None,
        overdue_now=overdue,
    )


def is_open(thread: ThreadState) -> bool:
    """Whether the thread's Case was open when Salesforce was last read."""
    return thread.closed_at is None


def percentile(ordered: Sequence[int], p: int) -> int | None:
    """The nearest-rank ``p``-th percentile of ``ordered`` (ascending); None when empty."""
    if not ordered:
        return None
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]

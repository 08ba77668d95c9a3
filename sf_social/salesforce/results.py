"""What became of each planned write: the writer's answer, plan by plan.

A :class:`WriteReport` holds one :class:`PlanResult` per plan, in the order given, and each
holds one :class:`WriteOutcome` per write (the plan's writes, as identity lookup left them,
plus any Contact refresh it added). Failures are data — :class:`RecordFailure` with the
error code, message, fields and whether a later retry can succeed — so the sync engine can
keep Ids in its ledger, retry the transient and dead-letter the permanent with the reason.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from enum import StrEnum

from sf_social.plan import PlannedWrite, RecordPlan


class Status(StrEnum):
    CREATED = "created"
    UPDATED = "updated"  # existed: its sync-owned fields were refreshed
    UNCHANGED = "unchanged"  # existed, nothing sync-owned to refresh: no call
    SKIPPED = "skipped"  # nothing to do by design (update-only and absent, Lead of a Contact)
    DELETED = "deleted"  # removed from the org (a lead form Lead its person deleted)
    FAILED = "failed"


@dataclass(frozen=True)
class RecordFailure:
    """Why a record was not written.

    ``transient``: the same write may succeed later (retry it); otherwise it never will
    as planned (dead letter, with this reason). ``retry_after`` is a hint in seconds.
    """

    code: str
    message: str
    fields: tuple[str, ...] = ()
    transient: bool = False
    retry_after: float | None = None

    def __str__(self) -> str:
        on = f" [{', '.join(self.fields)}]" if self.fields else ""
        kind = "transient" if self.transient else "permanent"
        return f"{self.code}: {self.message}{on} ({kind})"


@dataclass(frozen=True)
class WriteOutcome:
    """One planned write's result; ``id`` is the Salesforce Id when the record exists."""

    write: PlannedWrite
    status: Status
    id: str | None = None
    failure: RecordFailure | None = None
    note: str | None = None

    @property
    def sobject(self) -> str:
        return self.write.sobject

    @property
    def key(self) -> str:
        return self.write.key

    @property
    def ok(self) -> bool:
        return self.status is not Status.FAILED


@dataclass(frozen=True)
class PlanResult:
    """The outcomes of one plan's writes."""

    plan: RecordPlan
    outcomes: tuple[WriteOutcome, ...]
    notes: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """Every write done or rightly skipped."""
        return all(o.ok for o in self.outcomes)

    @property
    def failures(self) -> list[WriteOutcome]:
        return [o for o in self.outcomes if o.failure is not None]

    @property
    def permanent(self) -> bool:
        """At least one write can never succeed as planned (dead letter)."""
        return any(o.failure is not None and not o.failure.transient for o in self.outcomes)

    @property
    def retryable(self) -> bool:
        """Not ok, but every failure is transient: send the plan again later."""
        return not self.ok and not self.permanent


@dataclass
class WriteReport:
    """The answer to one ``Writer.write`` call."""

    results: list[PlanResult]
    api_calls: int = 0
    ids: dict[str, str] = field(default_factory=dict)
    stopped: str | None = None
    login_refused: bool = False
    """The batch stopped because Salesforce refused the login for good (renew it)."""

    def counts(self) -> Counter[str]:
        """How many outcomes of each status (``failed`` split into transient/permanent)."""
        tally: Counter[str] = Counter()
        for result in self.results:
            for outcome in result.outcomes:
                name = outcome.status.value
                if outcome.failure is not None:
                    name += "/transient" if outcome.failure.transient else "/permanent"
                tally[name] += 1
        return tally

    @property
    def outcomes(self) -> list[WriteOutcome]:
        return [o for r in self.results for o in r.outcomes]

    def summary(self) -> str:
        counts = ", ".join(f"{n} {k}" for k, n in sorted(self.counts().items()))
        tail = f"; stopped: {self.stopped}" if self.stopped else ""
        done = counts or "nothing to write"
        return f"{len(self.results)} plans: {done}; {self.api_calls} API calls{tail}"

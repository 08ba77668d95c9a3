"""The overdue sweep: Cases past their due time without our reply are flagged
(``Social_Response_Overdue__c``, sync-owned; ``IsEscalated`` too when the playbook's
``response_targets.escalate_overdue`` says so).

The candidates come from the local thread state, at no cost: a pass with nothing due makes
no API call. Otherwise one query reads the candidates' Cases (agents close Cases, and a
Case's due time is theirs to change), and one update per 200 flags those still open,
unanswered, unflagged and past due. What the query shows lands in the thread state, so a
Case is looked at until it is flagged, answered or closed, not after. With the playbook's
``response_targets.notify_overdue``, the queue owning each flagged Case gets a custom
notification (one more call per 100 flagged).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from sf_social.logs import event
from sf_social.salesforce.api import Lookup, OrgApi
from sf_social.salesforce.batch import attributes
from sf_social.salesforce.times import parse_api_time
from sf_social.state import StateStore, ThreadState
from sf_social.sync import notices

log = logging.getLogger(__name__)

KEY = "Social_Thread_Key__c"
OVERDUE = "Social_Response_Overdue__c"
FIELDS = (
    "Id",
    KEY,
    "Status",
    "IsClosed",
    "ClosedDate",
    "Social_First_Response__c",
    "Social_Response_Due__c",
    OVERDUE,
    "OwnerId",
)
SWEEP_LOCK = "@sweep"
"""The lock a daemon takes to sweep (among PostgreSQL replicas, one sweeps at a time)."""
CHUNK = 200
"""Records per sObject Collections update."""


@dataclass
class SweepCounts:
    """What one sweep did."""

    candidates: int = 0
    flagged: int = 0
    failed: int = 0
    notified: int = 0
    notify_failed: int = 0
    api_calls: int = 0


class OverdueSweep:
    """Flags overdue Cases: ``run()`` is one pass."""

    def __init__(
        self,
        store: StateStore,
        org: OrgApi,
        *,
        escalate: bool = False,
        notify: bool = False,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.store = store
        self.org = org
        self.escalate = escalate
        self.notify = notify
        self.clock = clock

    def run(self) -> SweepCounts:
        """One pass; the org's errors (a failed query) propagate, nothing is saved then."""
        now = self.clock()
        threads = {t.case_key: t for t in self.store.overdue_threads(now)}
        counts = SweepCounts(candidates=len(threads))
        if not threads:
            return counts
        calls = self.org.api_calls
        lookup = Lookup("Case", FIELDS, {KEY: tuple(sorted(threads))}, exact=frozenset({KEY}))
        (found,) = self.org.find([lookup])
        if found.error is not None:
            raise found.error
        seen: list[ThreadState] = []
        due: list[tuple[str, ThreadState]] = []
        owners: dict[str, str | None] = {}
        for row in found.rows:
            thread = threads.get(str(row.get(KEY)))
            if thread is None:
                continue
            known = _as_read(thread, row, now)
            if known is not None:
                seen.append(known)
            else:
                due.append((str(row["Id"]), thread))
                owner = row.get("OwnerId")
                owners[str(row["Id"])] = owner if isinstance(owner, str) else None
        flagged: list[ThreadState] = []
        for start in range(0, len(due), CHUNK):
            flagged += self._flag(due[start : start + CHUNK], now, counts)
        seen += flagged
        if self.notify and flagged:
            told = [(str(t.case_id), owners.get(str(t.case_id)), t.case_key) for t in flagged]
            counts.notified, counts.notify_failed = notices.send(
                self.org, notices.overdue(told), "overdue"
            )
        read = {t.root_key: t for t in threads.values()}
        self.store.save_threads(seen, read=read, now=now)
        counts.api_calls = self.org.api_calls - calls
        event(log, "overdue sweep", **vars(counts))
        return counts

    def _flag(
        self, cases: Sequence[tuple[str, ThreadState]], now: datetime, counts: SweepCounts
    ) -> list[ThreadState]:
        values: dict[str, Any] = {**attributes("Case"), OVERDUE: True}
        if self.escalate:
            values["IsEscalated"] = True
        results = self.org.update("Case", [{"Id": case_id, **values} for case_id, _ in cases])
        flagged = []
        for (case_id, thread), result in zip(cases, results, strict=True):
            if result.success:
                flagged.append(replace(thread, overdue_at=now, case_id=case_id))
                counts.flagged += 1
            else:
                counts.failed += 1
                error = result.error
                event(
                    log,
                    "overdue flag refused",
                    logging.WARNING,
                    case=case_id,
                    thread=thread.case_key,
                    code=error.code if error else None,
                    error=error.message if error else None,
                )
        return flagged


def _as_read(thread: ThreadState, row: Mapping[str, Any], now: datetime) -> ThreadState | None:
    """The thread as its Case in Salesforce shows it, or None when the Case is overdue."""
    if row.get("IsClosed") is True:
        return replace(
            thread, status=row.get("Status"), closed_at=parse_api_time(row.get("ClosedDate")) or now
        )
    answered = parse_api_time(row.get("Social_First_Response__c"))
    if answered is not None:
        return replace(thread, first_response_at=answered)
    if row.get(OVERDUE) is True:
        return replace(thread, overdue_at=now)
    due = parse_api_time(row.get("Social_Response_Due__c"))
    if due is None or due >= now:  # an agent moved the due time
        return replace(thread, response_due_at=due)
    return None

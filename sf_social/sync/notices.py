"""Telling a Case's queue: custom notifications from push (severity raised) and from the
overdue sweep (a Case past due), when the playbook asks for them.

Only Cases owned by a queue are notified (an agent who owns a Case watches it already).
A notification that fails is logged and counted, never retried and never fails the write
it follows: the Case holds the escalation either way.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence

from sf_social.errors import SalesforceApiError
from sf_social.logs import event
from sf_social.records import CaseRecord
from sf_social.salesforce.notify import Notification, Notifier, is_queue
from sf_social.salesforce.results import Status, WriteReport
from sf_social.sync.severity import Raised

log = logging.getLogger(__name__)
_WRITTEN = (Status.CREATED, Status.UPDATED, Status.UNCHANGED)


def escalations(raised: Iterable[Raised], report: WriteReport) -> list[Notification]:
    """A notification per queue-owned Case raised and written by ``report`` (its last raise)."""
    written = {
        o.write.key
        for result in report.results
        for o in result.outcomes
        if isinstance(o.write.record, CaseRecord) and o.status in _WRITTEN
    }
    latest = {r.case_key: r for r in raised if r.case_key in written}
    return [
        Notification(
            str(r.owner_id),
            str(r.case_id),
            f"Social Case escalated: severity {r.severity or 'raised'}",
            f"A later post raised this conversation's severity: {r.reason}."
            + (" Priority raised." if r.priority_raised else " Priority left as an agent set it."),
        )
        for r in latest.values()
        if r.case_id is not None and is_queue(r.owner_id)
    ]


def overdue(cases: Iterable[tuple[str, str | None, str]]) -> list[Notification]:
    """A notification per queue-owned Case flagged overdue: (Id, OwnerId, thread key)."""
    return [
        Notification(
            str(owner),
            case_id,
            "Social Case overdue",
            f"The conversation {key} passed its response due time without a reply.",
        )
        for case_id, owner, key in cases
        if is_queue(owner)
    ]


def send(org: object, notifications: Sequence[Notification], why: str) -> tuple[int, int]:
    """(sent, failed); nothing is sent when ``org`` cannot notify."""
    if not notifications:
        return 0, 0
    if not isinstance(org, Notifier):
        log.warning("%s: %s cannot send notifications", why, type(org).__name__)
        return 0, len(notifications)
    try:
        results = org.notify(notifications)
    except SalesforceApiError as exc:
        event(log, "queue notification failed", logging.WARNING, why=why, error=str(exc))
        return 0, len(notifications)
    failed = [(n, r) for n, r in zip(notifications, results, strict=True) if not r.success]
    for notification, result in failed:
        error = result.error
        event(
            log,
            "queue notification refused",
            logging.WARNING,
            why=why,
            case=notification.target_id,
            queue=notification.recipient_id,
            code=error.code if error else None,
            error=error.message if error else None,
        )
    return len(notifications) - len(failed), len(failed)

"""Custom notifications to a Case's queue: the ``customNotificationAction`` standard action.

``POST /actions/standard/customNotificationAction`` with ``{"inputs": [...]}``, each input
``customNotifTypeId`` (the Id of our ``Social_Escalation`` notification type, read once by
its DeveloperName), ``recipientIds`` (the queue's Id: every active member is notified),
``targetId`` (the Case), ``title`` and ``body``; one result per input, in order. The
integration user needs the "Send Custom Notifications" permission (the permission set
grants it). One call per ``CHUNK`` notifications.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from sf_social.errors import MalformedResponseError, SalesforceApiError
from sf_social.records import truncate
from sf_social.salesforce import soql
from sf_social.salesforce.api import ErrorDetail, RecordResult
from sf_social.salesforce.connection import Connection
from sf_social.salesforce.retry import RetryPolicy, retried

NOTIFICATION_TYPE = "Social_Escalation"
"""The DeveloperName of the notification type ``metadata/`` ships."""
ACTION = "actions/standard/customNotificationAction"
CHUNK = 100
"""Notifications per call (our choice, well under what one request may carry)."""
QUEUE_PREFIX = "00G"
"""The key prefix of a Group: a queue owning a Case."""
TITLE_MAX = 250
BODY_MAX = 750
NO_NOTIFICATION_TYPE = "NO_NOTIFICATION_TYPE"


@dataclass(frozen=True)
class Notification:
    """One notification: to ``recipient_id`` (a queue or a user) about record ``target_id``."""

    recipient_id: str
    target_id: str
    title: str
    body: str


@runtime_checkable
class Notifier(Protocol):
    """Sends custom notifications; each call counts against the org's API budget."""

    def notify(self, notifications: Sequence[Notification]) -> list[RecordResult]:
        """Send ``notifications``: one result each, in order."""
        ...


def is_queue(owner_id: str | None) -> bool:
    """Whether a Case's OwnerId is a queue (a Group), not a user."""
    return owner_id is not None and owner_id.startswith(QUEUE_PREFIX)


class RestNotifications:
    """The custom notification action through one ``Connection``."""

    def __init__(self, connection: Connection, *, retry: RetryPolicy) -> None:
        self.connection = connection
        self.retry = retry
        self._type_id: str | None = None

    def notify(self, notifications: Sequence[Notification]) -> list[RecordResult]:
        """Send them, ``CHUNK`` a call; a call that fails fails its notifications only."""
        if not notifications:
            return []
        type_id = self._notification_type()
        results: list[RecordResult] = []
        for start in range(0, len(notifications), CHUNK):
            chunk = notifications[start : start + CHUNK]
            inputs = [_input(type_id, n) for n in chunk]
            try:
                answer = self._send(inputs)
            except SalesforceApiError as exc:
                failed = RecordResult(False, errors=(ErrorDetail(exc.code, str(exc)),))
                results += [failed] * len(chunk)
                continue
            results += _results(answer, len(chunk))
        return results

    def _send(self, inputs: list[dict[str, Any]]) -> Any:
        """One call (a transient failure is retried: a queue notified twice is harmless)."""
        body = {"inputs": inputs}
        return retried(
            self.retry,
            lambda: self.connection.json("POST", f"{ACTION}/", call="notify", json=body),
            "notify",
        )

    def _notification_type(self) -> str:
        if self._type_id is None:
            statement = (
                "SELECT Id FROM CustomNotificationType WHERE DeveloperName = "  # noqa: S608
                + soql.quote(NOTIFICATION_TYPE)
            )
            rows = retried(self.retry, lambda: self.connection.query(statement), "query")
            if not rows or not isinstance(rows[0].get("Id"), str):
                raise SalesforceApiError(
                    "notify",
                    NO_NOTIFICATION_TYPE,
                    f"the org has no custom notification type {NOTIFICATION_TYPE}: deploy"
                    " metadata/ (sf-social metadata deploy)",
                    transient=False,
                )
            self._type_id = str(rows[0]["Id"])
        return self._type_id


def _input(type_id: str, notification: Notification) -> dict[str, Any]:
    return {
        "customNotifTypeId": type_id,
        "recipientIds": [notification.recipient_id],
        "targetId": notification.target_id,
        "title": truncate(notification.title, TITLE_MAX),
        "body": truncate(notification.body, BODY_MAX),
    }


def _results(answer: Any, expected: int) -> list[RecordResult]:
    if not isinstance(answer, list) or len(answer) != expected:
        raise MalformedResponseError("notify", f"expected {expected} results, got {answer!r:.200}")
    results = []
    for item in answer:
        ok = isinstance(item, dict) and item.get("isSuccess") is True
        errors = item.get("errors") if isinstance(item, dict) else None
        details = tuple(
            ErrorDetail(str(e.get("statusCode")), str(e.get("message")))
            for e in errors or []
            if isinstance(e, dict)
        )
        results.append(RecordResult(ok, errors=() if ok else details))
    return results

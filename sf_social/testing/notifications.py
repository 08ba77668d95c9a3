"""Custom notifications in the local org: the notification types of ``metadata/`` as
``CustomNotificationType`` records, and the standard action that sends one,
``POST /actions/standard/customNotificationAction``.

The action takes ``{"inputs": [{"customNotifTypeId", "recipientIds", "title", "body",
"targetId"}, ...]}`` and answers one result per input, in order:
``{"actionName", "isSuccess", "errors", "outputValues"}``. Recipients are active users or
groups and queues (``Group``: all their members are notified). What was sent is kept in
``sent`` for tests to read; an input naming no type, no recipient, no target, an unknown
Id, or missing its title or body fails alone (``INVALID_API_INPUT``).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from sf_social.metadata.components import MetadataPackage
from sf_social.testing.replies import ApiFault, Reply, Request
from sf_social.testing.sobjects import Context
from sf_social.testing.store import Store

ACTION = "customNotificationAction"
TITLE_MAX = 250
BODY_MAX = 750
_RECIPIENT_OBJECTS = ("User", "Group")


@dataclass(frozen=True)
class SentNotification:
    """One notification the org accepted."""

    type_id: str
    recipient_ids: tuple[str, ...]
    target_id: str
    title: str
    body: str


def seed_types(insert: Any, package: MetadataPackage | None) -> None:
    """A ``CustomNotificationType`` record per notification type of ``package``."""
    for item in package.analytics if package is not None else ():
        if item.kind == "CustomNotificationType":
            insert(
                "CustomNotificationType",
                DeveloperName=item.name,
                MasterLabel=item.label,
                CustomNotifTypeName=item.label,
            )


class Notifications:
    """The custom notification action and what it sent."""

    def __init__(self) -> None:
        self.sent: list[SentNotification] = []
        self._lock = threading.Lock()

    def send(self, ctx: Context, request: Request) -> Reply:
        """``POST /actions/standard/customNotificationAction``."""
        body = request.json()
        inputs = body.get("inputs") if isinstance(body, dict) else None
        if not isinstance(inputs, list) or not inputs:
            raise ApiFault(400, "JSON_PARSER_ERROR", "the request needs a list of inputs")
        results = [self._one(ctx.store, item) for item in inputs]
        return Reply.of_json(200, results)

    def _one(self, store: Store, item: Any) -> dict[str, Any]:
        problem = _problem(store, item)
        if problem is not None:
            return {
                "actionName": ACTION,
                "errors": [{"statusCode": "INVALID_API_INPUT", "message": problem}],
                "isSuccess": False,
                "outputValues": None,
            }
        sent = SentNotification(
            item["customNotifTypeId"],
            tuple(item["recipientIds"]),
            item["targetId"],
            item["title"],
            item["body"],
        )
        with self._lock:
            self.sent.append(sent)
        return {
            "actionName": ACTION,
            "errors": None,
            "isSuccess": True,
            "outputValues": {
                "SuccessMessage": "Your custom notification is processed successfully."
            },
        }


def _problem(store: Store, item: Any) -> str | None:
    """What is wrong with one input, or None."""
    if not isinstance(item, dict):
        return "an input is an object"
    type_id = item.get("customNotifTypeId")
    if not isinstance(type_id, str) or not store.get("CustomNotificationType", type_id):
        return f"customNotifTypeId: no custom notification type {type_id!r}"
    recipients = item.get("recipientIds")
    if not isinstance(recipients, list) or not recipients:
        return "recipientIds: give at least one user, group or queue Id"
    for recipient in recipients:
        if not isinstance(recipient, str) or not any(
            store.get(sobject, recipient) for sobject in _RECIPIENT_OBJECTS
        ):
            return f"recipientIds: {recipient!r} is no active user, group or queue"
    target = item.get("targetId")
    if not isinstance(target, str) or store.find_by_id(target) is None:
        return f"targetId: no record {target!r}"
    for name, limit in (("title", TITLE_MAX), ("body", BODY_MAX)):
        text = item.get(name)
        if not isinstance(text, str) or not text.strip():
            return f"{name}: required"
        if len(text) > limit:
            return f"{name}: at most {limit} characters"
    return None

"""LinkedIn Lead Sync notifications: the ``/linkedin`` route of ``sf-social webhook serve``.

- **Validation** (https://learn.microsoft.com/en-us/linkedin/shared/api-guide/webhook-validation):
  LinkedIn sends ``GET ?challengeCode=<uuid>`` when the webhook is registered and again
  about every two hours (three failures in a row block the endpoint); the answer is JSON
  ``{"challengeCode", "challengeResponse"}``, the response being the hex HMAC-SHA256 of the
  code keyed with the app's client secret.
- **Notifications** are POSTed with ``X-LI-Signature``: LinkedIn's page (webhook-validation,
  "Requirements for Processing Notifications") documents the hex HMAC-SHA256, keyed with the
  same secret, of the JSON body *prefixed by* ``hmacsha256=``; that is what :func:`sign`
  makes and what is checked, beside the HMAC of the bare body (some integrations read the
  sentence that way) and a header that carries the prefix itself, in constant time. A lead
  notification carries ids only
  (https://learn.microsoft.com/en-us/linkedin/marketing/lead-sync/leadsync):
  ``{"type": "LEAD_ACTION", "leadGenFormResponse": "urn:li:leadGenFormResponse:<id>",
  "leadGenForm": "urn:li:versionedLeadGenForm:(urn:li:leadGenForm:<form>,<version>)",
  "owner": {"sponsoredAccount"|"organization": URN}, "leadType", "leadAction":
  "CREATED"|"DELETED", "occuredAt": MS}``; it may come several times. Each is stored
  under ``<leadAction>:<response urn>``: a repeat is stored once.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable, Mapping
from typing import Any

PATH = "/linkedin"
HEADER = "X-LI-Signature"
ACTIONS = frozenset({"CREATED", "DELETED"})

Store = Callable[[list[tuple[str, dict[str, Any]]]], int]


def challenge_response(code: str, secret: str) -> str:
    """The hex HMAC-SHA256 of ``code`` keyed with ``secret``."""
    return hmac.new(secret.encode(), code.encode(), hashlib.sha256).hexdigest()


SIGNED_PREFIX = b"hmacsha256="
"""What LinkedIn signs before the body."""


def sign(body: bytes, secret: str) -> str:
    """The ``X-LI-Signature`` LinkedIn sends with ``body``, as documented."""
    return hmac.new(secret.encode(), SIGNED_PREFIX + body, hashlib.sha256).hexdigest()


class LinkedInLeadRoute:
    """The route: challenge, signature, notifications → events (a :class:`WebhookRoute`)."""

    path = PATH
    signed_prefixes: tuple[bytes, ...] = (SIGNED_PREFIX,)

    def __init__(self, client_secret: str, store: Store) -> None:
        if not client_secret:
            raise ValueError("LinkedIn's client secret is required to serve its webhook")
        self.secret = client_secret
        self._store = store

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.path})"

    def challenge(self, query: Mapping[str, list[str]]) -> tuple[int, str, str]:
        code = (query.get("challengeCode") or [""])[0]
        if not code or len(code) > 200:
            return 400, "text/plain; charset=utf-8", "challengeCode required"
        answer = {"challengeCode": code, "challengeResponse": challenge_response(code, self.secret)}
        return 200, "application/json", json.dumps(answer)

    def signed(self, hexdigest: str, headers: Mapping[str, str]) -> bool:
        given = (headers.get(HEADER) or "").strip().lower().removeprefix("hmacsha256=")
        return bool(given) and hmac.compare_digest(
            hexdigest.encode(), given.encode("utf-8", "replace")
        )

    def events(self, payload: Any) -> list[tuple[str, dict[str, Any]]]:
        items = payload if isinstance(payload, list) else [payload]
        events = []
        for item in items:
            if not isinstance(item, dict):
                raise ValueError("a notification is not an object")
            response, action = item.get("leadGenFormResponse"), item.get("leadAction")
            if not isinstance(response, str) or not response or str(action) not in ACTIONS:
                raise ValueError("a lead notification needs leadGenFormResponse and leadAction")
            events.append((f"{action}:{response}", item))
        return events

    def store(self, events: list[tuple[str, dict[str, Any]]]) -> int:
        return self._store(events)

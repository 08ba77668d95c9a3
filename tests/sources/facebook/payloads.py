"""Webhook payloads in the shapes Meta documents.

- Page ``feed`` changes: https://developers.facebook.com/docs/graph-api/webhooks/reference/page/
  (value fields ``from {id, name}, post_id, comment_id, parent_id, created_time, item,
  verb, message``) and https://developers.facebook.com/docs/pages-api/webhooks-for-pages
- Messenger ``messages`` and echoes:
  https://developers.facebook.com/docs/messenger-platform/reference/webhook-events
  (``sender.id`` = PSID, ``recipient.id`` = page, ``timestamp`` in ms, ``message.mid/text``)
- Verification and ``X-Hub-Signature-256``:
  https://developers.facebook.com/docs/graph-api/webhooks/getting-started/
Ids and people are invented.
"""

from __future__ import annotations

import json
from typing import Any

PAGE = "106623265058935"
SECRET = "app-secret-for-tests"
TOKEN = "meatyhamhock"
COMPLAINT = (
    "Been waiting 3 weeks for my replacement card. Called twice, nobody knows where it is. #fail"
)


def comment(
    comment_id: str = "PAGEPOST_1_C1",
    message: str = COMPLAINT,
    author: tuple[str, str] = ("2233445566", "Dana Morales"),
    parent: str | None = None,
    post: str = f"{PAGE}_1",
    verb: str = "add",
) -> dict[str, Any]:
    return {
        "object": "page",
        "entry": [
            {
                "id": PAGE,
                "time": 1732000000,
                "changes": [
                    {
                        "field": "feed",
                        "value": {
                            "from": {"id": author[0], "name": author[1]},
                            "post_id": post,
                            "comment_id": comment_id,
                            "parent_id": parent or post,
                            "created_time": 1732000000,
                            "item": "comment",
                            "verb": verb,
                            "message": message,
                        },
                    }
                ],
            }
        ],
    }


def reaction() -> dict[str, Any]:
    return {
        "object": "page",
        "entry": [
            {
                "id": PAGE,
                "time": 1732000100,
                "changes": [
                    {
                        "field": "feed",
                        "value": {
                            "from": {"id": "2233445566", "name": "Dana Morales"},
                            "post_id": f"{PAGE}_1",
                            "created_time": 1732000100,
                            "item": "reaction",
                            "verb": "add",
                            "reaction_type": "like",
                        },
                    }
                ],
            }
        ],
    }


def message(
    mid: str = "m_1", text: str = "hi, my card never arrived", echo: bool = False
) -> dict[str, Any]:
    sender, recipient = (PAGE, "PSID_77") if echo else ("PSID_77", PAGE)
    msg: dict[str, Any] = {"mid": mid, "text": text}
    if echo:
        msg["is_echo"] = True
    return {
        "object": "page",
        "entry": [
            {
                "id": PAGE,
                "time": 1732000200000,
                "messaging": [
                    {
                        "sender": {"id": sender},
                        "recipient": {"id": recipient},
                        "timestamp": 1732000200000,
                        "message": msg,
                    }
                ],
            }
        ],
    }


def body(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload).encode()

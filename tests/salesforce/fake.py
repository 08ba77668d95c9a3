"""A scripted stand-in for the REST endpoints the writer calls, on ``responses``.

Each test says what exists (``rows``), which records fail on which attempt
(``record_errors``) and which calls fail as a whole (``call_errors``); every request body
and header is kept (``sent``) to check what was sent.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests
import responses

from tests.salesforce.conftest import API, json_reply, url

Reply = tuple[int, dict[str, str], str]
PREFIX = {"Case": "500", "Task": "00T", "Lead": "00Q", "Contact": "003", "Group": "00G"}


@dataclass
class Sent:
    method: str
    path: str
    body: Any
    headers: dict[str, str]

    @property
    def records(self) -> list[dict[str, Any]]:
        return list(self.body["records"]) if isinstance(self.body, dict) else []


class FakeRest:
    """See the module docstring; ``usage`` is reported in every ``Sforce-Limit-Info``."""

    def __init__(self, mocked: responses.RequestsMock, usage: int = 10, limit: int = 15_000):
        self.rows: dict[str, list[dict[str, Any]]] = {}
        self.record_errors: dict[str, list[dict[str, Any] | None]] = {}
        self.call_errors: list[Reply | Exception] = []
        self.sent: list[Sent] = []
        self.existing: dict[str, str] = {}
        self.usage = usage
        self.limit = limit
        self.respond: Callable[[Sent], Reply | None] | None = None
        mocked.add_callback("GET", url("limits/"), callback=self._limits)
        mocked.add_callback("POST", url("composite/"), callback=self._composite)
        mocked.add_callback(
            "PATCH",
            re.compile("^" + re.escape(f"{API}/composite/sobjects") + r"(/.*)?$"),
            callback=self._collection,
        )

    def add_queue(self, name: str) -> None:
        self.rows.setdefault("Group", []).append(
            {"Id": f"00G{_digest(name)}", "DeveloperName": name}
        )

    def add(self, sobject: str, key_field: str, key: str) -> str:
        record_id = f"{PREFIX[sobject]}{_digest(key)}"
        self.rows.setdefault(sobject, []).append({"Id": record_id, key_field: key})
        self.existing[key] = record_id
        return record_id

    def calls(self, path_part: str) -> list[Sent]:
        return [s for s in self.sent if path_part in s.path]

    # -- callbacks -----------------------------------------------------------------------

    def _reply(self, status: int, body: Any) -> Reply:
        self.usage += 1
        return json_reply(status, body, used=self.usage, limit=self.limit)

    def _record(self, request: requests.PreparedRequest) -> Sent:
        body = json.loads(request.body) if request.body else None
        sent = Sent(
            request.method or "", urlsplit(request.url or "").path, body, dict(request.headers)
        )
        self.sent.append(sent)
        return sent

    def _fail_call(self) -> Reply | None:
        if not self.call_errors:
            return None
        failure = self.call_errors.pop(0)
        if isinstance(failure, Exception):
            raise failure
        self.usage += 1
        return failure

    def _limits(self, request: requests.PreparedRequest) -> Reply:
        self._record(request)
        remaining = self.limit - self.usage - 1
        return self._reply(200, {"DailyApiRequests": {"Max": self.limit, "Remaining": remaining}})

    def _composite(self, request: requests.PreparedRequest) -> Reply:
        sent = self._record(request)
        failed = self._fail_call()
        if failed is not None:
            return failed
        answers = []
        for sub in sent.body["compositeRequest"]:
            soql = parse_qs(urlsplit(sub["url"]).query)["q"][0]
            sobject = re.search(r" FROM (\w+) ", soql)
            assert sobject is not None
            quoted = set(re.findall(r"'((?:[^'\\]|\\.)*)'", soql))
            rows = [
                {"attributes": {"type": sobject.group(1)}, **row}
                for row in self.rows.get(sobject.group(1), [])
                if any(str(v) in quoted for k, v in row.items() if k != "Id")
            ]
            answers.append(
                {
                    "body": {"totalSize": len(rows), "done": True, "records": rows},
                    "httpHeaders": {},
                    "httpStatusCode": 200,
                    "referenceId": sub["referenceId"],
                }
            )
        return self._reply(200, {"compositeResponse": answers})

    def _collection(self, request: requests.PreparedRequest) -> Reply:
        sent = self._record(request)
        failed = self._fail_call()
        if failed is not None:
            return failed
        if self.respond is not None:
            custom = self.respond(sent)
            if custom is not None:
                return custom
        parts = sent.path.split("/composite/sobjects")[1].strip("/").split("/")
        key_field = parts[1] if len(parts) == 2 else "Id"
        results = []
        for record in sent.records:
            key = str(record.get(key_field))
            queue = self.record_errors.get(key)
            error = queue.pop(0) if queue else None
            if error is not None:
                results.append({"success": False, "errors": [error]})
                continue
            sobject = record["attributes"]["type"]
            created = key_field != "Id" and key not in self.existing
            record_id = (
                key
                if key_field == "Id"
                else self.existing.setdefault(key, f"{PREFIX[sobject]}{_digest(key)}")
            )
            results.append({"id": record_id, "success": True, "errors": [], "created": created})
        return self._reply(200, results)


def error(code: str, message: str = "", fields: list[str] | None = None) -> dict[str, Any]:
    return {"statusCode": code, "message": message or f"{code} happened", "fields": fields or []}


def _digest(key: str) -> str:
    return hashlib.sha1(key.encode()).hexdigest()[:12].upper() + "AAA"

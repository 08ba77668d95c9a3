"""Requests and replies of the local org, and Salesforce's error shapes.

A REST call that fails as a whole answers ``[{"message", "errorCode"[, "fields"]}]``;
one record failing inside a collection answers ``{"statusCode", "message", "fields"}``
within that record's result. ``ApiFault`` carries the first, ``RecordError`` the second.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

from sf_social.errors import LocalOrgError


@dataclass(frozen=True)
class Request:
    """One HTTP request as the org sees it, whatever carried it."""

    method: str
    path: str
    query: str = ""
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""
    base_url: str = ""

    def header(self, name: str) -> str | None:
        """A request header, matched without regard to case."""
        lowered = name.lower()
        return next((v for k, v in self.headers.items() if k.lower() == lowered), None)

    def params(self) -> dict[str, str]:
        """The query-string parameters (first value of each)."""
        return {k: v[0] for k, v in parse_qs(self.query, keep_blank_values=True).items()}

    def json(self) -> Any:
        """The body parsed as JSON; ``ApiFault`` JSON_PARSER_ERROR if it is not JSON."""
        try:
            return json.loads(self.body or b"null")
        except ValueError as exc:
            raise ApiFault(400, "JSON_PARSER_ERROR", f"Unexpected character: {exc}") from None


@dataclass
class Reply:
    """An HTTP answer: status, headers and body bytes."""

    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""

    @classmethod
    def of_json(cls, status: int, payload: Any, headers: dict[str, str] | None = None) -> Reply:
        """A JSON answer."""
        head = {"Content-Type": "application/json;charset=UTF-8", **(headers or {})}
        return cls(status, head, json.dumps(payload).encode())

    @classmethod
    def of_text(cls, status: int, text: str, content_type: str) -> Reply:
        """A text answer (CSV results, HTML error pages)."""
        return cls(status, {"Content-Type": content_type}, text.encode())

    @classmethod
    def empty(cls, status: int = 204) -> Reply:
        """An answer without a body."""
        return cls(status, {}, b"")

    def json(self) -> Any:
        """The body parsed as JSON (None when empty)."""
        return json.loads(self.body) if self.body else None


class ApiFault(LocalOrgError):
    """A call failing as a whole: HTTP ``status`` with ``[{"message", "errorCode"}]``."""

    def __init__(
        self, status: int, code: str, message: str, fields: list[str] | None = None
    ) -> None:
        super().__init__(status, code, message)
        self.fields = fields

    def payload(self) -> list[dict[str, Any]]:
        """The JSON body Salesforce sends for this error."""
        entry: dict[str, Any] = {"message": self.message, "errorCode": self.code}
        if self.fields is not None:
            entry["fields"] = self.fields
        return [entry]

    def reply(self) -> Reply:
        """This error as an HTTP answer."""
        return Reply.of_json(self.status, self.payload())


@dataclass(frozen=True)
class RecordError:
    """Why one record was not saved (``statusCode``, ``message``, ``fields``)."""

    code: str
    message: str
    fields: tuple[str, ...] = ()

    def payload(self) -> dict[str, Any]:
        """The error as it appears in a collection result."""
        return {"statusCode": self.code, "message": self.message, "fields": list(self.fields)}

    def as_fault(self, status: int = 400) -> ApiFault:
        """The same error answering a single-record call."""
        return ApiFault(status, self.code, self.message, list(self.fields))


class RecordFailure(Exception):
    """Raised inside a write when a record cannot be saved; carries its errors."""

    def __init__(self, *errors: RecordError) -> None:
        super().__init__("; ".join(f"{e.code}: {e.message}" for e in errors))
        self.errors = list(errors)

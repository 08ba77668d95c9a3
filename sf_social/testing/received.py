"""What the org received: each API request as sent, a Composite call's subrequests apart.

``LocalOrg.received`` reads it back, to check what a client sent (records, their fields
and order, headers such as ``Sforce-Duplicate-Rule-Header``) rather than only what it
wrote. A Composite call appears as itself and, after it, one ``Received`` per subrequest
with ``packed`` true: a subrequest is not an API call of its own, and its headers are the
``httpHeaders`` it carries.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from sf_social.testing.replies import Request


@dataclass(frozen=True)
class Received:
    """One request (or Composite subrequest) as the org received it; ``body`` parsed JSON."""

    method: str
    path: str
    body: Any
    headers: Mapping[str, str] = field(default_factory=dict)
    packed: bool = False
    """A subrequest inside a Composite call (not an API call of its own)."""

    @property
    def records(self) -> list[dict[str, Any]]:
        """The ``records`` of an sObject Collections body (empty for other requests)."""
        records = self.body.get("records") if isinstance(self.body, dict) else None
        return list(records) if isinstance(records, list) else []

    def header(self, name: str) -> str | None:
        """A header, matched without regard to case."""
        lowered = name.lower()
        return next((v for k, v in self.headers.items() if k.lower() == lowered), None)


def expand(requests: Iterable[Request]) -> Iterator[Received]:
    """Each request, followed by its subrequests if it is a Composite call."""
    for request in requests:
        body = _parsed(request.body)
        yield Received(request.method, request.path, body, dict(request.headers))
        if not request.path.rstrip("/").endswith("/composite") or not isinstance(body, dict):
            continue
        for sub in body.get("compositeRequest") or ():
            if not isinstance(sub, dict):
                continue
            headers = sub.get("httpHeaders")
            yield Received(
                str(sub.get("method", "GET")).upper(),
                urlsplit(str(sub.get("url", ""))).path,
                sub.get("body"),
                {str(k): str(v) for k, v in headers.items()} if isinstance(headers, dict) else {},
                packed=True,
            )


def _parsed(body: bytes) -> Any:
    if not body:
        return None
    try:
        return json.loads(body)
    except ValueError:
        return body.decode("utf-8", errors="replace")

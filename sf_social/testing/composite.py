"""The Composite resource: up to 25 subrequests in one call, counted as one API call.

At most 5 of them may be queries (``query``, ``queryAll``, query more) or sObject
Collections operations (REST API guide, "Send Multiple Requests Using Composite"). Each
subrequest may carry its own ``httpHeaders``.

A subrequest may use the answer of an earlier one with ``@{referenceId.path}``
(``@{NewAccount.id}``, ``@{Lookup.records[0].Id}``). With ``allOrNone`` true, a failure
rolls every subrequest back and the others answer PROCESSING_HALTED.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from sf_social.testing.replies import ApiFault, Reply, Request
from sf_social.testing.store import Store

MAX_SUBREQUESTS = 25
MAX_QUERIES_AND_COLLECTIONS = 5
_HEAVY = re.compile(r"^/services/data/v[\d.]+/(?:query|queryAll|composite/sobjects)(?:/|\?|$)")
_REFERENCE = re.compile(r"@\{([A-Za-z0-9_]+)((?:\.[A-Za-z0-9_]+|\[\d+\])*)\}")
Dispatch = Callable[[Request], Reply]


def composite(store: Store, request: Request, dispatch: Dispatch) -> Reply:
    """``POST /composite`` → ``{"compositeResponse": [...]}`` in request order."""
    body = request.json()
    subrequests = body.get("compositeRequest") if isinstance(body, dict) else None
    if not isinstance(subrequests, list) or not subrequests:
        raise ApiFault(400, "JSON_PARSER_ERROR", "compositeRequest: a list is required")
    if len(subrequests) > MAX_SUBREQUESTS:
        raise ApiFault(
            400,
            "LIMIT_EXCEEDED",
            f"Composite API: a request may have at most {MAX_SUBREQUESTS} subrequests",
        )
    heavy = sum(
        1 for sub in subrequests if isinstance(sub, dict) and _HEAVY.match(str(sub.get("url", "")))
    )
    if heavy > MAX_QUERIES_AND_COLLECTIONS:
        raise ApiFault(
            400,
            "LIMIT_EXCEEDED",
            f"Composite API: a request may have at most {MAX_QUERIES_AND_COLLECTIONS}"
            " query or sObject Collections subrequests",
        )
    all_or_none = bool(body.get("allOrNone", False))
    answers: dict[str, Any] = {}
    responses: list[dict[str, Any]] = []
    with store.journal() as rollback:
        failed = False
        for sub in subrequests:
            reference = str(sub.get("referenceId", ""))
            if failed and all_or_none:
                responses.append(_halted(reference))
                continue
            try:
                reply = dispatch(_subrequest(sub, answers, request.base_url))
            except ApiFault as fault:
                reply = fault.reply()
            payload = reply.json()
            answers[reference] = payload
            failed = failed or reply.status >= 400
            headers = {k: v for k, v in reply.headers.items() if k == "Location"}
            responses.append(
                {
                    "body": payload,
                    "httpHeaders": headers,
                    "httpStatusCode": reply.status,
                    "referenceId": reference,
                }
            )
        if failed and all_or_none:
            rollback()
            responses = [
                r if r["httpStatusCode"] >= 400 else _halted(r["referenceId"]) for r in responses
            ]
    return Reply.of_json(200, {"compositeResponse": responses})


def fault_path(request: Request) -> str:
    """The path fault rules match: a Composite call's subrequest URLs are added to its own,
    so a fault meant for ``/composite/sobjects`` also fires on collections it carries."""
    if request.method != "POST" or not request.path.rstrip("/").endswith("/composite"):
        return request.path
    try:
        body = json.loads(request.body or b"null")
    except ValueError:
        return request.path
    subrequests = body.get("compositeRequest") if isinstance(body, dict) else None
    urls = [str(s.get("url", "")) for s in subrequests or () if isinstance(s, dict)]
    return " ".join([request.path, *urls])


def _halted(reference: str) -> dict[str, Any]:
    return {
        "body": [
            {
                "errorCode": "PROCESSING_HALTED",
                "message": "The transaction was rolled back since another operation in the same"
                " transaction failed.",
            }
        ],
        "httpHeaders": {},
        "httpStatusCode": 400,
        "referenceId": reference,
    }


def _subrequest(sub: dict[str, Any], answers: dict[str, Any], base_url: str) -> Request:
    url = _substitute(str(sub.get("url", "")), answers)
    parts = urlsplit(url)
    body = sub.get("body")
    data = b"" if body is None else json.dumps(_substitute_json(body, answers)).encode()
    extra = sub.get("httpHeaders")
    headers = {str(k): str(v) for k, v in extra.items()} if isinstance(extra, dict) else {}
    return Request(
        method=str(sub.get("method", "GET")).upper(),
        path=parts.path,
        query=parts.query,
        headers={**headers, "Content-Type": "application/json"},
        body=data,
        base_url=base_url,
    )


def _substitute_json(value: Any, answers: dict[str, Any]) -> Any:
    if isinstance(value, str):
        return _substitute(value, answers)
    if isinstance(value, list):
        return [_substitute_json(v, answers) for v in value]
    if isinstance(value, dict):
        return {k: _substitute_json(v, answers) for k, v in value.items()}
    return value


def _substitute(text: str, answers: dict[str, Any]) -> str:
    def value_of(match: re.Match[str]) -> str:
        current: Any = answers.get(match.group(1))
        for step in re.findall(r"\.([A-Za-z0-9_]+)|\[(\d+)\]", match.group(2)):
            name, index = step
            if name and isinstance(current, dict):
                current = current.get(name)
            elif index and isinstance(current, list) and int(index) < len(current):
                current = current[int(index)]
            else:
                current = None
        if current is None:
            raise ApiFault(
                400,
                "PROCESSING_HALTED",
                f"Invalid reference specified. No value for {match.group(0)[2:-1]} found in"
                f" {match.group(1)}.",
            )
        return str(current)

    return _REFERENCE.sub(value_of, text)

"""A local twin of LinkedIn Lead Sync: the lead form endpoints and the lead notifications.

``LinkedInLeadsTwin`` keeps forms and responses in memory, in LinkedIn's shapes, and answers
through ``responses`` (no network)::

    twin = LinkedInLeadsTwin(token="li-token", client_secret="secret")
    form = twin.add_form("Demo request")
    urn = twin.add_response(form, {"FIRST_NAME": "Jane", "EMAIL": "jane@acme.example"})
    with twin.mock():
        ...  # GET https://api.linkedin.com/rest/leadFormResponses/<id> answers it
    body, headers = twin.notification(urn)            # signed X-LI-Signature, CREATED
    body, headers = twin.notification(urn, "DELETED")

Endpoints: ``GET /rest/leadFormResponses/{id}``, ``GET /rest/leadForms/{id}``, the
subscriptions (``POST``, ``GET ?q=criteria``, ``DELETE /rest/leadNotifications``) and the
finder ``GET /rest/leadFormResponses?q=owner&owner=...&submittedAtTimeRange=(start:S,end:E)``
(``start``/``count`` paging, newest first). A wrong token answers 401, an unknown id 404,
both with LinkedIn's error body ``{"message", "serviceErrorCode", "status"}``;
:meth:`fail_next` scripts failures (500, 429...). ``calls`` counts requests by endpoint.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import requests
import responses

from sf_social.sources.linkedin_api.client import API_BASE
from sf_social.sources.linkedin_api.lead_webhook import HEADER, sign

OWNER = "urn:li:sponsoredAccount:520866471"
_START_MS = 1795165200000  # 2026-11-20T09:00:00Z
_URL = re.compile(
    "^"
    + re.escape(API_BASE)
    + r"/(leadFormResponses|leadForms|leadNotifications)(?:/([^?]+))?(\?.*)?$"
)


class LinkedInLeadsTwin:
    """LinkedIn's Lead Sync endpoints and notifications for one owner, in memory."""

    def __init__(
        self,
        token: str = "li-token",  # noqa: S107 (a twin's fake token)
        client_secret: str = "li-secret",  # noqa: S107
        owner: str = OWNER,
    ) -> None:
        self.token = token
        self.client_secret = client_secret
        self.owner = owner
        self.forms: dict[str, dict[str, Any]] = {}
        self.responses: dict[str, dict[str, Any]] = {}
        self.calls: Counter[str] = Counter()
        self.subscriptions: dict[str, dict[str, Any]] = {}
        """Lead notification subscriptions by id (``/rest/leadNotifications``)."""
        self._failures: list[tuple[int, int]] = []
        self._ids = 0

    # -- the data ---------------------------------------------------------------------

    def add_form(self, name: str, questions: tuple[str, ...] = ()) -> str:
        """A form asking the predefined fields and ``questions`` (custom, by name); its id."""
        self._ids += 1
        form_id = str(6_000_000 + self._ids)
        predefined = ("FIRST_NAME", "LAST_NAME", "EMAIL", "COMPANY_NAME", "JOB_TITLE", "COUNTRY")
        entries = [
            {"questionId": n, "name": f.lower(), "predefinedField": f}
            for n, f in enumerate(predefined, 1)
        ]
        entries += [
            {"questionId": 100 + n, "name": q, "question": {"localized": {"en_US": q}}}
            for n, q in enumerate(questions)
        ]
        self.forms[form_id] = {
            "id": int(form_id),
            "name": name,
            "owner": {"sponsoredAccount": self.owner},
            "content": {
                "questions": entries,
                "consentCheckboxes": [
                    {"consentId": 1, "consent": {"localized": {"en_US": "Email me offers"}}}
                ],
            },
        }
        return form_id

    def add_response(
        self,
        form_id: str,
        answers: Mapping[str, str],
        *,
        test: bool = False,
        consent: bool | None = None,
        submitted_ms: int | None = None,
    ) -> str:
        """A response to ``form_id`` (answers by predefined field or custom name); its URN."""
        self._ids += 1
        ident = f"{self._ids:08d}-aaaa-bbbb-cccc-{self._ids:012d}"
        questions = {
            q.get("predefinedField") or q["name"]: q["questionId"]
            for q in self.forms[form_id]["content"]["questions"]
        }
        self.responses[ident] = {
            "id": ident,
            "owner": {"sponsoredAccount": self.owner},
            "submitter": f"urn:li:person:member{self._ids}",
            "leadType": "SPONSORED",
            "versionedLeadGenFormUrn": _versioned(form_id),
            "submittedAt": submitted_ms or _START_MS + 1000 * len(self.responses),
            "testLead": test,
            "leadMetadata": {"sponsoredLeadMetadata": {"campaign": "urn:li:sponsoredCampaign:42"}},
            "formResponse": {
                "answers": [
                    {
                        "questionId": questions[q],
                        "answerDetails": {"textQuestionAnswer": {"answer": v}},
                    }
                    for q, v in answers.items()
                ],
                "consentResponses": []
                if consent is None
                else [{"consentId": 1, "accepted": consent}],
            },
        }
        return f"urn:li:leadGenFormResponse:{ident}"

    def delete_response(self, urn: str) -> None:
        """The member deleted it: reads answer 404."""
        self.responses.pop(urn.rsplit(":", 1)[-1], None)

    def fail_next(self, status: int, times: int = 1) -> None:
        """The next ``times`` requests answer ``status`` (500, 429, 401...)."""
        self._failures.append((status, times))

    # -- notifications ----------------------------------------------------------------

    def notification(self, urn: str, action: str = "CREATED") -> tuple[bytes, dict[str, str]]:
        """The signed notification LinkedIn POSTs for one response."""
        ident = urn.rsplit(":", 1)[-1]
        data = self.responses.get(ident, {})
        payload = {
            "type": "LEAD_ACTION",
            "leadGenFormResponse": urn,
            "leadGenForm": data.get("versionedLeadGenFormUrn", ""),
            "owner": {"sponsoredAccount": self.owner},
            "leadType": "SPONSORED",
            "leadAction": action,
            "occuredAt": data.get("submittedAt", _START_MS),
        }
        body = json.dumps(payload).encode()
        headers = {"Content-Type": "application/json", HEADER: sign(body, self.client_secret)}
        return body, headers

    # -- the API ----------------------------------------------------------------------

    @contextmanager
    def mock(self, rsps: responses.RequestsMock | None = None) -> Iterator[LinkedInLeadsTwin]:
        """Answer ``requests`` calls to the Lead Sync endpoints for the block."""
        mock = rsps or responses.RequestsMock(assert_all_requests_are_fired=False)
        for method in (responses.GET, responses.POST, responses.DELETE):
            mock.add_callback(method, _URL, callback=self._answer, content_type=None)
        if rsps is None:
            with mock:
                yield self
        else:
            yield self

    def _answer(self, request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        match = _URL.match(request.url or "")
        assert match is not None
        resource, ident = match.group(1), unquote(match.group(2) or "")
        self.calls[f"{request.method} /{resource}" + ("/{id}" if ident else "")] += 1
        if self._failures:
            status, times = self._failures[0]
            self._failures[0] = (status, times - 1)
            if times <= 1:
                self._failures.pop(0)
            return _error(status, "scripted failure")
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return _error(401, "Invalid access token")
        if resource == "leadNotifications":
            return self._subscriptions(request, ident)
        if resource == "leadForms":
            found = self.forms.get(ident)
        elif ident:
            found = self.responses.get(ident)
        else:
            return self._find(parse_qs(urlsplit(request.url or "").query))
        if found is None:
            return _error(404, f"{resource} {ident} not found")
        return 200, {"Content-Type": "application/json"}, json.dumps(found)

    def _subscriptions(
        self, request: requests.PreparedRequest, ident: str
    ) -> tuple[int, dict[str, str], str]:
        if request.method == "POST":
            body = json.loads(request.body or b"{}")
            if not str(body.get("webhook", "")).startswith("https://"):
                return _error(400, "webhook must be an https URL")
            self._ids += 1
            new = str(self._ids)
            self.subscriptions[new] = {"id": int(new), **body}
            return 201, {"x-restli-id": new}, ""
        if request.method == "DELETE":
            if self.subscriptions.pop(ident, None) is None:
                return _error(404, f"subscription {ident} not found")
            return 204, {}, ""
        elements = list(self.subscriptions.values())
        return 200, {"Content-Type": "application/json"}, json.dumps({"elements": elements})

    def _find(self, query: dict[str, list[str]]) -> tuple[int, dict[str, str], str]:
        window = re.search(
            r"start:(\d+),end:(\d+)", unquote(query.get("submittedAtTimeRange", [""])[0])
        )
        start_ms, end_ms = (int(window.group(1)), int(window.group(2))) if window else (0, 2**62)
        found = sorted(
            (r for r in self.responses.values() if start_ms <= r["submittedAt"] < end_ms),
            key=lambda r: (r["submittedAt"], r["id"]),
            reverse=True,
        )
        start, count = int(query.get("start", ["0"])[0]), int(query.get("count", ["10"])[0])
        body = {
            "elements": found[start : start + count],
            "paging": {"start": start, "count": count, "total": len(found)},
        }
        return 200, {"Content-Type": "application/json"}, json.dumps(body)


def _versioned(form_id: str) -> str:
    return f"urn:li:versionedLeadGenForm:(urn:li:leadGenForm:{form_id},1)"


def _error(status: int, message: str) -> tuple[int, dict[str, str], str]:
    body = {"message": message, "serviceErrorCode": 65600 if status == 401 else 0, "status": status}
    return status, {"Content-Type": "application/json"}, json.dumps(body)

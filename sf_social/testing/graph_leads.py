"""A local twin of Meta Lead Ads: the Graph lead endpoints and the page ``leadgen`` webhook.

``GraphLeadsTwin`` keeps leads in memory, in the Graph API's shapes, and answers through
``responses`` (no network)::

    twin = GraphLeadsTwin(token="page-token", app_secret="secret")
    lead_id = twin.add_lead("form1", {"email": "ana@example.org", "full_name": "Ana López"})
    with twin.mock():
        ...  # GET https://graph.facebook.com/v23.0/<lead_id> answers the lead
    body, headers = twin.notification([lead_id])  # a signed leadgen webhook
    twin.deliveries(ids, duplicate=0.1, drop=0.05, reorder=0.05)  # as Meta delivers them

Endpoints: ``GET /{version}/{leadgen_id}`` (``fields`` honoured),
``GET /{version}/{page_id}/leadgen_forms``, ``.../subscribed_apps`` and
``GET /{version}/{form_id}/leads``
(``filtering`` on ``time_created``, ``limit``, ``after`` cursors and ``paging.next``).
Errors as Graph gives them (``{"error": {"message", "type", "code", "error_subcode",
"fbtrace_id"}}``): a wrong token 190, an unknown or deleted id
100 (subcode 33), and scripted failures (:meth:`fail_next`: 2 temporary, 4 app limit...).
``calls`` counts requests by endpoint.
"""

from __future__ import annotations

import json
import random
import re
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests
import responses

from sf_social.sources.facebook.graph import GRAPH_BASE
from sf_social.sources.facebook.signature import sign

PAGE_ID = "104857600000001"
_START = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
_URL = re.compile(
    "^"
    + re.escape(GRAPH_BASE)
    + r"/v[0-9.]+/([^/?]+)(/leads|/leadgen_forms|/subscribed_apps)?/?(\?.*)?$"
)


class GraphLeadsTwin:
    """Meta's lead endpoints and webhook for one page, in memory."""

    def __init__(
        self,
        token: str = "page-token",  # noqa: S107 (a twin's fake token)
        app_secret: str = "app-secret",  # noqa: S107
        page_id: str = PAGE_ID,
    ) -> None:
        self.token = token
        self.app_secret = app_secret
        self.page_id = page_id
        self.leads: dict[str, dict[str, Any]] = {}
        self.calls: Counter[str] = Counter()
        self.subscribed = ["leadgen"]
        """The fields the page sends our app (``/{page_id}/subscribed_apps``)."""
        self._failures: list[tuple[int, int]] = []
        self._next_id = 900_000_000_000_000

    # -- the data ---------------------------------------------------------------------

    def add_lead(
        self,
        form_id: str,
        answers: Mapping[str, str],
        *,
        created: datetime | None = None,
        consents: Mapping[str, bool] | None = None,
        platform: str = "fb",
    ) -> str:
        """A new lead of ``form_id`` with ``answers`` (question → value); its id."""
        self._next_id += 1
        lead_id = str(self._next_id)
        when = created or _START + timedelta(seconds=len(self.leads))
        self.leads[lead_id] = {
            "id": lead_id,
            "created_time": when.strftime("%Y-%m-%dT%H:%M:%S+0000"),
            "form_id": form_id,
            "ad_id": "238000000000001",
            "campaign_id": "238000000000002",
            "platform": platform,
            "is_organic": False,
            "field_data": [{"name": q, "values": [v]} for q, v in answers.items()],
            "custom_disclaimer_responses": [
                {"checkbox_key": k, "is_checked": "1" if v else ""}
                for k, v in (consents or {}).items()
            ],
        }
        return lead_id

    def delete_lead(self, lead_id: str) -> None:
        """The lead is gone (deleted by the advertiser or past retention): reads answer 100."""
        self.leads.pop(lead_id, None)

    def fail_next(self, code: int, times: int = 1) -> None:
        """The next ``times`` requests fail with Graph error ``code`` (2: temporary, 4: app
        rate limit, 190: token, 100: invalid)."""
        self._failures.append((code, times))

    # -- the webhook ------------------------------------------------------------------

    def change(self, lead_id: str) -> dict[str, Any]:
        """The ``leadgen`` change Meta sends for one lead (ids only)."""
        lead = self.leads[lead_id]
        created = datetime.strptime(lead["created_time"], "%Y-%m-%dT%H:%M:%S%z")
        return {
            "field": "leadgen",
            "value": {
                "ad_id": lead["ad_id"],
                "form_id": lead["form_id"],
                "leadgen_id": lead_id,
                "created_time": int(created.timestamp()),
                "page_id": self.page_id,
                "adgroup_id": lead["ad_id"],
            },
        }

    def notification(self, lead_ids: Sequence[str]) -> tuple[bytes, dict[str, str]]:
        """A signed page notification of ``lead_ids``: the body and its headers."""
        payload = {
            "object": "page",
            "entry": [
                {
                    "id": self.page_id,
                    "time": 1795170000,
                    "changes": [self.change(i) for i in lead_ids],
                }
            ],
        }
        body = json.dumps(payload).encode()
        headers = {
            "Content-Type": "application/json",
            "X-Hub-Signature-256": sign(body, self.app_secret),
        }
        return body, headers

    @staticmethod
    def deliveries(
        lead_ids: Sequence[str],
        *,
        duplicate: float = 0.0,
        drop: float = 0.0,
        reorder: float = 0.0,
        seed: int = 7,
    ) -> list[str]:
        """``lead_ids`` as a webhook delivers them: some twice, some never, some late."""
        rng = random.Random(seed)  # noqa: S311 (a reproducible delivery order)
        out: list[str] = []
        for lead_id in lead_ids:
            if rng.random() < drop:
                continue
            out.append(lead_id)
            if rng.random() < duplicate:
                out.append(lead_id)
        for index in range(len(out)):
            if rng.random() < reorder:
                other = min(len(out) - 1, index + rng.randint(1, 50))
                out[index], out[other] = out[other], out[index]
        return out

    # -- the API ----------------------------------------------------------------------

    @contextmanager
    def mock(self, rsps: responses.RequestsMock | None = None) -> Iterator[GraphLeadsTwin]:
        """Answer ``requests`` calls to the Graph API for the block."""
        mock = rsps or responses.RequestsMock(assert_all_requests_are_fired=False)
        mock.add_callback(responses.GET, _URL, callback=self._answer, content_type=None)
        if rsps is None:
            with mock:
                yield self
        else:
            yield self

    def _answer(self, request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        match = _URL.match(request.url or "")
        assert match is not None
        ident, edge = match.group(1), match.group(2)
        endpoints = {
            "/subscribed_apps": "GET /{page_id}/subscribed_apps",
            "/leads": "GET /{form_id}/leads",
            "/leadgen_forms": "GET /{page_id}/leadgen_forms",
        }
        endpoint = endpoints.get(edge or "", "GET /{leadgen_id}")
        self.calls[endpoint] += 1
        if self._failures:
            code, times = self._failures[0]
            self._failures[0] = (code, times - 1)
            if times <= 1:
                self._failures.pop(0)
            return _error(code, "scripted failure")
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return _error(190, "Error validating access token: the session is invalid")
        query = {k: v[0] for k, v in parse_qs(urlsplit(request.url or "").query).items()}
        if edge == "/subscribed_apps":
            apps = [{"id": "1234", "name": "sf_social", "subscribed_fields": self.subscribed}]
            return 200, {"Content-Type": "application/json"}, json.dumps({"data": apps})
        if edge == "/leadgen_forms":
            forms = sorted({lead["form_id"] for lead in self.leads.values()})
            body = {"data": [{"id": f, "name": f"Form {f}"} for f in forms]}
            return 200, {"Content-Type": "application/json"}, json.dumps(body)
        if edge:
            return self._form_leads(ident, query)
        lead = self.leads.get(ident)
        if lead is None:
            return _error(100, f"Unsupported get request. Object with ID '{ident}' does not exist")
        return 200, {"Content-Type": "application/json"}, json.dumps(_fields(lead, query))

    def _form_leads(self, form_id: str, query: dict[str, str]) -> tuple[int, dict[str, str], str]:
        since = 0
        for rule in json.loads(query.get("filtering", "[]")):
            if rule.get("field") == "time_created" and rule.get("operator") == "GREATER_THAN":
                since = int(rule["value"])
        leads = [
            lead
            for lead in self.leads.values()
            if lead["form_id"] == form_id and _epoch(lead) > since
        ]
        leads.sort(key=lambda lead: (_epoch(lead), lead["id"]), reverse=True)  # newest first
        start = int(query.get("after") or 0)
        limit = int(query.get("limit") or 25)
        page = leads[start : start + limit]
        body: dict[str, Any] = {"data": [_fields(lead, query) for lead in page]}
        if page:
            body["paging"] = {"cursors": {"before": str(start), "after": str(start + limit)}}
            if start + limit < len(leads):
                body["paging"]["next"] = f"{GRAPH_BASE}/v23.0/{form_id}/leads?after={start + limit}"
        return 200, {"Content-Type": "application/json"}, json.dumps(body)


def _fields(lead: dict[str, Any], query: dict[str, str]) -> dict[str, Any]:
    wanted = query.get("fields")
    if not wanted:
        return {"id": lead["id"], "created_time": lead["created_time"]}
    names = {"id", *wanted.split(",")}
    return {k: v for k, v in lead.items() if k in names}


def _epoch(lead: dict[str, Any]) -> int:
    created = datetime.strptime(lead["created_time"], "%Y-%m-%dT%H:%M:%S%z")
    return int(created.timestamp())


def _error(code: int, message: str) -> tuple[int, dict[str, str], str]:
    kinds = {190: "OAuthException", 100: "GraphMethodException"}
    body = {
        "error": {
            "message": message,
            "type": kinds.get(code, "OAuthException"),
            "code": code,
            "error_subcode": 33 if code == 100 else None,
            "fbtrace_id": "AbCdEfGhIj",
        }
    }
    status = 500 if code in (1, 2) else 400
    return status, {"Content-Type": "application/json"}, json.dumps(body)

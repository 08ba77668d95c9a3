"""``MetaLeadPull``: the leads of a page's forms since a time, read back from the Graph API.

The reconciliation's side of Meta Lead Ads (``sf-social leads reconcile``): whatever the
``leadgen`` webhook missed (an endpoint down, a notification dropped) is still readable
from ``GET /{form_id}/leads`` for about 90 days. The forms are the page's
(``GET /{page_id}/leadgen_forms``) unless given; each form's leads are read newest first,
``filtering=[{"field": "time_created", "operator": "GREATER_THAN", "value": EPOCH}]``,
100 a page following ``paging.next``, with every lead field (no per-lead fetch): one call
per 100 leads. Each page is a batch of ``lead_form`` posts; the ledger drops the leads the
webhook already brought.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from datetime import datetime
from functools import partial
from typing import Any
from urllib.parse import parse_qs, urlsplit

from sf_social.boundary import admit
from sf_social.errors import FeedLineError
from sf_social.lead_forms import to_post
from sf_social.posts import SocialPost
from sf_social.sources.base import Cursor, SourceBatch
from sf_social.sources.facebook.graph import LEAD_FIELDS, GraphApi
from sf_social.sources.facebook.leadgen import to_response

PAGE_SIZE = 100


class MetaLeadPull:
    """The leads of ``forms`` (else every form of ``page_id``) created after ``since``."""

    def __init__(
        self,
        api: GraphApi,
        page_id: str,
        since: datetime,
        forms: Sequence[str] = (),
        name: str = "facebook-leads-reconcile",
    ) -> None:
        self.api = api
        self.page_id = page_id
        self.since = since
        self.forms = tuple(forms)
        self._name = name

    @property
    def name(self) -> str:
        return self._name

    def form_ids(self) -> list[str]:
        """The forms to read: the given ones, else the page's (paged)."""
        if self.forms:
            return list(self.forms)
        found: list[str] = []
        params = {"fields": "id,name", "limit": str(PAGE_SIZE)}
        while True:
            body = self.api.get_json(
                self.name, f"{self.page_id}/leadgen_forms", params, "GET /{page_id}/leadgen_forms"
            )
            found += [str(f["id"]) for f in body.get("data") or [] if f.get("id")]
            after = _next_after(body)
            if after is None:
                return found
            params = {**params, "after": after}

    def pull(self, cursor: Cursor | None) -> Iterator[SourceBatch]:
        filtering = [
            {
                "field": "time_created",
                "operator": "GREATER_THAN",
                "value": int(self.since.timestamp()),
            }
        ]
        for form in self.form_ids():
            params = {
                "fields": LEAD_FIELDS,
                "limit": str(PAGE_SIZE),
                "filtering": json.dumps(filtering),
            }
            while True:
                body = self.api.get_json(self.name, f"{form}/leads", params, "GET /{form_id}/leads")
                posts: list[SocialPost] = []
                rejected: list[FeedLineError] = []
                for index, lead in enumerate(body.get("data") or []):
                    ref = str(lead.get("id", ""))
                    item = admit(f"{form}/leads", index, ref, partial(self._post, lead))
                    if isinstance(item, FeedLineError):
                        rejected.append(item)
                    else:
                        posts.append(item)
                yield SourceBatch(posts, {"since": self.since.isoformat()}, rejected)
                after = _next_after(body)
                if after is None:
                    break
                params = {**params, "after": after}

    def _post(self, lead: dict[str, Any]) -> SocialPost:
        return to_post(to_response(lead, self.page_id))


def _next_after(body: dict[str, object]) -> str | None:
    """The ``after`` cursor of the next page, when the answer says there is one."""
    paging = body.get("paging")
    if not isinstance(paging, dict) or not paging.get("next"):
        return None
    cursors = paging.get("cursors")
    after = cursors.get("after") if isinstance(cursors, dict) else None
    if after is None:
        found = parse_qs(urlsplit(str(paging["next"])).query).get("after")
        after = found[0] if found else None
    return str(after) if after is not None else None

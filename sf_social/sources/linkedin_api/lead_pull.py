"""``LinkedInLeadPull``: an owner's lead form responses since a time, read back from LinkedIn.

The reconciliation's side of Lead Sync (``sf-social leads reconcile``): the responses of the
owner's forms submitted in a window, ``GET /rest/leadFormResponses?q=owner&owner=(...)
&leadType=(leadType:SPONSORED)&submittedAtTimeRange=(start:S,end:E)``, 100 a page
(``start``/``count``), each form read once (its question names). LinkedIn keeps responses
about 90 days. Each page is a batch of ``lead_form`` posts; the ledger drops what the
webhook already brought. Test leads come too: planned with no writes, counted.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from functools import partial
from typing import Any
from urllib.parse import quote

from sf_social.boundary import admit
from sf_social.errors import FeedLineError
from sf_social.lead_forms import to_post
from sf_social.posts import SocialPost
from sf_social.sources.base import Cursor, SourceBatch
from sf_social.sources.linkedin_api.client import LinkedInApi
from sf_social.sources.linkedin_api.lead_sync import form_id, to_response

PAGE_SIZE = 100


def owner_param(owner: str) -> str:
    """``(sponsoredAccount:urn...)`` or ``(organization:urn...)`` for an owner URN."""
    kind = "organization" if owner.startswith("urn:li:organization:") else "sponsoredAccount"
    return f"({kind}:{quote(owner, safe='')})"


class LinkedInLeadPull:
    """The responses to ``owner``'s forms of ``lead_type`` submitted in [since, until)."""

    def __init__(
        self,
        api: LinkedInApi,
        owner: str,
        since: datetime,
        until: datetime | None = None,
        lead_type: str = "SPONSORED",
        name: str = "linkedin-leads-reconcile",
    ) -> None:
        self.api = api
        self.owner = owner
        self.since = since
        self.until = until or datetime.now(UTC)
        self.lead_type = lead_type
        self._name = name
        self._forms: dict[str, dict[str, Any]] = {}

    @property
    def name(self) -> str:
        return self._name

    def pull(self, cursor: Cursor | None) -> Iterator[SourceBatch]:
        window = (
            f"(start:{int(self.since.timestamp() * 1000)},end:{int(self.until.timestamp() * 1000)})"
        )
        start = 0
        while True:
            path = (
                f"leadFormResponses?q=owner&owner={owner_param(self.owner)}"
                f"&leadType=(leadType:{self.lead_type})&submittedAtTimeRange={window}"
                f"&start={start}&count={PAGE_SIZE}"
            )
            body = self.api.get_json(self.name, path, "GET /leadFormResponses?q=owner")
            elements = body.get("elements") or []
            posts: list[SocialPost] = []
            rejected: list[FeedLineError] = []
            for index, data in enumerate(elements):
                item = admit(
                    path, start + index, str(data.get("id", "")), partial(self._post, data)
                )
                if isinstance(item, FeedLineError):
                    rejected.append(item)
                else:
                    posts.append(item)
            yield SourceBatch(posts, {"since": self.since.isoformat()}, rejected)
            start += PAGE_SIZE
            total = (body.get("paging") or {}).get("total")
            if len(elements) < PAGE_SIZE or (isinstance(total, int) and start >= total):
                return

    def _post(self, data: dict[str, Any]) -> SocialPost:
        form = form_id(str(data.get("versionedLeadGenFormUrn", "")))
        if form not in self._forms:
            self._forms[form] = self.api.get_json(self.name, f"leadForms/{form}", "GET /leadForms")
        return to_post(to_response(data, self._forms[form]))

"""``LinkedInLeadSource``: LinkedIn Lead Gen Form responses from Lead Sync notifications.

The ``/linkedin`` route (:mod:`~sf_social.sources.linkedin_api.lead_webhook`) stores each
notification; this source reads them with its own cursor (``{"seq": N}``) and

- for ``CREATED`` fetches the response, ``GET /rest/leadFormResponses/{id}``, and its form
  once per pass, ``GET /rest/leadForms/{form id}`` (question names and predefined fields,
  consent texts), and yields it as a ``lead_form`` post. A ``testLead`` is yielded too
  (the plan writes nothing and says why) and counted in ``counts.test_leads``;
- for ``DELETED`` reports a :class:`~sf_social.deletions.PostDeletion` of the response:
  the answers on its Task are replaced by a note (design rule 11).

Shapes (https://learn.microsoft.com/en-us/linkedin/marketing/lead-sync/leadsync): a response
is ``{"id", "owner": {"sponsoredAccount"|"organization"}, "submitter", "leadType",
"versionedLeadGenFormUrn": "urn:li:versionedLeadGenForm:(urn:li:leadGenForm:<id>,<v>)",
"submittedAt": MS, "testLead", "leadMetadata": {"sponsoredLeadMetadata": {"campaign"}},
"formResponse": {"answers": [{"questionId", "answerDetails": {"textQuestionAnswer":
{"answer"}} | {"multipleChoiceAnswer": {"options": [ids]}}}], "consentResponses":
[{"consentId", "accepted"}]}}``; a form is ``{"id", "name", "content": {"questions":
[{"questionId", "name", "predefinedField", "question": {"localized": {...}},
"questionDetails": {"multipleChoiceQuestionDetails": {"options": [{"id", "text"}]}}}],
"consentCheckboxes": [{"consentId", "consent": {"localized": {...}}}]}}``.

Access: ``r_marketing_leadgen_automation`` with ``r_ads`` (ad account forms) or
``r_organization_admin`` (page, event and product forms). Refusals and retries as in
:mod:`~sf_social.sources.linkedin_api.client`; a response LinkedIn no longer has (404) is a
counted rejection.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from typing import Any
from urllib.parse import quote

from sf_social.boundary import admit, rejection
from sf_social.deletions import PostDeletion
from sf_social.errors import FeedLineError, SourceApiError
from sf_social.lead_forms import (
    LEAD_PREFIX,
    RAW_KEY,
    ConsentAnswer,
    LeadAnswer,
    LeadFormResponse,
    to_post,
)
from sf_social.posts import Network, SocialPost
from sf_social.sources.base import Cursor, SourceBatch
from sf_social.sources.linkedin_api.client import LinkedInApi
from sf_social.sources.webhooks import EventLog

SCOPES = ("r_marketing_leadgen_automation", "r_ads", "r_organization_admin")
_FORM = re.compile(r"urn:li:leadGenForm:(\d+)")


@dataclass
class LeadSyncCounts:
    """What the source did since it was made."""

    fetched: int = 0
    test_leads: int = 0
    deleted: int = 0
    refused: int = 0


def response_id(urn: str) -> str:
    """The id of ``urn:li:leadGenFormResponse:<id>`` (the id itself is kept as is)."""
    return urn.rsplit(":", 1)[-1] if urn.startswith("urn:li:leadGenFormResponse:") else urn


def form_id(versioned: str) -> str:
    """The form id of a versioned form URN (``ValueError`` when there is none)."""
    found = _FORM.search(versioned)
    if found is None:
        raise ValueError(f"{versioned[:100]!r} names no lead form")
    return found.group(1)


def to_response(data: dict[str, Any], form: dict[str, Any]) -> LeadFormResponse:
    """A ``leadFormResponses`` entry and its form as a :class:`LeadFormResponse`."""
    content = form.get("content") or {}
    questions = {q.get("questionId"): q for q in content.get("questions") or []}
    consents = {c.get("consentId"): c for c in content.get("consentCheckboxes") or []}
    body = data.get("formResponse") or {}
    answers = []
    for answer in body.get("answers") or []:
        question = questions.get(answer.get("questionId")) or {}
        key = question.get("predefinedField") or question.get("name") or str(answer["questionId"])
        answers.append(
            LeadAnswer(
                question=str(key),
                label=_localized(question.get("question")),
                value=_answer(answer.get("answerDetails") or {}, question),
            )
        )
    consent_answers = [
        ConsentAnswer(
            consent=str(c["consentId"]),
            label=_localized((consents.get(c["consentId"]) or {}).get("consent")),
            accepted=c.get("accepted") is True,
        )
        for c in body.get("consentResponses") or []
    ]
    owner = data.get("owner") or {}
    submitted = data.get("submittedAt")
    campaign = ((data.get("leadMetadata") or {}).get("sponsoredLeadMetadata") or {}).get("campaign")
    return LeadFormResponse(
        network=Network.LINKEDIN,
        id=response_id(str(data["id"])),
        form_id=form_id(str(data.get("versionedLeadGenFormUrn", ""))),
        form_name=form.get("name") if isinstance(form.get("name"), str) else None,
        submitted_at=datetime.fromtimestamp(submitted / 1000, UTC) if submitted else None,
        answers=answers,
        consents=consent_answers,
        test=data.get("testLead") is True,
        owner=next((str(v) for v in owner.values()), None) if isinstance(owner, dict) else None,
        campaign=str(campaign) if campaign else None,
    )


def _localized(value: Any) -> str | None:
    if isinstance(value, dict) and isinstance(value.get("localized"), dict):
        return next((str(v) for v in value["localized"].values()), None)
    return value if isinstance(value, str) else None


def _answer(details: dict[str, Any], question: dict[str, Any]) -> str:
    text = details.get("textQuestionAnswer")
    if isinstance(text, dict):
        return str(text.get("answer") or "")
    choice = details.get("multipleChoiceAnswer")
    if isinstance(choice, dict):
        options = (
            (question.get("questionDetails") or {}).get("multipleChoiceQuestionDetails") or {}
        ).get("options") or []
        names = {o.get("id"): _localized(o.get("text")) for o in options}
        return "; ".join(str(names.get(i) or i) for i in choice.get("options") or [])
    return ""


class LinkedInLeadSource:
    """Stored Lead Sync notifications, each response fetched (see the module docstring)."""

    def __init__(
        self,
        events: EventLog,
        api: LinkedInApi,
        batch_size: int = 100,
        name: str = "linkedin-leads",
    ) -> None:
        self.events = events
        self.api = api
        self.batch_size = batch_size
        self.counts = LeadSyncCounts()
        self._name = name
        self._forms: dict[str, dict[str, Any]] = {}

    @property
    def name(self) -> str:
        return self._name

    def pull(self, cursor: Cursor | None) -> Iterator[SourceBatch]:
        stored = (cursor or {}).get("seq", 0)
        after = stored if isinstance(stored, int) else 0
        self._forms.clear()  # a form edited since the last pass is read again
        where = str(self.events.path)
        while rows := self.events.read(after, self.batch_size):
            posts: list[SocialPost] = []
            deletions: list[PostDeletion] = []
            rejected: list[FeedLineError] = []
            for seq, event_id, event in rows:
                urn = str(event.get("leadGenFormResponse", ""))
                if event.get("leadAction") == "DELETED":
                    item: Any = admit(where, seq, event_id, partial(_deletion, urn))
                    self.counts.deleted += not isinstance(item, FeedLineError)
                else:
                    item = self._fetch(where, seq, urn)
                if isinstance(item, FeedLineError):
                    rejected.append(item)
                elif isinstance(item, PostDeletion):
                    deletions.append(item)
                else:
                    posts.append(item)
            after = rows[-1][0]
            yield SourceBatch(posts, {"seq": after}, rejected, deletions)

    def response(self, urn: str) -> LeadFormResponse:
        """One response, fetched with its form (API errors raise)."""
        ident = response_id(urn)
        data = self.api.get_json(
            self.name, f"leadFormResponses/{quote(ident, safe='')}", "GET /leadFormResponses"
        )
        form = form_id(str(data.get("versionedLeadGenFormUrn", "")))
        if form not in self._forms:
            self._forms[form] = self.api.get_json(self.name, f"leadForms/{form}", "GET /leadForms")
        return to_response(data, self._forms[form])

    def _fetch(self, where: str, seq: int, urn: str) -> SocialPost | FeedLineError:
        try:
            built = admit(where, seq, urn, lambda: to_post(self.response(urn)))
        except SourceApiError as exc:
            if exc.transient or type(exc) is not SourceApiError:
                raise  # a later pass may succeed; an auth error stops the source
            self.counts.refused += 1
            return rejection(where, seq, urn, exc)
        if isinstance(built, FeedLineError):
            self.counts.refused += 1
            return built
        self.counts.fetched += 1
        self.counts.test_leads += bool(((built.raw or {}).get(RAW_KEY) or {}).get("test"))
        return built


def _deletion(urn: str) -> PostDeletion:
    return PostDeletion(network=Network.LINKEDIN, post_id=f"{LEAD_PREFIX}{response_id(urn)}")

"""Lead form responses for tests."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sf_social.lead_forms import ConsentAnswer, LeadAnswer, LeadFormResponse
from sf_social.posts import Network

SUBMITTED = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)


def response(
    response_id: str = "r1",
    *,
    network: Network = Network.LINKEDIN,
    email: str | None = "jane.doe@acme.example",
    answers: dict[str, str] | None = None,
    consents: dict[str, bool] | None = None,
    **fields: Any,
) -> LeadFormResponse:
    """A response of form ``f1`` from Jane Doe of Acme, with ``answers`` added."""
    given = {
        "first_name": "Jane",
        "last_name": "Doe",
        "company_name": "Acme",
        "job_title": "CTO",
        "country": "DE",
        "phone_number": "+49 30 1234",
        **({"email": email} if email else {}),
        **(answers or {}),
    }
    return LeadFormResponse(
        network=network,
        id=response_id,
        form_id=fields.pop("form_id", "f1"),
        form_name=fields.pop("form_name", "Demo request"),
        submitted_at=fields.pop("submitted_at", SUBMITTED),
        answers=[LeadAnswer(question=q, value=v) for q, v in given.items()],
        consents=[ConsentAnswer(consent=c, accepted=a) for c, a in (consents or {}).items()],
        **fields,
    )

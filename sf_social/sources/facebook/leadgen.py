"""Meta Lead Ads shapes → :class:`~sf_social.lead_forms.LeadFormResponse`.

- The page ``leadgen`` webhook change carries ids only
  (https://developers.facebook.com/docs/graph-api/webhooks/getting-started/webhooks-for-leadgen):
  ``{"field": "leadgen", "value": {"leadgen_id", "form_id", "page_id", "ad_id",
  "adgroup_id", "created_time": EPOCH}}``; the receiver spools it as an event with
  ``"type": "change"`` (:func:`leadgen_id` reads it back).
- The lead itself, ``GET /{leadgen_id}``
  (https://developers.facebook.com/docs/marketing-api/guides/lead-ads/retrieving):
  ``{"id", "created_time": "2026-11-20T09:30:00+0000", "form_id", "ad_id", "campaign_id",
  "platform": "fb"|"ig", "is_organic", "field_data": [{"name": "email", "values": [...]}],
  "custom_disclaimer_responses": [{"checkbox_key", "is_checked": "1"|""}]}``.

The lead object has no test flag: test leads are recognised by the playbook's
``lead_forms.test_forms`` and ``test_emails``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sf_social.lead_forms import ConsentAnswer, LeadAnswer, LeadFormResponse
from sf_social.posts import Network


def leadgen_id(event: dict[str, Any]) -> str | None:
    """The lead id of a spooled ``leadgen`` change, or None for any other event."""
    if event.get("type") != "change" or event.get("field") != "leadgen":
        return None
    value = event.get("value")
    ident = value.get("leadgen_id") if isinstance(value, dict) else None
    if not isinstance(ident, str | int) or isinstance(ident, bool) or not str(ident):
        raise ValueError("a leadgen change without its leadgen_id")
    return str(ident)


def to_response(lead: dict[str, Any], page_id: str | None = None) -> LeadFormResponse:
    """A Graph lead as a response (``ValueError`` when it is not a lead's shape)."""
    if not lead.get("id") or not lead.get("form_id"):
        raise ValueError("a lead needs its id and form_id")
    fields = lead.get("field_data") or []
    if not isinstance(fields, list):
        raise ValueError('"field_data" must be a list')
    answers = []
    for item in fields:
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            raise ValueError("a field_data item needs its name")
        values = item.get("values") or []
        if not isinstance(values, list):
            raise ValueError(f'"values" of {item["name"]!r} must be a list')
        answers.append(LeadAnswer(question=item["name"], value="; ".join(map(str, values))))
    consents = [
        ConsentAnswer(
            consent=str(c.get("checkbox_key")), accepted=c.get("is_checked") in ("1", 1, True)
        )
        for c in lead.get("custom_disclaimer_responses") or []
        if isinstance(c, dict) and c.get("checkbox_key")
    ]
    return LeadFormResponse(
        network=Network.FACEBOOK,  # the key's network, wherever the ad ran
        shown_on=Network.INSTAGRAM if lead.get("platform") == "ig" else None,
        id=str(lead["id"]),
        form_id=str(lead["form_id"]),
        submitted_at=_time(lead.get("created_time")),
        answers=answers,
        consents=consents,
        owner=page_id,
        campaign=str(lead["campaign_id"]) if lead.get("campaign_id") else None,
    )


def _time(value: Any) -> datetime | None:
    """Graph's ``2026-11-20T09:30:00+0000`` (or epoch seconds) as UTC."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return datetime.fromtimestamp(value, UTC)
    if isinstance(value, str) and value:
        return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S%z").astimezone(UTC)
    return None

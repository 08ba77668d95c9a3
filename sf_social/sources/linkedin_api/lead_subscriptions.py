"""LinkedIn Lead Sync subscriptions: where LinkedIn sends an owner's lead notifications.

They exist only through the API (the developer portal cannot make them):
``POST /rest/leadNotifications`` ``{"webhook", "owner": {"sponsoredAccount"|"organization"},
"leadType"}`` answers 201 with the subscription's id in ``x-restli-id``;
``GET /rest/leadNotifications?q=criteria&owner=(...)&leadType=(leadType:T)`` lists them;
``DELETE /rest/leadNotifications/{id}`` removes one (the leads stay readable). The webhook
must answer LinkedIn's challenge (``sf-social webhook serve`` with
``LINKEDIN_CLIENT_SECRET``) before notifications flow.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from sf_social.sources.linkedin_api.client import LinkedInApi
from sf_social.sources.linkedin_api.lead_pull import owner_param

LEAD_TYPES = ("SPONSORED", "EVENT", "COMPANY", "ORGANIZATION_PRODUCT")
SOURCE = "leads subscribe"


def _owner(owner: str) -> dict[str, str]:
    kind = "organization" if owner.startswith("urn:li:organization:") else "sponsoredAccount"
    return {kind: owner}


def subscribe(api: LinkedInApi, owner: str, webhook: str, lead_type: str = "SPONSORED") -> str:
    """Subscribe ``webhook`` to ``owner``'s leads of ``lead_type``; the subscription's id."""
    if not webhook.startswith("https://"):
        raise ValueError(f"{webhook!r}: LinkedIn only calls HTTPS webhooks")
    body = {"webhook": webhook, "owner": _owner(owner), "leadType": lead_type}
    return api.post(SOURCE, "leadNotifications", body, "POST /leadNotifications")


def subscriptions(
    api: LinkedInApi, owner: str, lead_type: str = "SPONSORED"
) -> list[dict[str, Any]]:
    """``owner``'s subscriptions for ``lead_type``."""
    path = (
        f"leadNotifications?q=criteria&owner={owner_param(owner)}&leadType=(leadType:{lead_type})"
    )
    body = api.get_json(SOURCE, path, "GET /leadNotifications?q=criteria")
    return [e for e in body.get("elements") or [] if isinstance(e, dict)]


def unsubscribe(api: LinkedInApi, subscription_id: str) -> None:
    """Remove one subscription."""
    api.delete(
        SOURCE, f"leadNotifications/{quote(subscription_id, safe='')}", "DELETE /leadNotifications"
    )

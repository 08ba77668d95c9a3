"""What LinkedIn says of its access token: one introspection the checks share.

``POST https://www.linkedin.com/oauth/v2/introspectToken`` with the app's
``LINKEDIN_CLIENT_ID`` and ``LINKEDIN_CLIENT_SECRET`` answers whether the token is active,
its scopes and when it expires. Without the app's id and secret nothing can be asked;
a failed call is a reason, never a crash. The token is sent in the form, never shown.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import requests

INTROSPECT = "https://www.linkedin.com/oauth/v2/introspectToken"
NEEDS_APP = "LINKEDIN_CLIENT_ID and LINKEDIN_CLIENT_SECRET"
"""What introspection needs beside the token."""


@dataclass(frozen=True)
class Introspection:
    """LinkedIn's answer (empty when it refused) and its HTTP status."""

    answer: Mapping[str, Any]
    status: int

    @property
    def inactive(self) -> bool:
        """LinkedIn says the token is no longer active."""
        return self.answer.get("active") is False

    @property
    def scopes(self) -> set[str] | None:
        """The granted scopes, ``None`` when the answer names none."""
        scope = self.answer.get("scope")
        if not isinstance(scope, str):
            return None
        return {s.strip() for s in scope.replace(" ", ",").split(",") if s.strip()}

    @property
    def expires_at(self) -> int | None:
        """When the token expires (epoch seconds), if the answer says."""
        value = self.answer.get("expires_at")
        return value if isinstance(value, int) else None


def introspect(
    env: Mapping[str, str], http: requests.Session, token: str
) -> Introspection | str | None:
    """LinkedIn's introspection of ``token``; ``None`` without the app's id and secret in
    ``env``; a reason (for a warning) when the call failed."""
    client, secret = env.get("LINKEDIN_CLIENT_ID"), env.get("LINKEDIN_CLIENT_SECRET")
    if not client or not secret or not token:
        return None
    form = {"client_id": client, "client_secret": secret, "token": token}
    try:
        response = http.post(INTROSPECT, data=form, timeout=30)
        answer = response.json() if response.ok else {}
    except (requests.RequestException, ValueError) as exc:
        return f"token introspection failed ({type(exc).__name__})"
    return Introspection(answer if isinstance(answer, dict) else {}, response.status_code)

"""``X-Hub-Signature-256``: HMAC-SHA256 of the raw body with the app secret, ``sha256=<hex>``.

Facebook signs every event notification this way (Graph API Webhooks, "Getting Started",
https://developers.facebook.com/docs/graph-api/webhooks/getting-started/). The check runs
on the bytes as received (never on re-encoded JSON) and compares in constant time.
"""

from __future__ import annotations

import hashlib
import hmac

PREFIX = "sha256="


def sign(body: bytes, secret: str) -> str:
    """The header value Facebook would send for ``body``."""
    return PREFIX + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify_signature(body: bytes, header: str | None, secret: str) -> bool:
    """Whether ``header`` is the valid signature of ``body`` (False when missing)."""
    return bool(secret) and matches(sign(body, secret), header)


def matches(expected: str, header: str | None) -> bool:
    """Whether ``header`` is the signature ``expected`` (``sha256=<hex>``), in constant time."""
    if not header or not header.startswith(PREFIX):
        return False
    return hmac.compare_digest(expected.encode(), header.strip().lower().encode())

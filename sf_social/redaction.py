"""Secrets redacted in one place, before any text leaves the process or reaches the state.

:func:`redact` is applied where text goes out: every log line (both formatters of
``sf_social.logs``), every error the CLI prints, and every failure, run error and source
status the state store keeps (so ``status`` and ``deadletters`` show what was stored).
It hides

- every secret this process knows: the values of the secret environment variables
  (:data:`SECRET_VARIABLES`, read at each call) and those registered with :func:`register`
  (secrets from a configuration file, session ids obtained at login);
- secrets by their shape, whoever sent them: ``Bearer``/``OAuth`` credentials, ``key=value``
  or ``"key": "value"`` pairs whose key names a token, secret, password or signature,
  Salesforce session ids (``00D…!…``) and the password of a URL's user-info part.

Values shorter than :data:`MIN_SECRET` characters are not searched for (they would hide
ordinary words); the shapes still apply to them.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Mapping
from typing import Any

MASK = "***"
MIN_SECRET = 4

SECRET_VARIABLES = (
    "SF_ACCESS_TOKEN",
    "SF_CONSUMER_SECRET",
    "SF_PASSWORD",
    "SF_SECURITY_TOKEN",
    "X_BEARER_TOKEN",
    "X_CONSUMER_KEY",
    "X_CONSUMER_SECRET",
    "X_ACCESS_TOKEN",
    "X_ACCESS_TOKEN_SECRET",
    "LINKEDIN_ACCESS_TOKEN",
    "LINKEDIN_CLIENT_SECRET",
    "FB_APP_SECRET",
    "FB_VERIFY_TOKEN",
    "FB_PAGE_TOKEN",
)
"""Environment variables whose values are secrets wherever they appear."""

_registered: set[str] = set()
_guard = threading.Lock()

_CREDENTIAL_NAMES = (
    r"(?:access|refresh|id|bearer|session|security|verify|page|oauth)_?token"
    r"|oauth_consumer_key|oauth_signature|client_secret|consumer_secret|app_secret"
    r"|token_secret|password|passwd|secret|session_?id|sid|assertion|signature"
)
_SHAPES = (
    # Authorization: Bearer abc… / OAuth oauth_consumer_key="…" (the scheme is kept)
    (re.compile(r"(?i)\b(bearer|oauth)(\s+)(?!oauth_)[A-Za-z0-9._~+/=!%-]{8,}"), r"\1\2" + MASK),
    # key=value, key: value, "key": "value", escaped quotes too (the key and quoting kept)
    (
        re.compile(
            rf"""(?i)(\b(?:{_CREDENTIAL_NAMES})\\?["']?\s*[=:]\s*\\?["']?)[^\s"'&,;<>\\]+"""
        ),
        r"\1" + MASK,
    ),
    # a Salesforce session id: the org id, "!", the session part
    (re.compile(r"\b00D[A-Za-z0-9]{12,15}![A-Za-z0-9._]{16,}"), MASK),
    # scheme://user:password@host (the password may hold '/', '?', '#': up to the last '@')
    (re.compile(r"""(?i)(\b[a-z][a-z0-9+.-]{1,20}://[^\s/:@]*:)[^\s"]*@"""), r"\1" + MASK + "@"),
)


def register(*values: str | None) -> None:
    """Treat each value (of at least :data:`MIN_SECRET` characters) as a secret from now on."""
    with _guard:
        _registered.update(v for v in values if v and len(v) >= MIN_SECRET)


def known_secrets() -> list[str]:
    """The secret values searched for, longest first (so a secret inside another goes too)."""
    values = {os.environ.get(name, "").strip() for name in SECRET_VARIABLES}
    with _guard:
        values |= _registered
    return sorted((v for v in values if len(v) >= MIN_SECRET), key=len, reverse=True)


def redact(text: str) -> str:
    """``text`` with every known secret and every secret-shaped value replaced by ``***``."""
    for secret in known_secrets():
        if secret in text:
            text = text.replace(secret, MASK)
    for pattern, replacement in _SHAPES:
        text = pattern.sub(replacement, text)
    return text


def redact_optional(text: str | None) -> str | None:
    """:func:`redact`, passing ``None`` through."""
    return None if text is None else redact(text)


def redact_values(data: Mapping[str, Any]) -> dict[str, Any]:
    """``data`` with :func:`redact` applied to every string inside it (nested too)."""
    return {key: _redact_any(value) for key, value in data.items()}


def _redact_any(value: Any) -> Any:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, Mapping):
        return redact_values(value)
    if isinstance(value, list | tuple):
        return [_redact_any(v) for v in value]
    return value


def hide_password(url: str) -> str:
    """``url`` with the password of its user-info part replaced by ``***``."""
    # the password runs to the last "@" before the host: it may hold "/", "?" or "#"
    return re.sub(r"^([^:/?#]+://[^:/?#@]*:).*@(?=[^@]*$)", r"\1***@", url)

"""Sign-in: the OAuth 2.0 token endpoint and the sessions (access tokens) it issues.

Grant types: ``password`` (username, password — optionally followed by the security
token — client id and secret), ``client_credentials`` (client id and secret, as form
fields or HTTP Basic) and ``urn:ietf:params:oauth:grant-type:jwt-bearer`` (a JWT whose
``iss`` is the client id and ``sub`` the username; its RS256 signature is checked when a
public key is configured). Failures answer like Salesforce:
``400 {"error": "invalid_grant", "error_description": "authentication failure"}``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from sf_social.testing.replies import Reply, Request

JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"


@dataclass
class Credentials:
    """What the local org accepts at its token endpoint."""

    username: str = "integration@localorg.example"
    password: str = "local-password"  # noqa: S105 - a test org's known password
    security_token: str = "LOCALTOKEN"  # noqa: S105
    client_id: str = "local-consumer-key"
    client_secret: str = "local-consumer-secret"  # noqa: S105
    jwt_public_key: bytes | None = None
    """PEM public key or certificate; when set, JWT signatures are verified with it."""


class Sessions:
    """The access tokens currently valid."""

    def __init__(self, org_id: str) -> None:
        self.org_id = org_id
        self._tokens: dict[str, str | None] = {}
        """Each live token → the user it was issued to (``None``: the integration user)."""
        self._lock = threading.Lock()
        self.issued = 0

    def issue(self, user_id: str | None = None) -> str:
        """A new valid access token, for ``user_id`` (default: the integration user)."""
        token = f"{self.org_id[:15]}!{secrets.token_urlsafe(48)}"
        with self._lock:
            self._tokens[token] = user_id
            self.issued += 1
        return token

    def user_of(self, token: str | None) -> str | None:
        """The user a live ``token`` was issued to (``None``: the integration user)."""
        with self._lock:
            return self._tokens.get(token) if token is not None else None

    def valid(self, token: str | None) -> bool:
        """Whether ``token`` is a live session."""
        with self._lock:
            return token is not None and token in self._tokens

    def expire_all(self) -> None:
        """End every session: the next call with any old token answers 401."""
        with self._lock:
            self._tokens.clear()

    def bearer(self, request: Request) -> str | None:
        """The token of the request's ``Authorization: Bearer`` header."""
        header = request.header("Authorization") or ""
        scheme, _, token = header.partition(" ")
        return token.strip() if scheme.lower() in ("bearer", "oauth") and token else None


def token_endpoint(
    request: Request,
    credentials: Credentials,
    sessions: Sessions,
    instance_url: str,
    user_id: str,
) -> Reply:
    """Answer ``POST /services/oauth2/token``."""
    form = {k: v[0] for k, v in parse_qs(request.body.decode("utf-8", "replace")).items()}
    grant = form.get("grant_type", "")
    if grant == "password":
        ok = (
            _client_ok(form, request, credentials)
            and form.get("username") == credentials.username
            and form.get("password")
            in (credentials.password, credentials.password + credentials.security_token)
        )
    elif grant == "client_credentials":
        ok = _client_ok(form, request, credentials)
    elif grant == JWT_BEARER:
        ok = _jwt_ok(form.get("assertion", ""), credentials)
    else:
        return Reply.of_json(
            400,
            {"error": "unsupported_grant_type", "error_description": "grant type not supported"},
        )
    if not ok:
        return Reply.of_json(
            400, {"error": "invalid_grant", "error_description": "authentication failure"}
        )
    token = sessions.issue()
    issued_at = str(int(time.time() * 1000))
    identity = f"https://login.salesforce.com/id/{sessions.org_id}/{user_id}"
    signature = hmac.new(
        credentials.client_secret.encode(), (identity + issued_at).encode(), hashlib.sha256
    ).digest()
    return Reply.of_json(
        200,
        {
            "access_token": token,
            "instance_url": instance_url,
            "id": identity,
            "token_type": "Bearer",
            "issued_at": issued_at,
            "signature": base64.b64encode(signature).decode(),
        },
    )


def _client_ok(form: dict[str, str], request: Request, credentials: Credentials) -> bool:
    client_id, secret = form.get("client_id"), form.get("client_secret")
    header = request.header("Authorization") or ""
    if header.lower().startswith("basic "):
        try:
            decoded = base64.b64decode(header[6:]).decode()
        except (binascii.Error, UnicodeDecodeError):
            return False
        client_id, _, secret = decoded.partition(":")
    return client_id == credentials.client_id and secret == credentials.client_secret


def _b64(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def _jwt_ok(assertion: str, credentials: Credentials) -> bool:
    parts = assertion.split(".")
    if len(parts) != 3:
        return False
    try:
        header: dict[str, Any] = json.loads(_b64(parts[0]))
        claims: dict[str, Any] = json.loads(_b64(parts[1]))
        signature = _b64(parts[2])
    except (ValueError, binascii.Error):
        return False
    if claims.get("iss") != credentials.client_id or claims.get("sub") != credentials.username:
        return False
    if float(claims.get("exp", 0)) < time.time():
        return False
    if credentials.jwt_public_key is None:
        return True
    if header.get("alg") != "RS256":
        return False
    return _verify_rs256(credentials.jwt_public_key, f"{parts[0]}.{parts[1]}".encode(), signature)


def _verify_rs256(pem: bytes, signed: bytes, signature: bytes) -> bool:
    from cryptography import x509
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding, rsa

    key: object = (
        x509.load_pem_x509_certificate(pem).public_key()
        if b"CERTIFICATE" in pem
        else serialization.load_pem_public_key(pem)
    )
    if not isinstance(key, rsa.RSAPublicKey):
        return False
    try:
        key.verify(signature, signed, padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        return False
    return True

"""Logging in to an org from :class:`~sf_social.salesforce_settings.SalesforceSettings`.

Four logins, as ``SalesforceSettings.auth_mode`` picks them: an existing access token
(used as is; it cannot be renewed), OAuth 2.0 JWT bearer (the standard for a daemon),
client credentials, and username/password/security token. The last three go through
simple-salesforce's own login code, on the caller's ``requests`` session (so its timeouts
apply to the login too).

No secret ever reaches a message: login errors carry the mode and the server's reason,
with any configured secret value masked in case a server echoes it. The configured secrets
and every session id obtained are registered with :mod:`sf_social.redaction`, so whatever
a server echoes later is hidden in logs, errors and the state too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import requests
from pydantic import SecretStr
from simple_salesforce.api import Salesforce
from simple_salesforce.exceptions import SalesforceAuthenticationFailed

from sf_social.errors import SalesforceApiError, SalesforceAuthError
from sf_social.redaction import redact, register
from sf_social.salesforce.codes import CONNECTION_ERROR, TIMEOUT
from sf_social.salesforce_settings import AuthMode, SalesforceSettings

_ORG_ID = re.compile(r"(00D[A-Za-z0-9]{12})(?:[A-Za-z0-9]{3})?!")
_OUTSIDE_SALESFORCE_COM = (".salesforce.mil", ".sfcrmproducts.cn")
"""My Domain hosts the login library cannot reach (it appends ``.salesforce.com``)."""


@dataclass(frozen=True)
class OrgSession:
    """Where the org is and the session id to send; the id never shows in ``repr``."""

    instance_url: str
    session_id: SecretStr

    def __post_init__(self) -> None:
        register(self.session_id.get_secret_value())

    @property
    def org_id(self) -> str | None:
        """The org's 15-character id, which a session id starts with (``00D...!``)."""
        match = _ORG_ID.match(self.session_id.get_secret_value())
        return match.group(1) if match else None


def open_session(settings: SalesforceSettings, http: requests.Session | None = None) -> OrgSession:
    """Log in as the settings allow.

    Raises ``SalesforceAuthError`` (a ``ConfigError``) when the login is refused or not
    configured, ``SalesforceApiError`` (transient) when the login endpoint cannot be reached.
    """
    _register_secrets(settings)
    mode = settings.auth_mode
    if mode is AuthMode.ACCESS_TOKEN:
        assert settings.instance_url
        assert settings.access_token
        return OrgSession(settings.instance_url, settings.access_token)
    if settings.domain.lower().endswith(_OUTSIDE_SALESFORCE_COM):
        raise SalesforceAuthError(
            f"Salesforce login ({mode}) at {settings.domain!r} is not supported: the login"
            " library signs in only at <domain>.salesforce.com. For an org on salesforce.mil"
            " or sfcrmproducts.cn set SF_INSTANCE_URL and SF_ACCESS_TOKEN (e.g. from"
            " `sf org display`) instead"
        )
    if mode is AuthMode.CLIENT_CREDENTIALS and settings.domain in ("login", "test"):
        raise SalesforceAuthError(
            "Salesforce login (client_credentials) needs SF_DOMAIN set to the org's My Domain"
            f" (e.g. acme.my), not {settings.domain!r}"
        )
    try:
        sf = _login(settings, mode, http)
    except SalesforceAuthenticationFailed as exc:
        reason = mask(f"{exc.code}: {exc.auth_message}", settings)
        raise SalesforceAuthError(f"Salesforce login ({mode}) failed: {reason}") from None
    except requests.Timeout:
        raise SalesforceApiError(
            "login", TIMEOUT, f"no answer from the {mode} login endpoint", transient=True
        ) from None
    except requests.RequestException as exc:
        raise SalesforceApiError(
            "login", CONNECTION_ERROR, f"{mode} login failed: {type(exc).__name__}", transient=True
        ) from None
    except (OSError, ValueError, TypeError) as exc:  # unreadable or unusable private key
        raise SalesforceAuthError(
            f"Salesforce login ({mode}) failed: cannot sign the JWT with SF_PRIVATE_KEY_FILE="
            f"{settings.private_key_file} ({type(exc).__name__})"
        ) from None
    return OrgSession(f"https://{sf.sf_instance}", SecretStr(sf.session_id))


def mask(text: str, settings: SalesforceSettings) -> str:
    """``text`` redacted, the secret values of ``settings`` included (registered from now on)."""
    _register_secrets(settings)
    return redact(text)


def _register_secrets(settings: SalesforceSettings) -> None:
    register(
        *(
            secret.get_secret_value()
            for secret in (
                settings.access_token,
                settings.password,
                settings.security_token,
                settings.consumer_secret,
            )
            if secret
        )
    )


def _login(
    settings: SalesforceSettings, mode: AuthMode, http: requests.Session | None
) -> Salesforce:
    def secret(value: SecretStr | None) -> str | None:
        return value.get_secret_value() if value else None

    domain, version = settings.domain, settings.api_version
    if mode is AuthMode.JWT:
        return Salesforce(
            username=settings.username,
            consumer_key=settings.consumer_key,
            privatekey_file=str(settings.private_key_file),
            domain=domain,
            version=version,
            session=http,
        )
    if mode is AuthMode.CLIENT_CREDENTIALS:
        return Salesforce(
            consumer_key=settings.consumer_key,
            consumer_secret=secret(settings.consumer_secret),
            domain=domain,
            version=version,
            session=http,
        )
    return Salesforce(
        username=settings.username,
        password=secret(settings.password),
        security_token=secret(settings.security_token) or "",
        domain=domain,
        version=version,
        session=http,
    )

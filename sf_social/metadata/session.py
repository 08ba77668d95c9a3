"""An authenticated org session for the Metadata API: instance URL + session id."""

from __future__ import annotations

from dataclasses import dataclass

import requests
from pydantic import SecretStr
from simple_salesforce.api import Salesforce
from simple_salesforce.exceptions import SalesforceAuthenticationFailed

from sf_social.errors import ConfigError, MetadataApiError
from sf_social.settings import AuthMode, SalesforceSettings


@dataclass(frozen=True)
class OrgSession:
    """Where the org is and the session id to send; the id never shows in ``repr``."""

    instance_url: str
    session_id: SecretStr


def open_session(settings: SalesforceSettings) -> OrgSession:
    """Log in as the settings allow; ``ConfigError`` naming the variables if none is set.

    An access token is used as is; other logins go through simple-salesforce.
    """
    mode = settings.auth_mode
    if mode is AuthMode.ACCESS_TOKEN:
        assert settings.instance_url
        assert settings.access_token
        return OrgSession(settings.instance_url, settings.access_token)
    try:
        sf = _login(settings, mode)
    except SalesforceAuthenticationFailed as exc:
        raise ConfigError(
            f"Salesforce login ({mode}) failed: {exc.code}: {exc.auth_message}"
        ) from None
    except requests.RequestException as exc:
        raise MetadataApiError("login", settings.domain, type(exc).__name__) from None
    return OrgSession(f"https://{sf.sf_instance}", SecretStr(sf.session_id))


def _login(settings: SalesforceSettings, mode: AuthMode) -> Salesforce:
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
        )
    if mode is AuthMode.CLIENT_CREDENTIALS:
        return Salesforce(
            consumer_key=settings.consumer_key,
            consumer_secret=secret(settings.consumer_secret),
            domain=domain,
            version=version,
        )
    return Salesforce(
        username=settings.username,
        password=secret(settings.password),
        security_token=secret(settings.security_token) or "",
        domain=domain,
        version=version,
    )

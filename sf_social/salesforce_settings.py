"""How to reach the org (``[salesforce]`` / ``SF_*``), and which login the settings allow.

Loaded, like every setting, by :func:`sf_social.config.load_config` (file + environment).
Secrets are ``SecretStr``: they never appear in ``repr``, logs or error messages.

========================  ==============================================================
variable                  meaning
========================  ==============================================================
SF_INSTANCE_URL           https://MyDomain.my.salesforce.com (with SF_ACCESS_TOKEN)
SF_ACCESS_TOKEN           an existing session, e.g. from ``sf org display``
SF_USERNAME               integration user (JWT bearer, or with SF_PASSWORD)
SF_CONSUMER_KEY           connected app key (JWT bearer, client credentials)
SF_CONSUMER_SECRET        connected app secret (client credentials)
SF_PRIVATE_KEY_FILE       PEM key for JWT bearer
SF_PASSWORD               password (+ SF_SECURITY_TOKEN) for username/password login
SF_SECURITY_TOKEN         security token for username/password login
SF_DOMAIN                 "login" (production), "test" (sandbox) or a My Domain prefix
SF_DOMAIN_ALLOW           further SF_DOMAIN values allowed (comma-separated, exact)
SF_API_VERSION            REST/Metadata API version, default 63.0
SF_TIMEOUT                seconds per HTTP call, default 30
========================  ==============================================================
"""

from __future__ import annotations

import re
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationInfo, field_validator

from sf_social.errors import ConfigError
from sf_social.userpaths import SettingFile


class AuthMode(StrEnum):
    ACCESS_TOKEN = "access_token"  # noqa: S105 (a mode name, not a secret)
    JWT = "jwt"
    CLIENT_CREDENTIALS = "client_credentials"
    PASSWORD = "password"  # noqa: S105 (a mode name, not a secret)


class SalesforceSettings(BaseModel):
    """How to reach the org; ``auth_mode`` says which login the given settings allow."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    instance_url: str | None = None
    access_token: SecretStr | None = None
    username: str | None = None
    consumer_key: str | None = None
    consumer_secret: SecretStr | None = None
    private_key_file: SettingFile | None = None
    password: SecretStr | None = None
    security_token: SecretStr | None = None
    domain_allow: str | None = None
    """Comma-separated SF_DOMAIN values allowed beyond ``login``, ``test`` and My Domains."""
    domain: str = "login"
    api_version: str = Field(default="63.0", pattern=r"^\d{2}\.0$")
    timeout: float = Field(default=30.0, gt=0, le=600)

    @field_validator("instance_url")
    @classmethod
    def _https(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = value.rstrip("/")
        if not value.startswith("https://"):
            raise ValueError(f"must start with https:// (got {value!r})")
        return value

    @field_validator("domain")
    @classmethod
    def _known_domain(cls, value: str, info: ValidationInfo) -> str:
        """Credentials go only to Salesforce: ``login``, ``test``, a My Domain host
        (``acme.my``, ``acme--dev.sandbox.my``, or in full ``*.my.salesforce.com``,
        ``*.my.salesforce.mil``, ``*.my.sfcrmproducts.cn``), or a value on the
        ``SF_DOMAIN_ALLOW`` list (comma-separated, exact).

        ``acme.my.salesforce.com`` becomes ``acme.my``, as the login library takes it.
        """
        domain = value.strip()
        suffix = ".salesforce.com"
        if domain.lower().endswith(".my" + suffix):
            domain = domain[: -len(suffix)]
        listed = info.data.get("domain_allow") or ""
        allowed = {d.strip() for d in listed.split(",") if d.strip()}
        if domain in allowed or domain in ("login", "test") or _MY_DOMAIN.fullmatch(domain):
            return domain
        raise ValueError(
            f"SF_DOMAIN {domain!r} is not a Salesforce login host: use login, test, a My Domain"
            " (acme.my, acme--dev.sandbox.my, *.my.salesforce.com, *.my.salesforce.mil,"
            " *.my.sfcrmproducts.cn) or list it in SF_DOMAIN_ALLOW"
        )

    @property
    def auth_mode(self) -> AuthMode:
        """The login these settings allow; ``ConfigError`` saying what is missing if none."""
        if self.instance_url and self.access_token:
            return AuthMode.ACCESS_TOKEN
        if self.username and self.consumer_key and self.private_key_file:
            return AuthMode.JWT
        if self.consumer_key and self.consumer_secret and not self.username:
            return AuthMode.CLIENT_CREDENTIALS
        if self.username and self.password:
            return AuthMode.PASSWORD
        raise ConfigError(
            "no Salesforce login configured: set SF_INSTANCE_URL + SF_ACCESS_TOKEN, or "
            "SF_USERNAME + SF_CONSUMER_KEY + SF_PRIVATE_KEY_FILE (JWT bearer), or "
            "SF_CONSUMER_KEY + SF_CONSUMER_SECRET (client credentials), or "
            "SF_USERNAME + SF_PASSWORD + SF_SECURITY_TOKEN"
        )


_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_MY_DOMAIN = re.compile(
    rf"(?:{_LABEL}\.)+my(?:\.salesforce\.com|\.salesforce\.mil|\.sfcrmproducts\.cn)?",
    re.IGNORECASE,
)

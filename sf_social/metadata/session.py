"""An authenticated org session for the Metadata API: instance URL + session id.

The logins live in :mod:`sf_social.salesforce.auth`, shared with the record writer; this
module keeps the Metadata API's view of them (a login that cannot reach the server is a
``MetadataApiError``, a refused one a ``ConfigError``).
"""

from __future__ import annotations

from sf_social.errors import MetadataApiError, SalesforceApiError
from sf_social.salesforce.auth import OrgSession
from sf_social.salesforce.auth import open_session as _login
from sf_social.salesforce.connection import TimeoutSession
from sf_social.salesforce_settings import SalesforceSettings

__all__ = ["OrgSession", "open_session"]


def open_session(settings: SalesforceSettings) -> OrgSession:
    """Log in as the settings allow; ``ConfigError`` naming the variables if none is set.

    An access token is used as is; other logins go through simple-salesforce, with
    ``SF_TIMEOUT`` on the login call.
    """
    try:
        return _login(settings, TimeoutSession(settings.timeout))
    except SalesforceApiError as exc:
        raise MetadataApiError("login", settings.domain, exc.message) from None

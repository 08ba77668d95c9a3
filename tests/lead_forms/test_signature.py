# ruff: noqa: F811  (the LinkedIn fixtures are imported from test_lead_sync)
"""X-LI-Signature as LinkedIn documents it (the HMAC of ``hmacsha256=`` + body), and the
readings other integrations make of that sentence (the bare body; the prefix in the header)."""

from __future__ import annotations

import hashlib
import hmac

from sf_social.sources.facebook import WebhookSpool
from sf_social.sources.facebook.receiver import WebhookServer
from sf_social.sources.linkedin_api.lead_webhook import HEADER, sign
from sf_social.testing.linkedin_leads import LinkedInLeadsTwin
from tests.sources.linkedin_api.test_lead_sync import (  # noqa: F401 (fixtures)
    JANE,
    deliver,
    server,
    spool,
    twin,
)


def test_the_documented_signature_signs_the_prefixed_body() -> None:
    body = b'{"leadAction":"CREATED"}'
    expected = hmac.new(b"s3cret", b"hmacsha256=" + body, hashlib.sha256).hexdigest()
    assert sign(body, "s3cret") == expected


def test_each_reading_of_the_signature_is_accepted_and_nothing_else(
    server: WebhookServer, spool: WebhookSpool, twin: LinkedInLeadsTwin
) -> None:
    form = twin.add_form("Demo")
    urns = [twin.add_response(form, JANE) for _ in range(4)]
    secret = twin.client_secret.encode()
    documented = twin.notification(urns[0])
    body, headers = twin.notification(urns[1])
    bare = {**headers, HEADER: hmac.new(secret, body, hashlib.sha256).hexdigest()}
    body2, headers2 = twin.notification(urns[2])
    in_header = {**headers2, HEADER: "hmacsha256=" + headers2[HEADER]}
    body3, headers3 = twin.notification(urns[3])
    other_key = {**headers3, HEADER: sign(body3, "another-secret")}
    assert deliver(server, *documented) == 200
    assert deliver(server, body, bare) == 200
    assert deliver(server, body2, in_header) == 200
    assert deliver(server, body3, other_key) == 403
    assert spool.count() == 3

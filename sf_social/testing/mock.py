"""The in-process transport: ``responses`` callbacks that hand requests to ``LocalOrg``.

Calls to the org's ``instance_url`` and to any ``https://*.salesforce.com`` OAuth token
endpoint (where simple-salesforce signs in) reach ``LocalOrg.handle``. A dropped
connection raises ``requests.exceptions.ConnectionError`` and a timeout
``requests.exceptions.ReadTimeout``, as the network would; latency really sleeps.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import requests
import responses

from sf_social.testing.replies import Request

if TYPE_CHECKING:
    from sf_social.testing.org import LocalOrg

METHODS = ("GET", "POST", "PATCH", "PUT", "DELETE")
LOGIN = r"https://[A-Za-z0-9.-]+\.salesforce\.com/services/oauth2/token/?(\?.*)?$"


@contextmanager
def mock_org(org: LocalOrg, rsps: responses.RequestsMock | None = None) -> Iterator[LocalOrg]:
    """Register the org on ``rsps`` (or a new ``responses`` mock) for the block."""
    mock = rsps if rsps is not None else responses.RequestsMock(assert_all_requests_are_fired=False)
    base = org.instance_url.rstrip("/")
    instance = re.compile("^" + re.escape(base) + r"(/.*)?$")

    def callback(prepared: requests.PreparedRequest) -> tuple[int, dict[str, str], bytes]:
        return _answer(org, prepared)

    registered: list[Any] = []
    for method in METHODS:
        registered.append(mock.add_callback(method, instance, callback=callback, content_type=None))
    # Not on the org's own host: its callback serves the token path already, and two
    # matching registrations make ``responses`` drop one of them after the first call.
    login = re.compile("^(?!" + re.escape(base) + "/)" + LOGIN)
    registered.append(mock.add_callback("POST", login, callback=callback, content_type=None))
    if rsps is None:
        with mock:
            yield org
        return
    try:
        yield org
    finally:
        for entry in registered:
            mock.remove(entry)


def _answer(org: LocalOrg, prepared: requests.PreparedRequest) -> tuple[int, dict[str, str], bytes]:
    url = urlsplit(prepared.url or "")
    body = prepared.body
    data = body.encode() if isinstance(body, str) else bytes(body or b"")
    request = Request(
        method=(prepared.method or "GET").upper(),
        path=url.path,
        query=url.query,
        headers=dict(prepared.headers),
        body=data,
        base_url=f"{url.scheme}://{url.netloc}",
    )
    outcome = org.handle(request)
    if outcome.delay:
        time.sleep(outcome.delay)
    if outcome.timeout:
        raise requests.exceptions.ReadTimeout(f"local org: no answer in time ({request.path})")
    if outcome.drop or outcome.reply is None:
        raise requests.exceptions.ConnectionError(
            f"('Connection aborted.', RemoteDisconnected('local org closed the connection'))"
            f" ({request.path})"
        )
    reply = outcome.reply
    return reply.status, reply.headers, reply.body

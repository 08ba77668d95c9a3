"""The webhook receiver: stdlib ``ThreadingHTTPServer``, durable before 200.

- ``GET ?hub.mode=subscribe&hub.verify_token=T&hub.challenge=C``: answers ``C`` when ``T``
  is the configured verify token (constant-time), 403 otherwise.
- ``POST``: at most ``max_body`` bytes (413 above, 411 without Content-Length); the raw
  body must carry a valid ``X-Hub-Signature-256`` (403 if missing or wrong: nothing forged
  gets in); the JSON must be a page notification (400). Its events go into the spool in
  one fsync'd transaction, replays deduplicated by event id, and only then the answer is
  200. A spool failure answers 500, so Facebook delivers again later.
- A flood: a client that sends nothing for ``read_timeout`` seconds is dropped, and above
  ``max_connections`` open connections a new one gets 503 at once (Facebook retries).

Run it behind a TLS-terminating proxy (Facebook only calls HTTPS endpoints).
"""

from __future__ import annotations

import contextlib
import hmac
import json
import logging
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from sf_social.errors import StateError
from sf_social.sources.facebook.normalize import split_events
from sf_social.sources.facebook.signature import verify_signature
from sf_social.sources.facebook.spool import WebhookSpool

log = logging.getLogger(__name__)

MAX_BODY = 1024 * 1024
"""Largest accepted POST body; Facebook batches at most 1,000 updates per notification."""


@dataclass(frozen=True)
class ReceiverConfig:
    verify_token: str
    app_secret: str
    page_id: str | None = None
    max_body: int = MAX_BODY
    read_timeout: float = 30.0
    """Seconds a connection may stay silent before it is dropped (slow or idle clients)."""
    max_connections: int = 64
    """Connections served at once; more get 503 (Facebook delivers again later)."""


class WebhookServer(ThreadingHTTPServer):
    """The HTTP server, holding its config and spool for the handlers."""

    daemon_threads = True

    def __init__(
        self, address: tuple[str, int], config: ReceiverConfig, spool: WebhookSpool
    ) -> None:
        self.config = config
        self.spool = spool
        self.accepted = 0
        self.duplicates = 0
        self.refused = 0
        self._slots = threading.BoundedSemaphore(config.max_connections)
        super().__init__(address, _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        if not self._slots.acquire(blocking=False):
            self.refused += 1
            with contextlib.suppress(OSError):
                request.sendall(_BUSY)
            self.shutdown_request(request)
            return
        super().process_request(request, client_address)

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._slots.release()

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}/"


_BUSY = b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"


class _Handler(BaseHTTPRequestHandler):
    server: WebhookServer
    protocol_version = "HTTP/1.1"

    def setup(self) -> None:
        super().setup()
        self.connection.settimeout(self.server.config.read_timeout)  # silent clients go

    def log_message(self, format: str, *args: object) -> None:
        log.debug("%s " + format, self.address_string(), *args)

    def _answer(self, status: int, text: str = "", close: bool = False) -> None:
        body = text.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        if close:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        query = parse_qs(urlsplit(self.path).query)
        mode = query.get("hub.mode", [""])[0]
        token = query.get("hub.verify_token", [""])[0]
        challenge = query.get("hub.challenge", [""])[0]
        expected = self.server.config.verify_token
        if mode == "subscribe" and expected and hmac.compare_digest(token, expected):
            self._answer(200, challenge)
        else:
            self._answer(403, "verification refused")

    def do_POST(self) -> None:
        config = self.server.config
        length_header = self.headers.get("Content-Length")
        if length_header is None or not length_header.isdigit():
            self._answer(411, "Content-Length required", close=True)
            return
        length = int(length_header)
        if length > config.max_body:
            self._answer(413, f"body larger than {config.max_body} bytes", close=True)
            return
        body = self.rfile.read(length)
        signature = self.headers.get("X-Hub-Signature-256")
        if not verify_signature(body, signature, config.app_secret):
            log.warning("refused a webhook call with a missing or wrong signature")
            self._answer(403, "invalid signature")
            return
        try:
            events = split_events(json.loads(body))
        except (ValueError, UnicodeDecodeError) as exc:
            self._answer(400, f"not a page notification: {exc}")
            return
        try:
            new = self.server.spool.add(events)
        except StateError as exc:
            log.error("could not store webhook events: %s", exc)
            self._answer(500, "not stored; deliver again")
            return
        self.server.accepted += new
        self.server.duplicates += len(events) - new
        self._answer(200, "EVENT_RECEIVED")


def make_server(
    config: ReceiverConfig, spool: WebhookSpool, host: str = "127.0.0.1", port: int = 8080
) -> WebhookServer:
    """A receiver bound to ``host:port`` (port 0: any free port; see ``.url``)."""
    if not config.app_secret or not config.verify_token:
        raise ValueError("the app secret and the verify token are both required")
    return WebhookServer((host, port), config, spool)

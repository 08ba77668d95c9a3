"""The webhook receiver: stdlib ``ThreadingHTTPServer``, durable before 200.

- ``GET ?hub.mode=subscribe&hub.verify_token=T&hub.challenge=C``: answers ``C`` when ``T``
  is the configured verify token (constant-time), 403 otherwise.
- ``POST``: at most ``max_body`` bytes (413 above, 411 without Content-Length, 400 when it
  is not a number; the default holds Meta's largest batch); the raw body must carry a valid
  ``X-Hub-Signature-256`` (403 if missing or wrong: nothing forged gets in). The body is
  signed as it arrives and kept in memory up to 1 MiB, on disk beyond, so an unsigned flood
  costs no more memory than before; only a signed body is parsed. The JSON must be a webhook
  notification (400); another object's (``instagram``...) is answered 200 and counted
  (``ignored``). A page's events go into the spool in one fsync'd transaction, replays
  deduplicated by event id, and only then the answer is 200. A spool failure answers 500, so
  Facebook delivers again later.
- A flood: a client that sends nothing for ``read_timeout`` seconds is dropped, and so is
  one whose request (line, headers and body) is not complete ``request_timeout`` seconds
  after it began, however it trickles its bytes. Above ``max_connections`` open connections,
  or ``max_per_client`` from one address, a new one gets 503 at once (Facebook retries).
  So 64 connections sending one header byte a second hold their slots for at most
  ``request_timeout`` each, and from one address they can never take every slot. Behind a
  proxy every connection comes from the proxy's address: raise ``max_per_client`` to
  ``max_connections`` there, and let the proxy bound each client.

Other networks' webhooks are served beside it at their own paths (``routes``,
:mod:`sf_social.sources.webhooks`: LinkedIn Lead Sync at ``/linkedin``): the route answers
its GET challenge and checks its own signature header against the HMAC the receiver
computes with the route's secret as the body streams in; the same bounds apply.

Run it behind a TLS-terminating proxy (Facebook only calls HTTPS endpoints).
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import io
import json
import logging
import math
import socket
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import IO, Any
from urllib.parse import parse_qs, urlsplit

from sf_social.errors import StateError
from sf_social.sources.facebook.normalize import split_events
from sf_social.sources.facebook.signature import PREFIX, matches
from sf_social.sources.facebook.spool import WebhookSpool
from sf_social.sources.webhooks import WebhookRoute

log = logging.getLogger(__name__)

MAX_BODY = 1_000 * (8_000 * 6 + 2_048)
"""Largest accepted POST body (~50 MB): Meta batches up to 1,000 changes in one notification,
a comment holds up to 8,000 characters, and Meta escapes every non-ASCII one as 6 bytes
(``\\u00e4``); 2 KB more per change for its ids, names and times."""
IN_MEMORY = 1024 * 1024
"""Bytes of a body kept in memory; the rest of a larger one is spooled to a temporary file."""


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
    request_timeout: float = 10.0
    """Seconds one request may take to arrive in full, however slowly its bytes trickle."""
    max_per_client: int = 16
    """Connections served at once from one address; more get 503."""


class WebhookServer(ThreadingHTTPServer):
    """The HTTP server, holding its config and spool for the handlers."""

    daemon_threads = True
    request_queue_size = 128  # a burst of connections is accepted (and judged), not left in SYN

    def __init__(
        self,
        address: tuple[str, int],
        config: ReceiverConfig,
        spool: WebhookSpool,
        routes: Sequence[WebhookRoute] = (),
    ) -> None:
        self.config = config
        self.spool = spool
        self.routes = {route.path.rstrip("/"): route for route in routes}
        """Other networks' webhooks, by path (:mod:`sf_social.sources.webhooks`)."""
        self.accepted = 0
        self.duplicates = 0
        self.refused = 0
        self.ignored = 0
        """Notifications of other objects than ``page`` (answered 200, nothing stored)."""
        self._slots = threading.BoundedSemaphore(config.max_connections)
        self._per_client: dict[str, int] = {}
        self._lock = threading.Lock()
        super().__init__(address, _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        client = str(client_address[0])
        with self._lock:
            crowded = self._per_client.get(client, 0) >= self.config.max_per_client
            if not crowded:
                self._per_client[client] = self._per_client.get(client, 0) + 1
        if crowded or not self._slots.acquire(blocking=False):
            if not crowded:
                self._leave(client)
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
            self._leave(str(client_address[0]))

    def _leave(self, client: str) -> None:
        with self._lock:
            left = self._per_client.get(client, 1) - 1
            if left > 0:
                self._per_client[client] = left
            else:
                self._per_client.pop(client, None)

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
        self.deadline = math.inf
        self.rfile.close()  # reads go through the per-request deadline instead
        self.rfile = io.BufferedReader(_DeadlineReader(self.connection, self))

    def handle_one_request(self) -> None:
        # the wait for the request's first byte counts: a keep-alive connection idles
        # for at most ``request_timeout`` too
        self.deadline = time.monotonic() + self.server.config.request_timeout
        try:
            super().handle_one_request()
        except ConnectionError:  # the client went away mid-answer
            self.close_connection = True

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

    def _route(self) -> WebhookRoute | None:
        return self.server.routes.get(urlsplit(self.path).path.rstrip("/"))

    def do_GET(self) -> None:
        query = parse_qs(urlsplit(self.path).query)
        route = self._route()
        if route is not None:
            status, content_type, text = route.challenge(query)
            body = text.encode()
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        mode = query.get("hub.mode", [""])[0]
        token = query.get("hub.verify_token", [""])[0]
        challenge = query.get("hub.challenge", [""])[0]
        expected = self.server.config.verify_token
        # as bytes: compare_digest refuses str with non-ASCII characters (a TypeError)
        given = token.encode("utf-8", "surrogatepass")
        if mode == "subscribe" and expected and hmac.compare_digest(given, expected.encode()):
            self._answer(200, challenge)
        else:
            self._answer(403, "verification refused")

    def do_POST(self) -> None:
        config = self.server.config
        length_header = self.headers.get("Content-Length")
        if length_header is None:
            self._answer(411, "Content-Length required", close=True)
            return
        if not (length_header.isascii() and length_header.isdigit()):  # "²" is a digit
            self._answer(400, "Content-Length must be a number of bytes", close=True)
            return
        length = int(length_header)
        if length > config.max_body:
            self._answer(413, f"body larger than {config.max_body} bytes", close=True)
            return
        route = self._route()
        secret = route.secret if route is not None else config.app_secret
        prefixes = (b"", *(route.signed_prefixes if route is not None else ()))
        with _read_signed(self.rfile, length, secret, prefixes) as (body, signatures):
            signature = signatures[0]
            if route is not None:
                headers = dict(self.headers.items())
                good = any(route.signed(s.removeprefix(PREFIX), headers) for s in signatures)
            else:
                good = matches(signature, self.headers.get("X-Hub-Signature-256"))
            if not good:
                log.warning("refused a webhook call with a missing or wrong signature")
                self._answer(403, "invalid signature")
                return
            try:
                payload = json.load(body)
                events = route.events(payload) if route is not None else split_events(payload)
            except (ValueError, UnicodeDecodeError) as exc:
                what = (
                    "a notification of this endpoint"
                    if route is not None
                    else "a page notification"
                )
                self._answer(400, f"not {what}: {exc}")
                return
        if route is not None:
            self._store(route.store, events)
            return
        if payload.get("object") != "page":
            self.server.ignored += 1
            log.info("ignored a %r notification (only page events are read)", payload["object"])
        self._store(self.server.spool.add, events)

    def _store(
        self, store: Callable[[list[tuple[str, dict[str, Any]]]], int], events: list[Any]
    ) -> None:
        """Store ``events`` durably, then answer 200 (500 when they could not be stored)."""
        try:
            new = store(events)
        except StateError as exc:
            log.error("could not store webhook events: %s", exc)
            self._answer(500, "not stored; deliver again")
            return
        self.server.accepted += new
        self.server.duplicates += len(events) - new
        self._answer(200, "EVENT_RECEIVED")


class _DeadlineReader(io.RawIOBase):
    """The connection's bytes, refused (``TimeoutError``) once the request's deadline passed.

    The socket timeout alone bounds each read; a client sending one byte a second would keep
    a slot forever. ``TimeoutError`` ends the connection (``handle_one_request`` closes it).
    """

    def __init__(self, sock: socket.socket, handler: _Handler) -> None:
        super().__init__()
        self._sock = sock
        self._handler = handler

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        remaining = self._handler.deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("request not complete within request_timeout")
        self._sock.settimeout(min(self._handler.server.config.read_timeout, remaining))
        return self._sock.recv_into(buffer)


@contextlib.contextmanager
def _read_signed(
    stream: io.BufferedIOBase, length: int, secret: str, prefixes: Sequence[bytes] = (b"",)
) -> Iterator[tuple[IO[bytes], list[str]]]:
    """The ``length`` bytes of ``stream`` (rewound) and the signatures they may carry: one
    per ``prefixes`` (bytes a network signs before the body)."""
    macs = [hmac.new(secret.encode(), prefix, digestmod=hashlib.sha256) for prefix in prefixes]
    with tempfile.SpooledTemporaryFile(max_size=IN_MEMORY) as body:
        left = length
        while left > 0:
            chunk = stream.read(min(left, 64 * 1024))
            if not chunk:
                break  # the body is short: its signature cannot match
            for mac in macs:
                mac.update(chunk)
            body.write(chunk)
            left -= len(chunk)
        body.seek(0)
        yield body, [PREFIX + mac.hexdigest() for mac in macs]


def make_server(
    config: ReceiverConfig,
    spool: WebhookSpool,
    host: str = "127.0.0.1",
    port: int = 8080,
    routes: Sequence[WebhookRoute] = (),
) -> WebhookServer:
    """A receiver bound to ``host:port`` (port 0: any free port; see ``.url``), serving
    ``routes`` beside Facebook's webhook."""
    if not config.app_secret or not config.verify_token:
        raise ValueError("the app secret and the verify token are both required")
    return WebhookServer((host, port), config, spool, routes)

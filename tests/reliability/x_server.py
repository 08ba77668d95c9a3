"""The local X twin served over plain HTTP on loopback, and the child's side of it.

The twin's posts must outlive a process killed mid-call, as X's do: the test process
serves :class:`~sf_social.testing.x_posting.XPostingTwin` (:func:`serve_x`); a driver
process sends its X calls there (:func:`forward_x`), through ``responses``, which catches
``api.x.com`` and ``api.twitter.com`` and answers with what the server said.
"""

from __future__ import annotations

import contextlib
import re
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import requests
import responses

from sf_social.testing.x_posting import XPostingTwin

X_URL = re.compile(r"https://api\.(?:twitter|x)\.com/.*")


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def _serve(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length) if length else None
        with self.server.lock:
            answer = self.server.twin.answer(self.command, "https://api.x.com" + self.path, body)
        status, headers, text = answer or (404, {}, '{"title": "Not Found"}')
        self.send_response(status)
        for name, value in {"content-type": "application/json", **headers}.items():
            self.send_header(name, value)
        payload = text.encode()
        self.send_header("content-length", str(len(payload)))
        self.end_headers()
        with contextlib.suppress(ConnectionError):  # the client was killed meanwhile
            self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the test reads the twin, not an access log."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, twin: XPostingTwin) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.twin = twin
        self.lock = threading.Lock()


@contextmanager
def serve_x(twin: XPostingTwin) -> Iterator[str]:
    """Serve ``twin`` for the block; yields its base URL. Posts are stored before the
    answer (and the twin's ``answer_delay``) like on X, under one lock."""
    server = _Server(twin)
    thread = threading.Thread(target=server.serve_forever, name="x-twin", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def forward_x(base: str, *passthrough: str) -> Iterator[None]:
    """Send this process's X calls to the twin served at ``base``; ``passthrough`` URLs
    (the org) go out untouched."""

    def forward(request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        url = base + re.sub(r"^https://[^/]+", "", request.url or "")
        body = request.body.encode() if isinstance(request.body, str) else request.body
        ask = urllib.request.Request(url, data=body, method=request.method or "GET")
        ask.add_header("content-type", "application/json")
        try:
            with urllib.request.urlopen(ask, timeout=30) as answer:
                return answer.status, _kept(answer.headers), answer.read().decode()
        except urllib.error.HTTPError as refused:
            return refused.code, _kept(refused.headers), refused.read().decode()

    mock = responses.RequestsMock(assert_all_requests_are_fired=False)
    for url in passthrough:
        mock.add_passthru(url)
    for method in (responses.GET, responses.POST):
        mock.add_callback(method, X_URL, callback=forward, content_type=None)
    with mock:
        yield


def _kept(headers: Any) -> dict[str, str]:
    """The answer's own headers (its type and X's rate-limit ones), not the transport's."""
    return {
        k: v for k, v in headers.items() if k.lower() == "content-type" or k.lower()[:2] == "x-"
    }

"""The HTTPS transport: a threaded server on loopback in a background thread.

A fresh certificate authority is made at start-up (``tls.make_certificates``, which needs
``trustme``) in a temporary folder; clients trust ``ca_file`` (``REQUESTS_CA_BUNDLE``
or ``verify=``).
Faults are real here: latency and timeouts sleep, dropped connections are reset.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import ssl
import struct
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from sf_social.testing.replies import Request

if TYPE_CHECKING:
    from sf_social.testing.org import LocalOrg
    from sf_social.testing.tls import CertificateFiles

log = logging.getLogger(__name__)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], org: LocalOrg, context: ssl.SSLContext) -> None:
        super().__init__(address, _Handler)
        self.org = org
        self.context = context
        self.stopping = threading.Event()
        self.url = ""

    def finish_request(self, request: Any, client_address: Any) -> None:
        try:
            secure = self.context.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError) as exc:
            log.debug("TLS handshake with %s failed: %s", client_address, exc)
            return
        try:
            _Handler(secure, client_address, self)
        finally:
            with contextlib.suppress(OSError):
                secure.close()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    """The status line and headers go out before the body: with Nagle's algorithm on, the
    body waited for the client's delayed ACK, 40 ms per call on Linux loopback."""
    server: _Server

    def _serve(self) -> None:
        body = self._body()
        path, _, query = self.path.partition("?")
        request = Request(
            method=self.command,
            path=path,
            query=query,
            headers=dict(self.headers.items()),
            body=body,
            base_url=self.server.url,
        )
        outcome = self.server.org.handle(request)
        stopping = self.server.stopping
        if outcome.delay and stopping.wait(outcome.delay):
            return self._abort()
        if outcome.timeout and stopping.wait(self.server.org.faults.timeout_seconds):
            return self._abort()
        if outcome.drop or outcome.reply is None:
            return self._abort()
        reply = outcome.reply
        try:
            self.send_response(reply.status)
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(reply.body)))
            self.end_headers()
            self.wfile.write(reply.body)
        except OSError:
            self.close_connection = True
        return None

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _serve

    def _body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            data = b""
            while True:
                size = int(self.rfile.readline().strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    return data
                data += self.rfile.read(size)
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _abort(self) -> None:
        """Reset the connection without answering."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        with contextlib.suppress(OSError):
            self.connection.close()

    def finish(self) -> None:
        with contextlib.suppress(OSError, ValueError):
            super().finish()

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s %s", self.address_string(), format % args)


class LocalOrgServer:
    """The org over HTTPS on ``host`` (loopback) and a free ``port``.

    ``url`` is the instance URL, ``ca_file`` the certificate to trust, ``env()`` the
    variables a client needs. ``stop()`` (or leaving ``with``) shuts it down cleanly.
    """

    def __init__(self, org: LocalOrg, host: str = "127.0.0.1", port: int = 0) -> None:
        self.org = org
        self.host = host
        self.port = port
        self._folder: tempfile.TemporaryDirectory[str] | None = None
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._previous_url = org.instance_url
        self.files: CertificateFiles | None = None

    @property
    def url(self) -> str:
        """``https://127.0.0.1:<port>``."""
        return f"https://{self.host}:{self.port}"

    @property
    def ca_file(self) -> Path:
        """The PEM certificate clients must trust."""
        assert self.files is not None, "the server is not started"
        return self.files.ca_file

    def env(self) -> dict[str, str]:
        """SF_INSTANCE_URL, SF_ACCESS_TOKEN and REQUESTS_CA_BUNDLE for a client."""
        return {
            "SF_INSTANCE_URL": self.url,
            "SF_ACCESS_TOKEN": self.org.access_token,
            "REQUESTS_CA_BUNDLE": str(self.ca_file),
        }

    def start(self) -> LocalOrgServer:
        """Make the certificates, bind, and serve in a background thread."""
        from sf_social.testing.tls import make_certificates  # needs the trustme package

        self._folder = tempfile.TemporaryDirectory(prefix="sf-social-local-org-")
        self.files = make_certificates(Path(self._folder.name), (self.host, "localhost"))
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        context.load_cert_chain(self.files.cert_file, self.files.key_file)
        self._server = _Server((self.host, self.port), self.org, context)
        self.port = self._server.server_address[1]
        self._server.url = self.url
        self.org.instance_url = self.url
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"local-org-{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, wake sleeping handlers, close the socket, remove the files."""
        if self._server is not None:
            self._server.stopping.set()
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        if self._folder is not None:
            self._folder.cleanup()
            self._folder = None
        self.org.instance_url = self._previous_url

    def __enter__(self) -> LocalOrgServer:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.stop()

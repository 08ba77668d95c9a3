"""Odd requests at the webhook receiver, over real HTTP on loopback: each gets a 4xx answer,
never a 500, a dropped connection or a traceback in the server's log."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest

from sf_social.sources.facebook import WebhookSpool, sign
from sf_social.sources.facebook.receiver import ReceiverConfig, WebhookServer, make_server
from tests.sources.facebook import payloads as fb


@pytest.fixture
def server(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> Iterator[WebhookServer]:
    spool = WebhookSpool(tmp_path / "spool.db")
    srv = make_server(ReceiverConfig(fb.TOKEN, fb.SECRET, fb.PAGE, 64 * 1024), spool, port=0)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()
    spool.close()
    assert "Traceback" not in capfd.readouterr().err


def exchange(server: WebhookServer, raw: bytes) -> int:
    """Send ``raw`` as it is; the status of the answer (0 if the connection dropped)."""
    host, port = server.server_address[:2]
    with socket.create_connection((str(host), int(port)), timeout=10) as conn:
        conn.sendall(raw)
        answer = b""
        while chunk := conn.recv(4096):
            answer += chunk
    status = answer.split(b" ", 2)[1] if answer.startswith(b"HTTP/1.") else b"0"
    return int(status)


def post(server: WebhookServer, length: str, body: bytes) -> int:
    head = (
        "POST / HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\n"
        f"X-Hub-Signature-256: {sign(body, fb.SECRET)}\r\nContent-Length: {length}\r\n\r\n"
    )
    return exchange(server, head.encode("utf-8") + body)


@pytest.mark.parametrize("length", ["²", "١٢", "-1", "1e3", " ", "0x10"])
def test_a_content_length_that_is_not_a_number_is_400(server: WebhookServer, length: str) -> None:
    body = fb.body(fb.comment())
    assert post(server, length, body) == 400
    assert server.spool.count() == 0


def test_a_huge_content_length_is_413(server: WebhookServer) -> None:
    assert post(server, "9" * 40, b"{}") == 413


@pytest.mark.parametrize("token", ["tökén", "\u2603" * 50, "%ED%B3%BF", "%FF%FE", fb.TOKEN + "é"])
def test_a_non_ascii_verify_token_is_refused_with_403(server: WebhookServer, token: str) -> None:
    query = f"hub.mode=subscribe&hub.challenge=42&hub.verify_token={quote(token, safe='%')}"
    raw = f"GET /?{query} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    assert exchange(server, raw.encode("utf-8", "surrogatepass")) == 403


def test_raw_non_ascii_bytes_in_the_query_are_refused_with_403(server: WebhookServer) -> None:
    raw = "GET /?hub.mode=subscribe&hub.challenge=1&hub.verify_token=ü² HTTP/1.1\r\n"
    raw += "Connection: close\r\n\r\n"
    assert exchange(server, raw.encode("utf-8")) == 403

# ruff: noqa: E501
"""The webhook receiver over loopback: challenge, signatures, replays, size cap,
durability across kill -9, and a bounded load test."""

from __future__ import annotations

import http.client
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from sf_social.pipeline import Pipeline
from sf_social.playbook import load_playbook
from sf_social.sources.facebook import FacebookWebhookSource, WebhookSpool, sign
from sf_social.sources.facebook.receiver import ReceiverConfig, WebhookServer, make_server
from sf_social.state import MemoryStateStore
from sf_social.sync.engine import SyncEngine
from sf_social.sync.passes import sync_pass
from sf_social.sync.push import PushPolicy
from sf_social.testing import InMemoryOrg, InMemoryWriter
from tests.sources.facebook import payloads as fb
from tests.sync.conftest import QUEUES

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def server(tmp_path: Path) -> Iterator[WebhookServer]:
    spool = WebhookSpool(tmp_path / "spool.db")
    srv = make_server(
        ReceiverConfig(fb.TOKEN, fb.SECRET, fb.PAGE, max_body=64 * 1024), spool, port=0
    )
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()
    spool.close()


def request(
    port: int,
    method: str,
    path: str = "/",
    body: bytes = b"",
    headers: dict[str, str] | None = None,
) -> tuple[int, str]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.read().decode()
    finally:
        conn.close()


def post(port: int, body: bytes, signature: str | None = None) -> tuple[int, str]:
    headers = {"Content-Type": "application/json"}
    if signature is not None:
        headers["X-Hub-Signature-256"] = signature
    return request(port, "POST", "/", body, headers)


def test_the_verification_challenge(server: WebhookServer) -> None:
    port = server.server_address[1]
    ok = f"/?hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token={fb.TOKEN}"
    assert request(port, "GET", ok) == (200, "1158201444")
    assert request(port, "GET", ok.replace(fb.TOKEN, "wrong"))[0] == 403
    assert request(port, "GET", "/?hub.challenge=1")[0] == 403


def test_only_correctly_signed_bodies_are_stored(server: WebhookServer) -> None:
    port = server.server_address[1]
    body = fb.body(fb.comment())
    assert post(port, body)[0] == 403  # missing
    assert post(port, body, sign(body, "not-the-secret"))[0] == 403  # wrong secret
    assert post(port, body, sign(body + b" ", fb.SECRET))[0] == 403  # other body
    assert post(port, body, "sha1=" + sign(body, fb.SECRET)[7:])[0] == 403  # wrong scheme
    assert server.spool.count() == 0
    assert post(port, body, sign(body, fb.SECRET)) == (200, "EVENT_RECEIVED")
    assert server.spool.count() == 1


def test_replayed_events_are_stored_once(server: WebhookServer) -> None:
    port = server.server_address[1]
    body = fb.body(fb.comment())
    for _ in range(3):
        assert post(port, body, sign(body, fb.SECRET))[0] == 200
    # the same event inside another delivery (re-encoded, other entry time) is a replay too
    again = fb.comment()
    again["entry"][0]["time"] = 1732999999
    other = fb.body(again).replace(b": ", b":")
    assert post(port, other, sign(other, fb.SECRET))[0] == 200
    assert server.spool.count() == 1 and server.duplicates == 3


def test_oversized_and_malformed_bodies(server: WebhookServer) -> None:
    port = server.server_address[1]
    big = b"{" + b" " * (64 * 1024) + b"}"
    assert post(port, big, sign(big, fb.SECRET))[0] == 413
    junk = b"not json"
    assert post(port, junk, sign(junk, fb.SECRET))[0] == 400
    odd = b'{"object": "page", "entry": [{"id": "1", "changes": ["not an object"]}]}'
    assert post(port, odd, sign(odd, fb.SECRET)) == (
        400,
        'not a page notification: "changes" of an entry must be a list of objects',
    )
    assert server.spool.count() == 0


def test_other_objects_are_answered_200_and_counted(server: WebhookServer) -> None:
    """A 400 would make Meta deliver an ``instagram`` notification again and again."""
    port = server.server_address[1]
    other = fb.body({"object": "instagram", "entry": [{"id": "17841", "time": 1, "changes": []}]})
    assert post(port, other, sign(other, fb.SECRET)) == (200, "EVENT_RECEIVED")
    assert (server.ignored, server.spool.count()) == (1, 0)


@pytest.mark.slow
def test_the_default_limit_holds_metas_largest_batch(tmp_path: Path) -> None:
    """1,000 changes of 8,000 non-ASCII characters, escaped as Meta sends them (~48 MB)."""
    changes = fb.comment()["entry"][0]["changes"] * 1_000
    for n, change in enumerate(changes):
        changes[n] = {
            **change,
            "value": {**change["value"], "comment_id": f"C{n}", "message": "ä" * 8_000},
        }
    payload = fb.comment()
    payload["entry"][0]["changes"] = changes
    body = fb.body(payload)  # json.dumps escapes non-ASCII: 6 bytes a character
    assert len(body) > 48_000_000
    spool = WebhookSpool(tmp_path / "spool.db")
    srv = make_server(ReceiverConfig(fb.TOKEN, fb.SECRET, fb.PAGE), spool, port=0)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        port = srv.server_address[1]
        assert post(port, body, sign(body, fb.SECRET)) == (200, "EVENT_RECEIVED")
        assert spool.count() == 1_000
    finally:
        srv.shutdown()
        srv.server_close()
        spool.close()


def test_a_flood_of_silent_connections_is_bounded(tmp_path: Path) -> None:
    """Silent clients are dropped after the read timeout; above the cap a call gets 503."""
    import socket

    spool = WebhookSpool(tmp_path / "spool.db")
    config = ReceiverConfig(fb.TOKEN, fb.SECRET, read_timeout=0.5, max_connections=2)
    srv = make_server(config, spool, port=0)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    port = srv.server_address[1]
    try:
        silent = [socket.create_connection(("127.0.0.1", port)) for _ in range(2)]
        time.sleep(0.2)
        with socket.create_connection(("127.0.0.1", port), timeout=5) as third:
            assert third.recv(100).startswith(b"HTTP/1.1 503 ")  # both slots taken
        assert srv.refused == 1
        body = fb.body(fb.comment())
        time.sleep(0.8)  # the silent ones time out and free their slots
        assert post(port, body, sign(body, fb.SECRET))[0] == 200
        for sock in silent:
            sock.close()
    finally:
        srv.shutdown()
        srv.server_close()
        spool.close()


def _trickle(port: int, stop: threading.Event, source: str, dropped: list[float]) -> None:
    """One header byte every 0.1 s (well inside the read timeout) until dropped or stopped."""
    import socket

    began = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), source_address=(source, 0)) as sock:
        try:
            sock.sendall(b"POST / HTTP/1.1\r\nHost: x\r\n")
            while not stop.is_set():
                sock.sendall(b"X")
                time.sleep(0.1)
        except OSError:  # the server closed the connection
            dropped.append(time.monotonic() - began)


def test_trickling_clients_cannot_keep_signed_deliveries_out(tmp_path: Path) -> None:
    """64 connections trickling header bytes: each is dropped when its request is not in
    after request_timeout (the per-read timeout never fires), and from one address they
    never take every slot, so signed deliveries from elsewhere get 200 throughout."""
    spool = WebhookSpool(tmp_path / "spool.db")
    config = ReceiverConfig(
        fb.TOKEN, fb.SECRET, read_timeout=1.0, request_timeout=1.5, max_per_client=16
    )
    srv = make_server(config, spool, port=0)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    port = srv.server_address[1]
    stop = threading.Event()
    dropped: list[float] = []
    attackers = [
        threading.Thread(target=_trickle, args=(port, stop, "127.0.0.2", dropped), daemon=True)
        for _ in range(64)
    ]
    try:
        for thread in attackers:
            thread.start()
        time.sleep(0.5)
        assert srv.refused >= 64 - 16  # one address holds at most max_per_client slots
        for n in range(5):  # while the attack goes on
            body = fb.body(fb.comment(comment_id=f"PAGEPOST_1_C{n}"))
            started = time.monotonic()
            assert post(port, body, sign(body, fb.SECRET)) == (200, "EVENT_RECEIVED")
            assert time.monotonic() - started < 1.0
            time.sleep(0.2)
        time.sleep(1.5)
        assert len(dropped) == 64  # refused at once, or dropped at request_timeout
        assert sum(1 for d in dropped if d > 1.0) == 16
        assert max(dropped) < 1.5 + 1.0  # request_timeout (+ slack), though never silent
        assert spool.count() == 5
    finally:
        stop.set()
        for thread in attackers:
            thread.join(5)
        srv.shutdown()
        srv.server_close()
        spool.close()


def test_a_trickled_request_is_dropped_after_request_timeout(tmp_path: Path) -> None:
    spool = WebhookSpool(tmp_path / "spool.db")
    config = ReceiverConfig(fb.TOKEN, fb.SECRET, read_timeout=5.0, request_timeout=0.8)
    srv = make_server(config, spool, port=0)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    stop = threading.Event()
    dropped: list[float] = []
    try:
        _trickle(srv.server_address[1], stop, "127.0.0.1", dropped)  # returns once dropped
        assert len(dropped) == 1 and 0.7 < dropped[0] < 2.0  # not read_timeout (5 s)
    finally:
        stop.set()
        srv.shutdown()
        srv.server_close()
        spool.close()


def test_an_event_answered_200_survives_kill_9(tmp_path: Path) -> None:
    spool_path = tmp_path / "spool.db"
    env = {
        **os.environ,
        "FB_APP_SECRET": fb.SECRET,
        "FB_VERIFY_TOKEN": fb.TOKEN,
        "FB_PAGE_ID": fb.PAGE,
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sf_social.cli.webhook",
            "serve",
            "--port",
            "0",
            "--spool",
            str(spool_path),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        port = int(line.split("http://127.0.0.1:")[1].split("/")[0])
        body = fb.body(fb.comment())
        assert post(port, body, sign(body, fb.SECRET))[0] == 200
        process.send_signal(signal.SIGKILL)
    finally:
        process.kill()
        process.wait(timeout=10)
    org = InMemoryOrg()
    for queue in QUEUES:
        org.add_queue(queue)
    store = MemoryStateStore()
    store.migrate()
    now = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
    engine = SyncEngine(
        store,
        Pipeline(load_playbook()),
        InMemoryWriter(org),
        org,
        [FacebookWebhookSource(spool_path, fb.PAGE)],
        PushPolicy(backoff_base=timedelta(seconds=10)),
        worker_id="test",
        clock=lambda: now,
    )
    sync_pass(engine)
    (case,) = org.records["Case"].values()
    assert (
        case["Origin"] == "Facebook"
        and case["Social_Thread_Key__c"] == f"facebook:thread:{fb.PAGE}_1"
    )


def test_load_2000_signed_requests_over_loopback(server: WebhookServer) -> None:
    port = server.server_address[1]
    total, threads = 2_000, 8
    latencies: list[float] = []
    failures: list[int] = []
    lock = threading.Lock()

    def client(worker: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine: list[float] = []
        for i in range(worker, total, threads):
            body = fb.body(fb.comment(f"C_{i}", f"card never arrived, order {i} #fail"))
            headers = {
                "Content-Type": "application/json",
                "X-Hub-Signature-256": sign(body, fb.SECRET),
            }
            started = time.perf_counter()
            conn.request("POST", "/", body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            mine.append(time.perf_counter() - started)
            if response.status != 200:
                with lock:
                    failures.append(response.status)
        conn.close()
        with lock:
            latencies.extend(mine)

    started = time.perf_counter()
    workers = [threading.Thread(target=client, args=(w,)) for w in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=60)
    elapsed = time.perf_counter() - started
    assert not failures and len(latencies) == total
    assert server.spool.count() == total
    latencies.sort()
    p99 = latencies[int(total * 0.99) - 1]
    print(
        f"\nwebhook load: {total} requests, {threads} threads, {elapsed:.2f} s, "
        f"{total / elapsed:,.0f} req/s, p50 {latencies[total // 2] * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms"
    )
    assert elapsed < 60

"""Prometheus text metrics of the daemon: to a node-exporter textfile and/or on a port.

Counters add up what the passes did since the process started (Prometheus handles the
reset at a restart); gauges are read from the store's status and the org's API budget
after every job. :class:`MetricsFile` rewrites its file atomically (temp file + rename),
as node-exporter's textfile collector wants. :class:`MetricsServer` answers ``GET /metrics``
with the standard library's HTTP server on loopback, one request at a time, each bounded
by a socket timeout.
"""

from __future__ import annotations

import logging
import os
import tempfile
import threading
import time
from collections.abc import Callable, Mapping
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

from sf_social.salesforce.api import OrgApi
from sf_social.state import StoreStatus
from sf_social.sync.engine import IntakeResult
from sf_social.sync.push import PushCounts

log = logging.getLogger(__name__)

Labels = tuple[tuple[str, str], ...]

COUNTERS: dict[str, str] = {
    "sf_social_pulled_total": "Posts and rejected lines read from sources.",
    "sf_social_rejected_total": "Feed lines rejected (unreadable, invalid).",
    "sf_social_new_total": "Posts new to the ledger.",
    "sf_social_planned_total": "Record plans queued in the outbox.",
    "sf_social_written_total": "Record plans whose writes landed in Salesforce.",
    "sf_social_retried_total": "Record plans rescheduled after a transient failure.",
    "sf_social_dead_total": "Record plans moved to the dead letters.",
    "sf_social_api_calls_total": "Salesforce API calls made by this process.",
    "sf_social_push_blocked_total": "Push passes blocked until an operator acts (a login"
    " refused for good, the org not set up for us).",
    "sf_social_pass_errors_total": "Passes that failed, by job.",
    "sf_social_passes_total": "Passes run, by job.",
}
GAUGES: dict[str, str] = {
    "sf_social_up": "1 while the daemon runs, 0 once it stopped.",
    "sf_social_outbox_depth": "Planned writes waiting in the outbox.",
    "sf_social_outbox_due": "Outbox rows due now and not leased.",
    "sf_social_outbox_held": "Outbox rows held behind a dead letter of their thread or person.",
    "sf_social_outbox_leased": "Outbox rows leased to a worker.",
    "sf_social_outbox_oldest_age_seconds": "Age of the oldest outbox row (0 when empty).",
    "sf_social_dead_letters": "Dead letters waiting for an operator.",
    "sf_social_dead_letters_by_code": "Dead letters by Salesforce error code.",
    "sf_social_api_usage_used": "Daily API requests used in the org (rolling 24 h), as last seen.",
    "sf_social_api_usage_limit": "Daily API request limit of the org, as last seen.",
    "sf_social_api_usage_ratio": "Share of the daily API limit used, as last seen.",
    "sf_social_api_paused": "1 while writes are paused for the API budget.",
    "sf_social_last_pass_timestamp_seconds": "End of the last pass, by job (Unix time).",
}


class Metrics:
    """Counters and gauges, thread-safe; ``render()`` gives the exposition text."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counters: dict[str, dict[Labels, float]] = {name: {} for name in COUNTERS}
        self._gauges: dict[str, dict[Labels, float]] = {name: {} for name in GAUGES}
        self.set_gauge("sf_social_up", 1)

    def inc(self, name: str, value: float = 1, **labels: str) -> None:
        """Add ``value`` to counter ``name``."""
        key = tuple(sorted(labels.items()))
        with self._lock:
            series = self._counters[name]
            series[key] = series.get(key, 0) + value

    def set_gauge(self, name: str, value: float, **labels: str) -> None:
        key = tuple(sorted(labels.items()))
        with self._lock:
            self._gauges[name][key] = value

    def value(self, name: str, **labels: str) -> float | None:
        """A series' current value (for tests and health)."""
        key = tuple(sorted(labels.items()))
        with self._lock:
            table = self._counters.get(name) or self._gauges.get(name) or {}
            return table.get(key)

    # -- what the passes report -------------------------------------------------------

    def count_intake(self, result: IntakeResult) -> None:
        c = result.counts
        labels = {"source": result.source}
        self.inc("sf_social_pulled_total", c.pulled, **labels)
        self.inc("sf_social_rejected_total", c.rejected, **labels)
        self.inc("sf_social_new_total", c.new, **labels)
        self.inc("sf_social_planned_total", c.queued, **labels)
        self._pass("intake:" + result.source, failed=result.error is not None)

    def count_push(self, counts: PushCounts | None) -> None:
        if counts is not None:
            self.inc("sf_social_written_total", counts.written)
            self.inc("sf_social_retried_total", counts.retried)
            self.inc("sf_social_dead_total", counts.dead)
            self.inc("sf_social_api_calls_total", counts.api_calls)
            self.inc("sf_social_push_blocked_total", 1 if counts.blocked else 0)
        self._pass("push", failed=counts is None)

    def _pass(self, job: str, *, failed: bool) -> None:
        self.inc("sf_social_passes_total", job=job)
        if failed:
            self.inc("sf_social_pass_errors_total", job=job)
        else:
            self.inc("sf_social_pass_errors_total", 0, job=job)
        self.set_gauge("sf_social_last_pass_timestamp_seconds", time.time(), job=job)

    def observe_store(self, status: StoreStatus) -> None:
        """Gauges from the store's status snapshot."""
        self.set_gauge("sf_social_outbox_depth", status.outbox_depth)
        self.set_gauge("sf_social_outbox_due", status.outbox_due)
        self.set_gauge("sf_social_outbox_held", status.outbox_held)
        self.set_gauge("sf_social_outbox_leased", status.outbox_leased)
        age = status.oldest_outbox_age
        self.set_gauge("sf_social_outbox_oldest_age_seconds", age.total_seconds() if age else 0)
        self.set_gauge("sf_social_dead_letters", sum(status.dead_letters_by_code.values()))
        with self._lock:
            self._gauges["sf_social_dead_letters_by_code"] = {
                (("code", code),): float(n) for code, n in status.dead_letters_by_code.items()
            }

    def observe_org(self, org: OrgApi) -> None:
        """Gauges from the org's API budget, when known."""
        budget = org.budget
        if budget.used is not None:
            self.set_gauge("sf_social_api_usage_used", budget.used)
        if budget.limit is not None:
            self.set_gauge("sf_social_api_usage_limit", budget.limit)
        if budget.share is not None:
            self.set_gauge("sf_social_api_usage_ratio", round(budget.share, 6))
        self.set_gauge("sf_social_api_paused", 1 if budget.paused else 0)

    # -- exposition -------------------------------------------------------------------

    def render(self) -> str:
        """The Prometheus text exposition format (version 0.0.4)."""
        lines: list[str] = []
        with self._lock:
            for kind, table, helps in (
                ("counter", self._counters, COUNTERS),
                ("gauge", self._gauges, GAUGES),
            ):
                for name, series in table.items():
                    if not series:
                        continue
                    lines.append(f"# HELP {name} {helps[name]}")
                    lines.append(f"# TYPE {name} {kind}")
                    for labels, value in sorted(series.items()):
                        lines.append(f"{name}{_labels(labels)} {_number(value)}")
        return "\n".join(lines) + "\n"


def _labels(labels: Labels) -> str:
    if not labels:
        return ""
    inner = ",".join(f'{k}="{_escape(v)}"' for k, v in labels)
    return "{" + inner + "}"


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


class MetricsFile:
    """A node-exporter textfile, replaced atomically on every ``write``."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def write(self, metrics: Metrics) -> None:
        """Write the current metrics (a failure is logged, never raised)."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, temp = tempfile.mkstemp(prefix=".sf_social-", suffix=".tmp", dir=self.path.parent)
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as stream:
                    stream.write(metrics.render())
                os.chmod(temp, 0o644)
                os.replace(temp, self.path)
            except BaseException:
                Path(temp).unlink(missing_ok=True)
                raise
        except OSError as exc:
            log.warning("cannot write the metrics file %s: %s", self.path, exc)


class _Handler(BaseHTTPRequestHandler):
    timeout = 5  # seconds a client may take: a stuck one cannot hold the server
    server: _MetricsHTTPServer

    def do_GET(self) -> None:
        path = self.path.split("?")[0]
        probe = self.server.probes.get(path)
        if probe is not None:
            try:
                ok, detail = probe()
            except Exception as exc:
                ok, detail = False, f"the check itself failed: {type(exc).__name__}: {exc}"
            self._answer(200 if ok else 503, detail + "\n", "text/plain; charset=utf-8")
            return
        if path not in ("/metrics", "/"):
            served = ", ".join(["/metrics", *self.server.probes])
            self.send_error(404, f"served here: {served}")
            return
        body = self.server.metrics.render()
        self._answer(200, body, "text/plain; version=0.0.4; charset=utf-8")

    def _answer(self, status: int, text: str, content_type: str) -> None:
        body = text.encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("metrics: " + format, *args)


Probe = Callable[[], tuple[bool, str]]
"""A health probe: (ok, what it saw); served as 200 or 503 with the text."""


class _MetricsHTTPServer(HTTPServer):
    def __init__(
        self, address: tuple[str, int], metrics: Metrics, probes: Mapping[str, Probe]
    ) -> None:
        self.metrics = metrics
        self.probes = dict(probes)
        super().__init__(address, _Handler)


class MetricsServer:
    """``GET /metrics`` on ``host:port`` (port 0: any free one), in a background thread,
    and each of ``probes`` by its path (the daemon's ``/healthz`` and ``/readyz``)."""

    def __init__(
        self,
        metrics: Metrics,
        host: str = "127.0.0.1",
        port: int = 0,
        probes: Mapping[str, Probe] | None = None,
    ) -> None:
        self._server = _MetricsHTTPServer((host, port), metrics, probes or {})
        self.host = host
        self.port = int(self._server.server_address[1])
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.2},
            name="metrics-http",
            daemon=True,
        )

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/metrics"

    def start(self) -> MetricsServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=2)

"""Prometheus metrics of the daemon: to a node-exporter textfile and/or on a port.

Counters add up what the passes did since the process started (Prometheus handles the
reset at a restart); gauges are read from the store's status and the org's API budget
after every job. :class:`Metrics` is a prometheus-client collector over those values: a
series exists once a pass or a reading set it, so a budget not yet seen is absent, not 0.
:class:`MetricsFile` writes the textfile, mode ``0644``, with prometheus-client's
``write_to_textfile`` (temp file + rename, as node-exporter's textfile collector wants).
:class:`MetricsServer` serves prometheus-client's WSGI app at ``/metrics`` and the daemon's
health probes beside it, on loopback, one request at a time, each bounded by a socket
timeout.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server
from wsgiref.types import StartResponse, WSGIEnvironment

from prometheus_client import (
    CollectorRegistry,
    generate_latest,
    make_wsgi_app,
    write_to_textfile,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from sf_social.business_hours import BusinessHours
from sf_social.salesforce.api import OrgApi
from sf_social.state import StateStore, StoreStatus
from sf_social.sync.engine import IntakeResult
from sf_social.sync.push import PushCounts
from sf_social.sync.response_times import GroupBy, response_times
from sf_social.sync.sweep import SweepCounts

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
    "sf_social_overdue_flagged_total": "Cases the overdue sweep flagged (due time passed,"
    " no reply from us).",
    "sf_social_severity_raised_total": "Cases whose severity a later post of the thread raised.",
    "sf_social_queue_notifications_total": "Custom notifications to a Case's queue, by outcome"
    " (sent, failed).",
    "sf_social_lead_webhook_missed_total": "Lead form responses a scheduled pull found before"
    " any webhook notification (missed by the webhooks), by source.",
    "sf_social_lead_webhook_late_total": "Lead form responses whose webhook notification came"
    " after the pull found them or past the lag, by source.",
}
RESPONSE_WINDOW = timedelta(days=30)
"""The response-time gauges count the Cases opened this long ago or later."""
_RESPONSE_GROUP = "Cases opened in the last 30 days, by group: all, or one segment (never sum)."
_RESPONSE: dict[str, tuple[str, str]] = {  # name → (help, ResponseTimes attribute)
    "sf_social_response_cases": ("Cases opened.", "cases"),
    "sf_social_response_answered": ("Cases we replied to.", "answered"),
    "sf_social_response_minutes_median": ("Median minutes to our first reply.", "median_minutes"),
    "sf_social_response_minutes_p90": (
        "90th percentile of minutes to our first reply.",
        "p90_minutes",
    ),
    "sf_social_response_within_target_ratio": (
        "Share answered by the due time, of those answered or past due.",
        "within_target",
    ),
    "sf_social_response_overdue": (
        "Open Cases past their due time without our reply.",
        "overdue_now",
    ),
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
    **{name: f"{text} {_RESPONSE_GROUP}" for name, (text, _) in _RESPONSE.items()},
}


class Metrics(Collector):
    """Counters and gauges, thread-safe; a collector of its own ``registry``."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counters: dict[str, dict[Labels, float]] = {name: {} for name in COUNTERS}
        self._gauges: dict[str, dict[Labels, float]] = {name: {} for name in GAUGES}
        self.registry = CollectorRegistry(auto_describe=False)
        self.registry.register(self)
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
            self.inc("sf_social_severity_raised_total", counts.raised)
            self._notifications(counts.notified, counts.notify_failed)
        self._pass("push", failed=counts is None)

    def count_sweep(self, counts: SweepCounts | None) -> None:
        if counts is not None:
            self.inc("sf_social_overdue_flagged_total", counts.flagged)
            self.inc("sf_social_api_calls_total", counts.api_calls)
            self._notifications(counts.notified, counts.notify_failed)
        self._pass("sweep", failed=counts is None)

    def _notifications(self, sent: int, failed: int) -> None:
        self.inc("sf_social_queue_notifications_total", sent, outcome="sent")
        self.inc("sf_social_queue_notifications_total", failed, outcome="failed")

    def _pass(self, job: str, *, failed: bool) -> None:
        self.inc("sf_social_passes_total", job=job)
        self.inc("sf_social_pass_errors_total", 1 if failed else 0, job=job)
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
        for source in status.sources:  # what the lead pulls report (sources.lead_deliveries)
            watched = (source.status or {}).get("lead_webhooks")
            if isinstance(watched, dict):
                labels = (("source", source.name),)
                with self._lock:
                    for kind in ("missed", "late"):
                        total = watched.get(f"{kind}_total")
                        if isinstance(total, int):
                            name = f"sf_social_lead_webhook_{kind}_total"
                            self._counters[name][labels] = float(total)

    def observe_response_times(
        self, store: StateStore, now: datetime, hours: BusinessHours | None = None
    ) -> None:
        """Gauges of the response-time figures of the Cases opened in ``RESPONSE_WINDOW``."""
        threads = store.threads_opened_since(now - RESPONSE_WINDOW)
        by_segment = response_times(threads, now, GroupBy.SEGMENT, hours)
        rows = response_times(threads, now, None, hours) + by_segment
        series: dict[str, dict[Labels, float]] = {name: {} for name in _RESPONSE}
        for row in rows:
            for name, (_, attribute) in _RESPONSE.items():
                value = getattr(row, attribute)
                if value is not None:
                    series[name][(("group", row.group),)] = float(value)
        with self._lock:
            self._gauges.update(series)

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

    def collect(self) -> Iterable[Metric]:
        """One family per metric that has a series, as the registry asks."""
        with self._lock:
            tables = [
                (CounterMetricFamily, name, COUNTERS[name], dict(series))
                for name, series in self._counters.items()
            ] + [
                (GaugeMetricFamily, name, GAUGES[name], dict(series))
                for name, series in self._gauges.items()
            ]
        for family_type, name, help_text, series in tables:
            if not series:
                continue
            names = [k for k, _ in next(iter(series))]
            family = family_type(name, help_text, labels=names)
            for labels, value in sorted(series.items()):
                family.add_metric([v for _, v in labels], value)
            yield family

    def render(self) -> str:
        """The Prometheus text exposition format (version 0.0.4)."""
        return generate_latest(self.registry).decode()


class MetricsFile:
    """A node-exporter textfile, replaced atomically on every ``write``."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def write(self, metrics: Metrics) -> None:
        """Write the current metrics (a failure is logged, never raised)."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            write_to_textfile(str(self.path), metrics.registry)
            self.path.chmod(0o644)  # whatever the umask: node-exporter reads it; no secret
        except OSError as exc:
            log.warning("cannot write the metrics file %s: %s", self.path, exc)


Probe = Callable[[], tuple[bool, str]]
"""A health probe: (ok, what it saw); served as 200 or 503 with the text."""

_App = Callable[[WSGIEnvironment, StartResponse], Iterable[bytes]]


def _app(metrics: Metrics, probes: Mapping[str, Probe]) -> _App:
    """prometheus-client's app at ``/metrics`` (and ``/``), each probe at its path."""
    exposition: _App = make_wsgi_app(metrics.registry)

    def app(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO") or "/"
        probe = probes.get(path)
        if probe is not None:
            try:
                ok, detail = probe()
            except Exception as exc:
                ok, detail = False, f"the check itself failed: {type(exc).__name__}: {exc}"
            return _text(start_response, "200 OK" if ok else "503 Service Unavailable", detail)
        if path in ("/metrics", "/"):
            return exposition(environ, start_response)
        served = ", ".join(["/metrics", *probes])
        return _text(start_response, "404 Not Found", f"served here: {served}")

    return app


def _text(start_response: StartResponse, status: str, text: str) -> Iterator[bytes]:
    body = (text + "\n").encode()
    start_response(
        status,
        [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body)))],
    )
    yield body


class _Handler(WSGIRequestHandler):
    timeout = 5  # seconds a client may take: a stuck one cannot hold the server

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("metrics: " + format, *args)


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
        app = _app(metrics, dict(probes or {}))
        self._server = make_server(host, port, app, WSGIServer, _Handler)
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

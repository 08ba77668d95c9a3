"""Metrics: counters from passes, gauges from the store, the text format, file and port."""

from __future__ import annotations

import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sf_social.state import MemoryStateStore, StoreStatus, ThreadState
from sf_social.sync.engine import IntakeResult
from sf_social.sync.intake import IntakeCounts
from sf_social.sync.metrics import Metrics, MetricsFile, MetricsServer
from sf_social.sync.push import PushCounts
from sf_social.testing import InMemoryOrg

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def filled() -> Metrics:
    metrics = Metrics()
    counts = IntakeCounts(pulled=12, rejected=1, new=10, queued=9)
    metrics.count_intake(IntakeResult('feed "a"', counts))
    metrics.count_push(
        PushCounts(
            claimed=9,
            written=7,
            retried=1,
            dead=1,
            api_calls=4,
            raised=2,
            notified=1,
            notify_failed=1,
        )
    )
    metrics.count_push(None)  # a failed push
    metrics.observe_store(
        StoreStatus(
            now=NOW,
            sources=[],
            outbox_depth=2,
            outbox_due=1,
            outbox_leased=0,
            oldest_outbox_at=NOW - timedelta(seconds=90),
            dead_letters_by_code={"INVALID_FIELD": 1, "DUPLICATE_VALUE": 2},
            ledger_by_status={},
        )
    )
    org = InMemoryOrg()
    org.budget.observe_header("api-usage=1500/15000")
    metrics.observe_org(org)
    return metrics


def test_the_exposition_text() -> None:
    text = filled().render()
    lines = text.splitlines()  # prometheus-client writes every value as a float
    assert "# HELP sf_social_pulled_total Posts and rejected lines read from sources." in lines
    assert "# TYPE sf_social_pulled_total counter" in lines
    assert 'sf_social_pulled_total{source="feed \\"a\\""} 12.0' in lines
    assert 'sf_social_planned_total{source="feed \\"a\\""} 9.0' in lines
    assert "sf_social_written_total 7.0" in lines and "sf_social_dead_total 1.0" in lines
    assert "sf_social_severity_raised_total 2.0" in lines
    assert 'sf_social_queue_notifications_total{outcome="sent"} 1.0' in lines
    assert 'sf_social_queue_notifications_total{outcome="failed"} 1.0' in lines
    assert "sf_social_retried_total 1.0" in lines and "sf_social_api_calls_total 4.0" in lines
    assert 'sf_social_pass_errors_total{job="push"} 1.0' in lines
    assert 'sf_social_passes_total{job="push"} 2.0' in lines
    assert "# TYPE sf_social_outbox_depth gauge" in lines
    assert "sf_social_outbox_depth 2.0" in lines
    assert "sf_social_outbox_oldest_age_seconds 90.0" in lines
    assert "sf_social_dead_letters 3.0" in lines
    assert 'sf_social_dead_letters_by_code{code="DUPLICATE_VALUE"} 2.0' in lines
    assert "sf_social_api_usage_used 1500.0" in lines and "sf_social_api_usage_ratio 0.1" in lines
    assert "sf_social_api_paused 0.0" in lines and "sf_social_up 1.0" in lines
    assert not any("_created" in line for line in lines)
    for line in lines:  # every sample has HELP and TYPE before it
        if not line.startswith("#"):
            name = line.split("{")[0].split(" ")[0]
            assert f"# HELP {name} " in text and f"# TYPE {name} " in text


def test_response_time_gauges_overall_and_by_segment() -> None:
    store = MemoryStateStore()

    def thread(root: str, segment: str, answered_after: int | None) -> ThreadState:
        opened = NOW - timedelta(hours=3)
        answered = None if answered_after is None else opened + timedelta(minutes=answered_after)
        due = opened + timedelta(minutes=60)
        return ThreadState(
            root,
            1,
            root,
            opened_at=opened,
            response_due_at=due,
            segment=segment,
            first_response_at=answered,
        )

    store.save_threads(
        [thread("a", "Request", 10), thread("b", "Request", 90), thread("c", "Fraud", None)],
        now=NOW,
    )
    old = ThreadState("d", 1, "d", opened_at=NOW - timedelta(days=31), segment="Fraud")
    store.save_threads([old], now=NOW)
    metrics = Metrics()
    metrics.observe_response_times(store, NOW)
    lines = metrics.render().splitlines()
    assert 'sf_social_response_cases{group="all"} 3.0' in lines
    assert 'sf_social_response_cases{group="Fraud"} 1.0' in lines
    assert 'sf_social_response_minutes_median{group="Request"} 50.0' in lines
    assert 'sf_social_response_minutes_p90{group="all"} 90.0' in lines
    assert 'sf_social_response_within_target_ratio{group="all"} 0.3333333333333333' in lines
    assert 'sf_social_response_overdue{group="Fraud"} 1.0' in lines
    assert not any('group="Fraud"' in line for line in lines if "minutes" in line)


def test_a_series_exists_only_once_set() -> None:
    text = Metrics().render()
    assert text.splitlines() == [
        "# HELP sf_social_up 1 while the daemon runs, 0 once it stopped.",
        "# TYPE sf_social_up gauge",
        "sf_social_up 1.0",
    ]  # an API budget not yet seen is absent, not 0
    assert Metrics().value("sf_social_api_usage_used") is None


def test_the_file_is_replaced_whole(tmp_path: Path) -> None:
    path = tmp_path / "textfile" / "sf_social.prom"
    metrics = filled()
    MetricsFile(path).write(metrics)
    assert path.read_text() == metrics.render()
    assert path.stat().st_mode & 0o777 == 0o644
    metrics.set_gauge("sf_social_up", 0)
    MetricsFile(path).write(metrics)
    assert "sf_social_up 0" in path.read_text()
    assert [p.name for p in path.parent.iterdir()] == ["sf_social.prom"]  # no temp file left


def get(url: str) -> tuple[int, str, str]:
    """Status, Content-Type and body of a GET, an error status included."""
    try:
        with urllib.request.urlopen(url, timeout=5) as answer:
            return answer.status, answer.headers["Content-Type"], answer.read().decode()
    except urllib.error.HTTPError as refused:
        return refused.code, refused.headers["Content-Type"], refused.read().decode()


def test_the_port_serves_metrics_and_probes_on_loopback() -> None:
    def broken() -> tuple[bool, str]:
        raise RuntimeError("no store")

    probes = {"/healthz": lambda: (True, "alive"), "/readyz": lambda: (False, "FAIL  writes")}
    server = MetricsServer(filled(), "127.0.0.1", 0, {**probes, "/broken": broken}).start()
    base = f"http://127.0.0.1:{server.port}"
    try:
        status, content_type, body = get(server.url)
        assert status == 200 and content_type.startswith("text/plain; version=0.0.4")
        assert "sf_social_written_total 7.0" in body
        assert get(f"{base}/healthz") == (200, "text/plain; charset=utf-8", "alive\n")
        assert get(f"{base}/readyz")[::2] == (503, "FAIL  writes\n")
        assert get(f"{base}/broken")[::2] == (
            503,
            "the check itself failed: RuntimeError: no store\n",
        )
        status, _, body = get(f"{base}/other")
        assert status == 404 and body == "served here: /metrics, /healthz, /readyz, /broken\n"
    finally:
        server.stop()

"""Metrics: counters from passes, gauges from the store, the text format, file and port."""

from __future__ import annotations

import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from sf_social.salesforce import InMemoryOrg
from sf_social.state import StoreStatus
from sf_social.sync.engine import IntakeResult
from sf_social.sync.intake import IntakeCounts
from sf_social.sync.metrics import Metrics, MetricsFile, MetricsServer
from sf_social.sync.push import PushCounts

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def filled() -> Metrics:
    metrics = Metrics()
    counts = IntakeCounts(pulled=12, rejected=1, new=10, queued=9)
    metrics.count_intake(IntakeResult('feed "a"', counts))
    metrics.count_push(PushCounts(claimed=9, written=7, retried=1, dead=1, api_calls=4))
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
    lines = text.splitlines()
    assert "# TYPE sf_social_pulled_total counter" in lines
    assert 'sf_social_pulled_total{source="feed \\"a\\""} 12' in lines
    assert 'sf_social_planned_total{source="feed \\"a\\""} 9' in lines
    assert "sf_social_written_total 7" in lines and "sf_social_dead_total 1" in lines
    assert "sf_social_retried_total 1" in lines and "sf_social_api_calls_total 4" in lines
    assert 'sf_social_pass_errors_total{job="push"} 1' in lines
    assert 'sf_social_passes_total{job="push"} 2' in lines
    assert "# TYPE sf_social_outbox_depth gauge" in lines
    assert "sf_social_outbox_depth 2" in lines
    assert "sf_social_outbox_oldest_age_seconds 90" in lines
    assert "sf_social_dead_letters 3" in lines
    assert 'sf_social_dead_letters_by_code{code="DUPLICATE_VALUE"} 2' in lines
    assert "sf_social_api_usage_used 1500" in lines and "sf_social_api_usage_ratio 0.1" in lines
    assert "sf_social_api_paused 0" in lines and "sf_social_up 1" in lines
    for line in lines:  # every sample has HELP and TYPE before it
        if not line.startswith("#"):
            name = line.split("{")[0].split(" ")[0]
            assert f"# HELP {name} " in text and f"# TYPE {name} " in text


def test_the_file_is_replaced_whole(tmp_path: Path) -> None:
    path = tmp_path / "textfile" / "sf_social.prom"
    metrics = filled()
    MetricsFile(path).write(metrics)
    assert path.read_text() == metrics.render()
    metrics.set_gauge("sf_social_up", 0)
    MetricsFile(path).write(metrics)
    assert "sf_social_up 0" in path.read_text()
    assert [p.name for p in path.parent.iterdir()] == ["sf_social.prom"]  # no temp file left


def test_the_port_serves_metrics_on_loopback() -> None:
    server = MetricsServer(filled(), "127.0.0.1", 0).start()
    try:
        with urllib.request.urlopen(server.url, timeout=5) as answer:
            body = answer.read().decode()
            assert answer.headers["Content-Type"].startswith("text/plain; version=0.0.4")
        assert "sf_social_written_total 7" in body
        with pytest.raises(urllib.error.HTTPError, match="404"):
            urllib.request.urlopen(f"http://127.0.0.1:{server.port}/other", timeout=5)
    finally:
        server.stop()

"""The daemon's scheduled lead pull counts what the webhooks missed or brought late, once
each; the counts reach ``sf-social status`` and the metrics."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sf_social.cli.status import render
from sf_social.config.sources import LeadFormsSourceConfig, SourceContext
from sf_social.lead_forms import LeadFormRules, to_post
from sf_social.playbook import load_playbook
from sf_social.posts import Network
from sf_social.sources.facebook import WebhookSpool
from sf_social.sources.facebook.normalize import split_events
from sf_social.sources.lead_deliveries import WatchedPull
from sf_social.sources.memory import MemorySource
from sf_social.state.memory import MemoryStateStore
from sf_social.sync.metrics import Metrics
from sf_social.testing.graph_leads import GraphLeadsTwin
from tests.lead_forms.factory import SUBMITTED, response

NOW = SUBMITTED + timedelta(hours=3)


def run(watch: WatchedPull) -> None:
    for _batch in watch.pull(None):
        pass


def test_each_response_counts_once_missed_then_late_when_its_notification_comes() -> None:
    ids = {"r0": SUBMITTED, "r1": SUBMITTED, "r2": SUBMITTED, "r3": NOW - timedelta(minutes=10)}
    arrived = {"r0": SUBMITTED + timedelta(minutes=2), "r1": SUBMITTED + timedelta(hours=2)}
    reports: list[dict[str, Any]] = []

    def deliveries(network: Network, wanted: Sequence[str]) -> Mapping[str, datetime]:
        return {i: arrived[i] for i in wanted if i in arrived}

    def pull() -> MemorySource:
        source = MemorySource(name="facebook-leads-pull")
        source.posts.extend(
            to_post(response(i, email=f"{i}@example.org", submitted_at=at)) for i, at in ids.items()
        )
        return source

    watch = WatchedPull(
        pull(), LeadFormRules(), deliveries, lambda name, s: reports.append(s), clock=lambda: NOW
    )
    run(watch)
    first = reports[-1]["lead_webhooks"]
    # r1 late (2 h), r2 missed; r3 is only 10 minutes old: its notification may still come
    assert first["last_pull"] == {"known": 4, "missed": 1, "late": 1, "tests": 0}

    arrived["r2"] = NOW + timedelta(minutes=5)  # after the pull found it
    watch.inner = pull()
    run(watch)
    second = reports[-1]["lead_webhooks"]
    assert second["last_pull"] == {"known": 4, "missed": 0, "late": 1, "tests": 0}
    assert (second["missed_total"], second["late_total"]) == (1, 2)


def test_the_counts_reach_status_and_the_metrics() -> None:
    store = MemoryStateStore()
    store.migrate()
    watched = {"lead_webhooks": {"missed_total": 3, "late_total": 2, "last_pull": {}}}
    store.set_source_status("linkedin-leads-pull", watched)
    snapshot = store.status()
    metrics = Metrics()
    metrics.observe_store(snapshot)
    source = "linkedin-leads-pull"
    assert metrics.value("sf_social_lead_webhook_missed_total", source=source) == 3
    assert metrics.value("sf_social_lead_webhook_late_total", source=source) == 2
    assert "sf_social_lead_webhook_missed_total" in metrics.render()
    assert '"missed_total": 3' in render(snapshot, "sqlite:///state.db")


def test_a_configured_pull_reads_its_spool_and_reports(tmp_path: Path) -> None:
    twin = GraphLeadsTwin()
    now = datetime.now(UTC)
    heard = twin.add_lead("form1", {"email": "a@example.org"}, created=now - timedelta(hours=3))
    twin.add_lead("form1", {"email": "b@example.org"}, created=now - timedelta(hours=2))
    spool = WebhookSpool(tmp_path / "fb.db")
    entry = {"id": twin.page_id, "changes": [twin.change(heard)]}
    spool.add(split_events({"object": "page", "entry": [entry]}))  # arrives now: 3 h late
    spool.close()
    reports: dict[str, dict[str, Any]] = {}
    context = SourceContext(
        load_playbook(),
        lambda name, status: reports.update({name: status}),
        environ={"FB_PAGE_TOKEN": twin.token, "FB_PAGE_ID": twin.page_id},
    )
    options = LeadFormsSourceConfig(
        network="facebook", mode="pull", spool=tmp_path / "fb.db", lookback="1d"
    )
    source = options.build(context)
    with twin.mock():
        posts = [p for batch in source.pull(None) for p in batch.posts]
    assert len(posts) == 2
    watched = reports["facebook-leads-pull"]["lead_webhooks"]
    assert (watched["missed_total"], watched["late_total"]) == (1, 1)

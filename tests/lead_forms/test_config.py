"""[[sources]] type = "lead_forms": the daemon's lead sources, webhooks and scheduled pull."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pydantic import ValidationError

from sf_social.config.lead_sources import RollingPull
from sf_social.config.sources import SOURCE_TYPES, LeadFormsSourceConfig, SourceContext
from sf_social.errors import ConfigError
from sf_social.playbook import load_playbook
from sf_social.sources.facebook.leads import FacebookLeadSource
from sf_social.sources.lead_deliveries import WatchedPull
from sf_social.testing.graph_leads import GraphLeadsTwin

NOW = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)


def context(env: dict[str, str]) -> SourceContext:
    return SourceContext(load_playbook(), environ=env)


def test_webhooks_mode_reads_the_spool(tmp_path: Path) -> None:
    options = LeadFormsSourceConfig(network="facebook", spool=tmp_path / "fb.db")
    source = options.build(context({"FB_PAGE_TOKEN": "t", "FB_PAGE_ID": "1"}))
    assert isinstance(source, FacebookLeadSource) and source.name == "facebook-leads"
    assert SOURCE_TYPES["lead_forms"] is LeadFormsSourceConfig


def test_pull_mode_reads_the_last_lookback_at_every_pass() -> None:
    twin = GraphLeadsTwin()
    old = twin.add_lead("form1", {"email": "old@example.org"}, created=NOW - timedelta(days=3))
    new = twin.add_lead("form1", {"email": "new@example.org"}, created=NOW - timedelta(hours=5))
    options = LeadFormsSourceConfig(network="facebook", mode="pull", lookback="1d")
    source = options.build(context({"FB_PAGE_TOKEN": twin.token, "FB_PAGE_ID": twin.page_id}))
    assert isinstance(source, WatchedPull) and source.name == "facebook-leads-pull"
    assert isinstance(source.inner, RollingPull)
    source.inner.clock = lambda: NOW
    with twin.mock():
        posts = [p.id for batch in source.pull(None) for p in batch.posts]
    assert posts == [f"lead:{new}"] and f"lead:{old}" not in posts


def test_missing_ids_and_unknown_networks_are_refused_with_what_to_set() -> None:
    options = LeadFormsSourceConfig(network="linkedin", mode="pull")
    with pytest.raises(ConfigError, match="LINKEDIN_LEAD_OWNER"):
        options.build(context({"LINKEDIN_ACCESS_TOKEN": "t"}))
    with pytest.raises(ValidationError):
        LeadFormsSourceConfig.model_validate({"network": "tiktok"})

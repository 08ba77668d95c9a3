"""sf-social leads sync and reconcile end to end: the Meta twin, the local org, SQLite state."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import responses

from sf_social.sources.facebook import WebhookSpool
from sf_social.sources.facebook.normalize import split_events
from sf_social.testing.graph_leads import GraphLeadsTwin
from tests.cli.conftest import Ops, org_env, seeded_org


@pytest.fixture
def world(tmp_path: Path) -> Iterator[tuple[Ops, GraphLeadsTwin]]:
    org, twin = seeded_org(), GraphLeadsTwin()
    env = org_env(org, tmp_path, SF_SOCIAL_PUSH_BACKOFF_BASE="1s", SF_SOCIAL_PUSH_CALL_ATTEMPTS="1")
    env.update(FB_PAGE_TOKEN=twin.token, FB_PAGE_ID=twin.page_id, LINKEDIN_ACCESS_TOKEN=None)
    mock = responses.RequestsMock(assert_all_requests_are_fired=False)
    with mock as rsps, org.mock(rsps), twin.mock(rsps):
        yield Ops(org, tmp_path, env), twin


def test_sync_writes_what_the_webhook_brought_and_reconcile_finds_the_rest(
    world: tuple[Ops, GraphLeadsTwin],
) -> None:
    ops, twin = world
    ids = [twin.add_lead("form1", {"email": f"p{n}@example.org"}) for n in range(4)]
    spool = WebhookSpool(ops.tmp / "facebook.db")
    for lead_id in ids[:3]:  # the last notification never came
        entry = {"id": twin.page_id, "changes": [twin.change(lead_id)]}
        spool.add(split_events({"object": "page", "entry": [entry]}))
    spool.close()

    synced = ops.run("leads", "sync", "--facebook-spool", str(ops.tmp / "facebook.db"))
    assert synced.exit_code == 0, synced.output
    assert ops.counts() == {"Case": 0, "Lead": 3, "Task": 3}
    assert "facebook-leads: 3 fetched, 0 refused" in synced.output

    found = ops.run("leads", "reconcile", "--since", "60d", "--network", "facebook")
    assert found.exit_code == 0, found.output
    assert "facebook:form1: 4 at the network, 1 missing (written now), 0 test lead(s)" in (
        found.output
    )
    assert "1 response(s) missed by the webhooks found" in found.output
    assert ops.counts() == {"Case": 0, "Lead": 4, "Task": 4}


def test_reconcile_past_retention_says_which_days_were_not_checked(
    world: tuple[Ops, GraphLeadsTwin],
) -> None:
    ops, _twin = world
    result = ops.run("leads", "reconcile", "--since", "120d", "--network", "facebook")
    assert result.exit_code == 0, result.output
    assert "gap: responses before" in result.output and "90 days" in result.output

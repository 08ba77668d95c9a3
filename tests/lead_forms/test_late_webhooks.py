"""Reconciliation tells the webhooks' part apart: notifications that never came (missed)
and those that came after the pull found the response or past the lag (late)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from pathlib import Path

from sf_social.lead_forms import LeadFormRules, to_post
from sf_social.posts import Network
from sf_social.sources.facebook import WebhookSpool
from sf_social.sources.facebook.normalize import split_events
from sf_social.sources.lead_deliveries import spool_deliveries
from sf_social.sources.memory import MemorySource
from sf_social.sync.lead_reconcile import ReconcileReport, Tally
from sf_social.sync.passes import sync_pass
from sf_social.testing.graph_leads import GraphLeadsTwin
from tests.cli.conftest import Ops
from tests.lead_forms.factory import SUBMITTED, response
from tests.lead_forms.test_cli_sync import world  # noqa: F401 (fixture)
from tests.sync.conftest import NOW, memory_engine

RULES = LeadFormRules()


def pull_of(*ids: str, name: str = "pull") -> MemorySource:
    """A pull reading ``ids`` (a new ``name`` reads from the start: the cursor is by name)."""
    source = MemorySource(name=name)
    source.posts.extend(to_post(response(i, email=f"{i}@example.org")) for i in ids)
    return source


def test_missed_and_late_notifications_are_counted_apart() -> None:
    webhook = MemorySource(name="webhooks")
    webhook.posts.extend(to_post(response(i, email=f"{i}@example.org")) for i in ("r0", "r1"))
    engine, _org, store = memory_engine([webhook])
    sync_pass(engine)  # the webhooks brought r0 and r1 (first seen at NOW)
    arrived = {"r0": SUBMITTED + timedelta(minutes=1), "r1": SUBMITTED + timedelta(hours=2)}

    def deliveries(network: Network, ids: Sequence[str]) -> Mapping[str, datetime]:
        return {i: arrived[i] for i in ids if i in arrived}

    first = ReconcileReport(since=SUBMITTED - timedelta(days=1))
    tally = Tally(pull_of("r0", "r1", "r2", "r3"), store, first, RULES, deliveries)
    sync_pass(engine, [tally])
    assert (first.found, first.missed, first.late) == (2, 2, 1)  # r2, r3 missed; r1 late
    assert "webhooks: 2 never delivered, 1 delivered late" in "\n".join(first.lines())

    arrived["r3"] = NOW + timedelta(hours=1)  # after the pull had found and written it
    second = ReconcileReport(since=SUBMITTED - timedelta(days=1))
    sync_pass(
        engine,
        [Tally(pull_of("r0", "r1", "r2", "r3", name="pull-2"), store, second, RULES, deliveries)],
    )
    assert (second.found, second.missed, second.late) == (0, 1, 2)
    assert second.to_json()["webhooks"] == {
        "known": True,
        "missed": 1,
        "late": 2,
        "late_after_seconds": 3600.0,
    }


def test_the_spool_says_when_each_notification_came(tmp_path: Path) -> None:
    twin = GraphLeadsTwin()
    lead = twin.add_lead("form1", {"email": "p@example.org"})
    spool = WebhookSpool(tmp_path / "facebook.db")
    spool.add(
        split_events({"object": "page", "entry": [{"id": "1", "changes": [twin.change(lead)]}]})
    )
    spool.close()
    deliveries = spool_deliveries(
        {Network.FACEBOOK: tmp_path / "facebook.db", Network.LINKEDIN: tmp_path / "none.db"}
    )
    assert deliveries is not None
    found = deliveries(Network.FACEBOOK, [lead, "999"])
    assert found is not None and set(found) == {lead}
    assert deliveries(Network.LINKEDIN, ["1"]) is None  # no spool: not told
    assert spool_deliveries({Network.FACEBOOK: tmp_path / "none.db"}) is None


def test_reconcile_json_and_text_name_the_missed_notifications(
    world: tuple[Ops, GraphLeadsTwin],  # noqa: F811
) -> None:
    ops, twin = world
    ids = [twin.add_lead("form1", {"email": f"p{n}@example.org"}) for n in range(3)]
    spool = WebhookSpool(ops.tmp / "facebook.db")
    for lead_id in ids[:2]:
        spool.add(
            split_events(
                {
                    "object": "page",
                    "entry": [{"id": twin.page_id, "changes": [twin.change(lead_id)]}],
                }
            )
        )
    spool.close()
    args = ("leads", "reconcile", "--since", "60d", "--network", "facebook")
    spooled = ("--facebook-spool", str(ops.tmp / "facebook.db"))
    result = ops.run(*args, *spooled, "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["found"] == 3 and report["webhooks"]["missed"] == 1
    assert report["forms"]["facebook:form1"]["missed"] == 1
    text = ops.run(*args, *spooled, "--late-after", "30d")
    assert "webhooks: 1 never delivered, 0 delivered late" in text.output

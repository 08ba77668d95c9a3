"""The demo's lead forms part: LinkedIn and Meta lead forms into the local org, on the twins.

Jane fills in a LinkedIn Lead Gen Form and a Meta lead ad: one Lead, two Tasks. Her
LinkedIn notification comes again: nothing new, no call. A LinkedIn test lead is skipped.
Max's Meta lead loses its webhook: ``leads reconcile`` reads the form back, finds him and
writes him. The twins (:mod:`sf_social.testing.graph_leads`,
:mod:`sf_social.testing.linkedin_leads`) answer the networks' calls in process; the org is
the demo's local org over HTTPS.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import responses

from sf_social.config import Config
from sf_social.config.lead_sources import graph_api, lead_source
from sf_social.posts import Network
from sf_social.sources.base import Source
from sf_social.sources.facebook.lead_pull import MetaLeadPull
from sf_social.sources.facebook.normalize import split_events
from sf_social.sources.facebook.spool import WebhookSpool
from sf_social.sources.lead_deliveries import RETENTION, spool_deliveries
from sf_social.sources.linkedin_api.lead_sync import LinkedInLeadSource
from sf_social.sources.linkedin_api.lead_webhook import LinkedInLeadRoute
from sf_social.sync.lead_reconcile import ReconcileReport, Tally, window
from sf_social.sync.passes import sync_pass
from sf_social.sync.runtime import Connect, Runtime
from sf_social.testing.graph_leads import GraphLeadsTwin
from sf_social.testing.linkedin_leads import LinkedInLeadsTwin

JANE = "jane.doe@northwind-demo.example"


def show_lead_forms(
    org: Any,
    server_url: str,
    config: Callable[[], Config],
    connect: Connect,
    folder: Path,
    echo: Callable[[str], None],
) -> bool:
    """Run the lead forms part and print it; ``True`` when every count is as it must be."""
    li, fb = LinkedInLeadsTwin(), GraphLeadsTwin()
    now = datetime.now(UTC) - timedelta(minutes=5)  # submitted a moment ago
    form = li.add_form("Demo request")
    ms = int(now.timestamp() * 1000)
    jane = {"FIRST_NAME": "Jane", "LAST_NAME": "Doe", "EMAIL": JANE}
    jane_li = li.add_response(form, jane, submitted_ms=ms)
    qa = {"EMAIL": "qa@northwind-demo.example"}
    test = li.add_response(form, qa, test=True, submitted_ms=ms)
    jane_fb = fb.add_lead("form1", {"full_name": "Jane Doe", "email": JANE}, created=now)
    max_ = {"full_name": "Max Roe", "email": "max@northwind-demo.example"}
    fb.add_lead("form1", max_, created=now)
    spools = {Network.FACEBOOK: folder / "facebook.db", Network.LINKEDIN: folder / "linkedin.db"}
    env = {"FB_PAGE_TOKEN": fb.token, "FB_PAGE_ID": fb.page_id, "LINKEDIN_ACCESS_TOKEN": li.token}

    def deliver(*urns: str, leads: tuple[str, ...] = ()) -> None:
        linkedin = WebhookSpool(spools[Network.LINKEDIN])
        route = LinkedInLeadRoute(li.client_secret, linkedin.add)
        for urn in urns:
            route.store(route.events(json.loads(li.notification(urn)[0])))
        linkedin.close()
        facebook = WebhookSpool(spools[Network.FACEBOOK])
        for lead in leads:
            entry = {"id": fb.page_id, "changes": [fb.change(lead)]}
            facebook.add(split_events({"object": "page", "entry": [entry]}))
        facebook.close()

    def webhooks() -> list[Source]:
        return [
            lead_source(n.value, "webhooks", env, spool=spools[n], name=f"{n.value}-leads")
            for n in (Network.LINKEDIN, Network.FACEBOOK)
        ]

    def counts() -> tuple[int, int]:
        return org.count("Lead"), org.count("Task")

    mock = responses.RequestsMock(assert_all_requests_are_fired=False)
    mock.add_passthru(server_url)
    runtime = Runtime(config(), connect=connect)
    try:
        runtime.lock()
        engine = runtime.connect()
        with mock, li.mock(mock), fb.mock(mock):
            echo("run 5: lead forms (LinkedIn Lead Gen Forms, Meta Lead Ads; twins of both)")
            leads, tasks = counts()
            deliver(jane_li, test, leads=(jane_fb,))  # Max's notification is lost
            sources = webhooks()
            sync_pass(engine, sources)
            linkedin = sources[0]
            assert isinstance(linkedin, LinkedInLeadSource)
            skipped = linkedin.counts.test_leads
            one = counts() == (leads + 1, tasks + 2) and skipped == 1
            echo(
                f"  Jane on LinkedIn and on Facebook: {counts()[0] - leads} Lead,"
                f" {counts()[1] - tasks} Tasks; {skipped} LinkedIn test lead skipped"
            )
            calls = org.api_calls
            deliver(jane_li, leads=(jane_fb,))  # delivered again
            sync_pass(engine, webhooks())
            again = counts() == (leads + 1, tasks + 2) and org.api_calls == calls
            echo(f"  her notifications again: nothing new, {org.api_calls - calls} API calls")
            start, _gap = window(RETENTION, datetime.now(UTC))
            report = ReconcileReport(since=start)
            graph, page = graph_api(env)
            rules = engine.intake.pipeline.playbook.lead_forms
            pull = MetaLeadPull(graph, page, start)
            sync_pass(engine, [Tally(pull, runtime.store, report, rules, spool_deliveries(spools))])
            found = report.found == 1 and counts() == (leads + 2, tasks + 3)
            echo(
                f"  reconcile: {report.found} response the webhooks never delivered found"
                f" and written (Max); {report.missed} missed, {report.late} late"
            )
    finally:
        runtime.close()
    echo("")
    if not (one and again and found):
        echo("LEAD FORMS: a count is not what it must be (see run 5)")
        return False
    return True

"""Reconciliation: what the webhooks dropped is found by the pull, and only that."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sf_social.lead_forms import LeadFormRules, to_post
from sf_social.retry import RetryPolicy
from sf_social.sources.facebook.graph import GraphApi, PageToken
from sf_social.sources.facebook.lead_pull import MetaLeadPull
from sf_social.sources.facebook.leadgen import to_response
from sf_social.sources.linkedin_api.client import LinkedInApi, LinkedInCredentials
from sf_social.sources.linkedin_api.lead_pull import LinkedInLeadPull
from sf_social.sources.memory import MemorySource
from sf_social.sync.lead_reconcile import ReconcileReport, Tally, window
from sf_social.sync.passes import sync_pass
from sf_social.testing.graph_leads import GraphLeadsTwin
from sf_social.testing.linkedin_leads import LinkedInLeadsTwin
from tests.sync.conftest import memory_engine

SINCE = datetime(2026, 11, 1, tzinfo=UTC)
RULES = LeadFormRules(test_emails=["*@qa.example"])


def test_a_window_past_retention_is_cut_and_the_gap_reported() -> None:
    now = datetime(2026, 12, 1, tzinfo=UTC)
    assert window(timedelta(days=7), now) == (now - timedelta(days=7), None)
    start, gap = window(timedelta(days=120), now)
    assert start == now - timedelta(days=90)
    assert gap is not None and "before 2026-09-02 cannot be checked" in gap


def test_meta_leads_the_webhook_dropped_are_found_and_written() -> None:
    twin = GraphLeadsTwin()
    ids = [twin.add_lead(f"form{n % 2}", {"email": f"p{n}@example.org"}) for n in range(30)]
    test = twin.add_lead("form0", {"email": "tester@qa.example"})  # never delivered
    delivered = twin.deliveries(ids, drop=0.3, seed=3)
    webhook = MemorySource(name="facebook-leads")
    webhook.posts.extend(to_post(to_response(twin.leads[i])) for i in delivered)
    engine, org, store = memory_engine([webhook])
    pipeline = engine.intake.pipeline
    pipeline.playbook = pipeline.playbook.model_copy(update={"lead_forms": RULES})
    sync_pass(engine)
    api = GraphApi(PageToken(twin.token), policy=RetryPolicy.instant())
    report = ReconcileReport(since=SINCE)
    with twin.mock():
        sync_pass(engine, [Tally(MetaLeadPull(api, twin.page_id, SINCE), store, report, RULES)])
    dropped = len(set(ids) - set(delivered))
    assert dropped > 0 and report.found == dropped
    assert sum(t.known for t in report.forms.values()) == 31
    assert report.forms["facebook:form0"].tests == 1 and test not in delivered
    assert set(report.forms) == {"facebook:form0", "facebook:form1"}
    assert len(org.records["Task"]) == 30
    assert twin.calls == {"GET /{page_id}/leadgen_forms": 1, "GET /{form_id}/leads": 2}

    again = ReconcileReport(since=SINCE)
    with twin.mock():
        sync_pass(engine, [Tally(MetaLeadPull(api, twin.page_id, SINCE), store, again, RULES)])
    assert again.found == 0 and len(org.records["Task"]) == 30


def test_linkedin_responses_are_reconciled_page_by_page_test_leads_apart() -> None:
    twin = LinkedInLeadsTwin()
    form = twin.add_form("Demo")
    for n in range(120):
        twin.add_response(form, {"EMAIL": f"p{n}@example.org"}, test=n == 7)
    api = LinkedInApi(LinkedInCredentials(twin.token), policy=RetryPolicy.instant())
    engine, org, store = memory_engine([])
    report = ReconcileReport(since=SINCE)
    pull = LinkedInLeadPull(api, twin.owner, SINCE, until=datetime(2026, 12, 1, tzinfo=UTC))
    with twin.mock():
        sync_pass(engine, [Tally(pull, store, report, RULES)])
    (tally,) = report.forms.values()
    assert (tally.known, tally.missing, tally.tests) == (120, 119, 1)
    assert len(org.records["Task"]) == 119 and len(org.records["Lead"]) == 119
    assert twin.calls == {"GET /leadFormResponses": 2, "GET /leadForms/{id}": 1}

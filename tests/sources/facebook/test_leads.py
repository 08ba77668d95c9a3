"""Meta Lead Ads: the leadgen webhook through the receiver, the fetch, the engine."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import responses

from sf_social.errors import SourceAuthError
from sf_social.posts import Network, PostKind
from sf_social.retry import RetryPolicy
from sf_social.sources.facebook import WebhookSpool
from sf_social.sources.facebook.graph import GraphApi, PageToken
from sf_social.sources.facebook.leads import FacebookLeadSource
from sf_social.sources.facebook.receiver import ReceiverConfig, WebhookServer, make_server
from sf_social.sync.passes import sync_pass
from sf_social.testing.graph_leads import GraphLeadsTwin
from tests.sources.facebook.test_receiver import post
from tests.sync.conftest import memory_engine

JANE = {"full_name": "Jane Doe", "email": "jane@acme.example", "company_name": "Acme"}


@pytest.fixture
def twin() -> GraphLeadsTwin:
    return GraphLeadsTwin(token="page-token", app_secret="s3cret")


@pytest.fixture
def spool(tmp_path: Path) -> Iterator[WebhookSpool]:
    store = WebhookSpool(tmp_path / "spool.db")
    yield store
    store.close()


@pytest.fixture
def server(spool: WebhookSpool, twin: GraphLeadsTwin) -> Iterator[WebhookServer]:
    srv = make_server(ReceiverConfig("verify", twin.app_secret, twin.page_id), spool, port=0)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()


def source(spool: WebhookSpool, twin: GraphLeadsTwin, sleeps: list[float]) -> FacebookLeadSource:
    api = GraphApi(PageToken(twin.token), policy=RetryPolicy.instant(attempts=3, sleeps=sleeps))
    return FacebookLeadSource(spool, api, twin.page_id)


def deliver(server: WebhookServer, twin: GraphLeadsTwin, lead_ids: list[str]) -> None:
    body, headers = twin.notification(lead_ids)
    assert post(server.server_address[1], body, headers["X-Hub-Signature-256"])[0] == 200


def test_a_signed_leadgen_notification_is_spooled_once_however_often_it_comes(
    server: WebhookServer, spool: WebhookSpool, twin: GraphLeadsTwin
) -> None:
    lead = twin.add_lead("form1", JANE)
    deliver(server, twin, [lead])
    deliver(server, twin, [lead, lead])
    assert spool.count() == 1
    body, _ = twin.notification([lead])
    assert post(server.server_address[1], body, "sha256=" + "0" * 64)[0] == 403


def test_each_lead_is_fetched_once_and_becomes_a_lead_form_post(
    server: WebhookServer, spool: WebhookSpool, twin: GraphLeadsTwin
) -> None:
    first = twin.add_lead("form1", JANE, consents={"newsletter": False})
    second = twin.add_lead("form1", {"email": "li@example.org"}, platform="ig")
    deliver(server, twin, [first, second])
    with twin.mock():
        (batch,) = source(spool, twin, []).pull(None)
    assert [p.id for p in batch.posts] == [f"lead:{first}", f"lead:{second}"]
    assert {p.kind for p in batch.posts} == {PostKind.LEAD_FORM}
    assert {p.network for p in batch.posts} == {Network.FACEBOOK}
    assert twin.calls["GET /{leadgen_id}"] == 2
    assert batch.cursor == {"seq": 2}


def test_a_deleted_lead_is_refused_and_the_others_go_on(
    server: WebhookServer, spool: WebhookSpool, twin: GraphLeadsTwin
) -> None:
    gone, kept = twin.add_lead("form1", JANE), twin.add_lead("form1", {"email": "x@y.example"})
    deliver(server, twin, [gone, kept])
    twin.delete_lead(gone)
    src = source(spool, twin, [])
    with twin.mock():
        (batch,) = src.pull(None)
    assert [p.id for p in batch.posts] == [f"lead:{kept}"]
    (refused,) = batch.rejected
    assert f"lead {gone}" in str(refused) and "code 100" in str(refused)
    assert src.counts.refused == 1


def test_an_answer_that_is_no_lead_refuses_that_event_only(
    server: WebhookServer, spool: WebhookSpool, twin: GraphLeadsTwin
) -> None:
    """Graph answering a lead's GET with a list, not an object: that event is refused with
    the reason, the next lead still syncs (it stopped the source on every pass)."""
    odd, kept = twin.add_lead("form1", JANE), twin.add_lead("form1", {"email": "x@y.example"})
    deliver(server, twin, [odd, kept])
    src = source(spool, twin, [])
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add(responses.GET, re.compile(rf".*/{odd}(\?.*)?$"), json=[])
        with twin.mock(mock):
            (batch,) = src.pull(None)
    assert [p.id for p in batch.posts] == [f"lead:{kept}"]
    (refused,) = batch.rejected
    assert f"lead {odd}" in str(refused) and "not an object" in str(refused)
    assert src.counts.refused == 1


def test_temporary_errors_are_retried_and_an_expired_token_stops_with_what_to_do(
    server: WebhookServer, spool: WebhookSpool, twin: GraphLeadsTwin
) -> None:
    deliver(server, twin, [twin.add_lead("form1", JANE)])
    sleeps: list[float] = []
    twin.fail_next(2)
    with twin.mock():
        (batch,) = source(spool, twin, sleeps).pull(None)
    assert len(batch.posts) == 1 and len(sleeps) == 1
    twin.fail_next(190)
    with twin.mock(), pytest.raises(SourceAuthError, match="FB_PAGE_TOKEN") as caught:
        list(source(spool, twin, []).pull(None))
    assert twin.token not in str(caught.value)


def test_webhook_to_org_one_task_per_lead_one_lead_per_person(
    server: WebhookServer, spool: WebhookSpool, twin: GraphLeadsTwin
) -> None:
    ids = [twin.add_lead("form1", JANE), twin.add_lead("form2", JANE)]
    ids += [twin.add_lead("form1", {"email": f"p{n}@example.org"}) for n in range(8)]
    for lead_id in twin.deliveries(ids, duplicate=0.5, reorder=0.3):
        deliver(server, twin, [lead_id])
    src = source(spool, twin, [])
    engine, org, _store = memory_engine([src])
    with twin.mock():
        report = sync_pass(engine)
    assert report.push.dead == 0
    tasks = org.records["Task"].values()
    assert sorted(t["Social_Post_Key__c"] for t in tasks) == sorted(
        f"facebook:lead:{i}" for i in ids
    )
    leads = list(org.records["Lead"].values())
    assert len(leads) == 9  # Jane's two forms make one Lead
    assert {lead["LeadSource"] for lead in leads} == {"Facebook Lead Ad"}

"""LinkedIn Lead Sync: the /linkedin route (challenge, X-LI-Signature), the fetch, the engine."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from sf_social.errors import SourceAuthError
from sf_social.posts import Network, PostKind
from sf_social.retry import RetryPolicy
from sf_social.sources.facebook import WebhookSpool
from sf_social.sources.facebook.receiver import ReceiverConfig, WebhookServer, make_server
from sf_social.sources.linkedin_api.client import (
    LEAD_SYNC_FORBIDDEN,
    LinkedInApi,
    LinkedInCredentials,
)
from sf_social.sources.linkedin_api.lead_sync import LinkedInLeadSource
from sf_social.sources.linkedin_api.lead_webhook import LinkedInLeadRoute, challenge_response
from sf_social.sync.passes import sync_pass
from sf_social.testing.linkedin_leads import LinkedInLeadsTwin
from tests.sources.facebook.test_receiver import request
from tests.sync.conftest import memory_engine

JANE = {"FIRST_NAME": "Jane", "LAST_NAME": "Doe", "EMAIL": "jane@acme.example"}


@pytest.fixture
def twin() -> LinkedInLeadsTwin:
    return LinkedInLeadsTwin(token="li-token", client_secret="li-s3cret")


@pytest.fixture
def spool(tmp_path: Path) -> Iterator[WebhookSpool]:
    store = WebhookSpool(tmp_path / "linkedin.db")
    yield store
    store.close()


@pytest.fixture
def server(tmp_path: Path, spool: WebhookSpool, twin: LinkedInLeadsTwin) -> Iterator[WebhookServer]:
    facebook = WebhookSpool(tmp_path / "facebook.db")
    route = LinkedInLeadRoute(twin.client_secret, spool.add)
    srv = make_server(ReceiverConfig("verify", "fb-secret"), facebook, port=0, routes=[route])
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()
    facebook.close()


def deliver(server: WebhookServer, body: bytes, headers: dict[str, str]) -> int:
    return request(server.server_address[1], "POST", "/linkedin", body, headers)[0]


def source(spool: WebhookSpool, twin: LinkedInLeadsTwin) -> LinkedInLeadSource:
    api = LinkedInApi(
        LinkedInCredentials(twin.token),
        policy=RetryPolicy.instant(attempts=3),
        forbidden=LEAD_SYNC_FORBIDDEN,
    )
    return LinkedInLeadSource(spool, api)


def test_the_challenge_is_answered_with_the_hmac_of_its_code(server: WebhookServer) -> None:
    port = server.server_address[1]
    status, text = request(port, "GET", "/linkedin?challengeCode=890e4665-4dfe")
    assert status == 200
    assert json.loads(text) == {
        "challengeCode": "890e4665-4dfe",
        "challengeResponse": challenge_response("890e4665-4dfe", "li-s3cret"),
    }
    assert request(port, "GET", "/linkedin")[0] == 400
    assert request(port, "GET", "/?hub.challenge=1")[0] == 403  # Facebook's stays Facebook's


def test_only_signed_notifications_are_stored_and_a_repeat_once(
    server: WebhookServer, spool: WebhookSpool, twin: LinkedInLeadsTwin
) -> None:
    urn = twin.add_response(twin.add_form("Demo"), JANE)
    body, headers = twin.notification(urn)
    assert deliver(server, body, headers) == 200
    assert deliver(server, body, headers) == 200
    prefixed = {**headers, "X-LI-Signature": "hmacsha256=" + headers["X-LI-Signature"]}
    assert deliver(server, body, prefixed) == 200
    assert spool.count() == 1
    assert deliver(server, body, {**headers, "X-LI-Signature": "0" * 64}) == 403
    assert deliver(server, body, {"Content-Type": "application/json"}) == 403
    signed_for_facebook = {**headers}
    assert request(server.server_address[1], "POST", "/", body, signed_for_facebook)[0] == 403


def test_responses_are_fetched_test_leads_counted_deletions_reported(
    server: WebhookServer, spool: WebhookSpool, twin: LinkedInLeadsTwin
) -> None:
    form = twin.add_form("Demo", questions=("Budget",))
    real = twin.add_response(form, {**JANE, "Budget": "10k"}, consent=False)
    test = twin.add_response(form, JANE, test=True)
    for urn, action in ((real, "CREATED"), (test, "CREATED"), (real, "DELETED")):
        assert deliver(server, *twin.notification(urn, action)) == 200
    src = source(spool, twin)
    with twin.mock():
        (batch,) = src.pull(None)
    assert [p.kind for p in batch.posts] == [PostKind.LEAD_FORM] * 2
    assert {p.network for p in batch.posts} == {Network.LINKEDIN}
    (deletion,) = batch.deletions
    assert deletion.post_id == f"lead:{real.rsplit(':', 1)[-1]}"
    assert (src.counts.fetched, src.counts.test_leads, src.counts.deleted) == (2, 1, 1)
    assert twin.calls == {"GET /leadFormResponses/{id}": 2, "GET /leadForms/{id}": 1}


def test_a_token_without_the_lead_sync_grant_stops_with_what_to_grant(
    server: WebhookServer, spool: WebhookSpool, twin: LinkedInLeadsTwin
) -> None:
    urn = twin.add_response(twin.add_form("Demo"), JANE)
    deliver(server, *twin.notification(urn))
    twin.fail_next(403)
    with twin.mock(), pytest.raises(SourceAuthError, match="r_marketing_leadgen_automation"):
        list(source(spool, twin).pull(None))


def test_notifications_to_org_one_task_per_response_no_test_lead_written(
    server: WebhookServer, spool: WebhookSpool, twin: LinkedInLeadsTwin
) -> None:
    form = twin.add_form("Demo")
    urns = [twin.add_response(form, JANE), twin.add_response(form, JANE)]
    urns += [twin.add_response(form, {"EMAIL": f"p{n}@example.org"}) for n in range(5)]
    test = twin.add_response(form, {"EMAIL": "qa@example.org"}, test=True)
    for urn in [*urns, test, *urns[:3]]:  # the first three delivered twice
        deliver(server, *twin.notification(urn))
    engine, org, _store = memory_engine([source(spool, twin)])
    with twin.mock():
        assert sync_pass(engine).push.dead == 0
    keys = sorted(t["Social_Post_Key__c"] for t in org.records["Task"].values())
    assert keys == sorted(f"linkedin:lead:{u.rsplit(':', 1)[-1]}" for u in urns)
    leads = list(org.records["Lead"].values())
    assert len(leads) == 6  # Jane twice is one Lead; the test lead is none
    assert {lead["LinkedIn_Lead_Activity__c"] for lead in leads} == {"Lead Form Submitted"}


def test_a_deleted_response_loses_its_answers_on_the_task(
    server: WebhookServer, spool: WebhookSpool, twin: LinkedInLeadsTwin
) -> None:
    urn = twin.add_response(twin.add_form("Demo", questions=("Budget",)), {**JANE, "Budget": "9k"})
    deliver(server, *twin.notification(urn))
    src = source(spool, twin)
    engine, org, _store = memory_engine([src])
    with twin.mock():
        sync_pass(engine)
        (task,) = org.records["Task"].values()
        assert "9k" in task["Description"]
        deliver(server, *twin.notification(urn, "DELETED"))
        sync_pass(engine)
    (task,) = org.records["Task"].values()
    assert "9k" not in task["Description"]
    (lead,) = org.records["Lead"].values()
    assert (lead["LastName"], lead.get("Email"), lead["Company"]) == (
        "[deleted]",
        None,
        "[deleted]",
    )
    assert "deleted by the person on LinkedIn" in lead["Description"]

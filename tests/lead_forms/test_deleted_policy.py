# ruff: noqa: F811  (the LinkedIn fixtures are imported from test_lead_sync)
"""A LinkedIn DELETED under the playbook's ``lead_forms.deleted_responses``: ``blank`` keeps
the Lead with its personal fields blanked, ``delete`` deletes the Lead we made unless other
activity hangs on it; a Lead of the org is never touched; the log names nobody."""

from __future__ import annotations

import logging

import pytest

from sf_social.deletions import PostDeletion, deletion_plan
from sf_social.lead_form_plan import blank_form_leads, plan_response
from sf_social.lead_forms import form_lead_key
from sf_social.playbook import load_playbook
from sf_social.posts import Network
from sf_social.sources.facebook import WebhookSpool
from sf_social.sources.facebook.receiver import WebhookServer
from sf_social.sync.engine import SyncEngine
from sf_social.sync.passes import sync_pass
from sf_social.testing.linkedin_leads import LinkedInLeadsTwin
from sf_social.testing.memory_org import InMemoryOrg
from tests.lead_forms.factory import response
from tests.salesforce.test_writer_emulator import connect, new_org
from tests.sources.linkedin_api.test_lead_sync import (  # noqa: F401 (fixtures)
    JANE,
    deliver,
    server,
    source,
    spool,
    twin,
)
from tests.sync.conftest import memory_engine


def engine_with(
    policy: str, spool: WebhookSpool, twin: LinkedInLeadsTwin
) -> tuple[SyncEngine, InMemoryOrg]:
    engine, org, _store = memory_engine([source(spool, twin)])
    pipeline = engine.intake.pipeline
    rules = pipeline.playbook.lead_forms.model_copy(update={"deleted_responses": policy})
    pipeline.playbook = pipeline.playbook.model_copy(update={"lead_forms": rules})
    return engine, org


def test_delete_removes_the_lead_we_made_and_logs_no_personal_data(
    server: WebhookServer,
    spool: WebhookSpool,
    twin: LinkedInLeadsTwin,
    caplog: pytest.LogCaptureFixture,
) -> None:
    urn = twin.add_response(twin.add_form("Demo"), JANE)
    deliver(server, *twin.notification(urn))
    engine, org = engine_with("delete", spool, twin)
    with twin.mock():
        sync_pass(engine)
        assert len(org.records["Lead"]) == 1
        deliver(server, *twin.notification(urn, "DELETED"))
        caplog.set_level(logging.DEBUG)
        report = sync_pass(engine)
    assert report.push.dead == 0
    assert org.records.get("Lead", {}) == {}
    assert "1 deleted, 0 blanked" in caplog.text
    assert "jane" not in caplog.text.casefold() and "doe" not in caplog.text.casefold()


def test_delete_blanks_instead_while_another_response_hangs_on_the_lead(
    server: WebhookServer, spool: WebhookSpool, twin: LinkedInLeadsTwin
) -> None:
    form = twin.add_form("Demo")
    first, second = twin.add_response(form, JANE), twin.add_response(form, JANE)
    for urn in (first, second):
        deliver(server, *twin.notification(urn))
    engine, org = engine_with("delete", spool, twin)
    with twin.mock():
        sync_pass(engine)
        deliver(server, *twin.notification(first, "DELETED"))
        assert sync_pass(engine).push.dead == 0
    (lead,) = org.records["Lead"].values()
    assert (lead["LastName"], lead.get("Email")) == ("[deleted]", None)


def test_delete_blanks_instead_when_an_agent_logged_activity(
    server: WebhookServer, spool: WebhookSpool, twin: LinkedInLeadsTwin
) -> None:
    urn = twin.add_response(twin.add_form("Demo"), JANE)
    deliver(server, *twin.notification(urn))
    engine, org = engine_with("delete", spool, twin)
    with twin.mock():
        sync_pass(engine)
        (lead_id,) = org.records["Lead"]
        org.add("Task", Subject="Call", WhoId=lead_id)  # an agent's call
        deliver(server, *twin.notification(urn, "DELETED"))
        sync_pass(engine)
    assert org.records["Lead"][lead_id]["LastName"] == "[deleted]"


def test_blank_is_the_default_and_keeps_the_lead(
    server: WebhookServer, spool: WebhookSpool, twin: LinkedInLeadsTwin
) -> None:
    urn = twin.add_response(twin.add_form("Demo"), JANE)
    deliver(server, *twin.notification(urn))
    engine, org, _store = memory_engine([source(spool, twin)])
    assert engine.intake.pipeline.playbook.lead_forms.deleted_responses == "blank"
    with twin.mock():
        sync_pass(engine)
        deliver(server, *twin.notification(urn, "DELETED"))
        sync_pass(engine)
    (lead,) = org.records["Lead"].values()
    assert lead["LastName"] == "[deleted]"


def test_a_lead_of_the_org_is_never_deleted(
    server: WebhookServer, spool: WebhookSpool, twin: LinkedInLeadsTwin
) -> None:
    urn = twin.add_response(twin.add_form("Demo"), JANE)
    deliver(server, *twin.notification(urn))
    engine, org = engine_with("delete", spool, twin)
    theirs = org.add("Lead", LastName="Doe", Company="Acme", Email="jane@acme.example")
    with twin.mock():
        sync_pass(engine)
        deliver(server, *twin.notification(urn, "DELETED"))
        assert sync_pass(engine).push.dead == 0
    (lead,) = org.records["Lead"].values()
    assert lead["Id"] == theirs and lead["LastName"] == "Doe"


def test_the_local_org_deletes_in_one_query_and_one_delete_call() -> None:
    org = new_org()
    with org.mock():
        made = response("r1")
        written = connect(org, read_limits_at_start=False).write(
            [plan_response(made, load_playbook())]
        )
        key = form_lead_key(made)
        deletion = PostDeletion(network=Network.LINKEDIN, post_id="lead:r1")
        plan = blank_form_leads(deletion_plan(deletion, None), [key], delete=True)
        writer = connect(org, read_limits_at_start=False)
        report = writer.write([plan], written.ids)
    statuses = [o.status.value for o in report.results[0].outcomes]
    assert statuses == ["updated", "deleted"]  # the Task blanked, then the Lead deleted
    assert org.count("Lead") == 0
    assert report.api_calls == 3  # the Task's update, the activity query, the delete

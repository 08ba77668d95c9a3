"""A form from a person the org already knows (a Lead or Contact we did not make) updates
them: empty fields filled, agents' values kept, an opt-out added and never taken back."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from sf_social.lead_form_plan import plan_response
from sf_social.lead_forms import to_post
from sf_social.playbook import Playbook, load_playbook
from sf_social.posts import Network
from sf_social.salesforce import SalesforceWriter
from sf_social.sync.passes import sync_pass
from sf_social.testing import LocalOrg
from tests.lead_forms.factory import response
from tests.salesforce.test_writer_emulator import connect, new_org
from tests.sync.conftest import Rig


def with_consent(playbook: Playbook) -> Playbook:
    rules = playbook.lead_forms.model_copy(update={"email_consents": ["marketing"]})
    return playbook.model_copy(update={"lead_forms": rules})


def test_a_known_lead_gets_its_empty_fields_filled_and_keeps_the_agents(rig: Rig) -> None:
    pipeline = rig.engine.intake.pipeline
    pipeline.playbook = with_consent(pipeline.playbook)
    theirs = rig.org.add(
        "Lead", LastName="Doe", Company="Acme Corp", Email="jane.doe@acme.example", Title="VP"
    )
    rig.feed(to_post(response("r1", consents={"marketing": False})))
    report = sync_pass(rig.engine)
    assert report.push.dead == 0
    (lead,) = rig.records("Lead")
    assert lead["Id"] == theirs
    assert lead["Title"] == "VP" and lead["Company"] == "Acme Corp"  # the agent's values
    assert lead["FirstName"] == "Jane" and lead["Phone"] == "+49 30 1234"  # were empty
    assert lead["Country"] == "DE" and lead["HasOptedOutOfEmail"] is True
    assert "Social_Profile_Key__c" not in lead


def test_a_later_form_neither_overwrites_nor_takes_the_opt_out_back(rig: Rig) -> None:
    pipeline = rig.engine.intake.pipeline
    pipeline.playbook = with_consent(pipeline.playbook)
    theirs = rig.org.add("Lead", LastName="Doe", Company="Acme", Email="jane.doe@acme.example")
    rig.feed(to_post(response("r1", consents={"marketing": False})))
    sync_pass(rig.engine)
    second = response(
        "9001",
        network=Network.FACEBOOK,
        answers={"phone_number": "+1 555 0100", "job_title": "CEO"},
        consents={"marketing": True},
    )
    rig.feed(to_post(second))
    calls = len(rig.org.calls)
    sync_pass(rig.engine)
    (lead,) = rig.records("Lead")
    assert lead["Id"] == theirs
    assert (lead["Phone"], lead["Title"], lead["HasOptedOutOfEmail"]) == (
        "+49 30 1234",
        "CTO",
        True,
    )
    assert len(rig.records("Task")) == 2
    assert "update Lead" not in rig.org.calls[calls:]  # nothing left to add to the Lead


def test_a_known_contact_gets_its_empty_fields_filled(rig: Rig) -> None:
    contact = rig.org.add("Contact", LastName="Doe", Email="jane.doe@acme.example", Phone="+1 2")
    rig.feed(to_post(response("r1")))
    sync_pass(rig.engine)
    (row,) = [c for c in rig.records("Contact") if c["Id"] == contact]
    assert row["Phone"] == "+1 2" and row["Title"] == "CTO" and row["FirstName"] == "Jane"
    assert rig.records("Lead") == []


@pytest.fixture
def org() -> Iterator[LocalOrg]:
    org = new_org()
    with org.mock():
        yield org


def test_the_local_org_updates_the_known_lead_by_id_in_the_batch_calls(org: LocalOrg) -> None:
    playbook = with_consent(load_playbook())
    theirs = org.insert("Lead", LastName="Doe", Company="Acme", Email="jane.doe@acme.example")
    known = org.insert("Lead", LastName="Roe", Company="Beta", Email="max@beta.example")
    org.update_record("Lead", known, Phone="+33 1", HasOptedOutOfEmail=True)
    writer: SalesforceWriter = connect(org, read_limits_at_start=False)
    plans = [
        plan_response(response("r1", consents={"marketing": False}), playbook),
        plan_response(
            response("r2", email="max@beta.example", consents={"marketing": True}), playbook
        ),
    ]
    report = writer.write(plans)
    assert not any(k.startswith("failed") for k in report.counts()), report.summary()
    jane, max_ = org.record("Lead", theirs), org.record("Lead", known)
    assert jane is not None and max_ is not None
    assert (jane["Title"], jane["Phone"], jane["HasOptedOutOfEmail"]) == (
        "CTO",
        "+49 30 1234",
        True,
    )
    assert (max_["Phone"], max_["Title"], max_["HasOptedOutOfEmail"]) == ("+33 1", "CTO", True)
    assert org.count("Lead") == 2 and org.count("Task") == 2
    # lookups, the Lead updates, the Tasks, the consent query (this org has no consent objects)
    assert report.api_calls == 4

    again = connect(org, read_limits_at_start=False).write(plans)  # a replay: nothing left to fill
    assert org.count("Lead") == 2 and org.count("Task") == 2
    assert again.api_calls == 3  # lookups, the Tasks refreshed by key, the consent query

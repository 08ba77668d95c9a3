"""Lead form responses through the sync engine on the in-memory twins."""

from __future__ import annotations

from sf_social.lead_forms import to_post
from sf_social.posts import Network
from sf_social.privacy import Person
from sf_social.state.privacy import PersonMatch
from sf_social.sync.passes import sync_pass
from tests.lead_forms.factory import response
from tests.sync.conftest import Rig


def test_one_lead_per_person_one_task_per_response_and_repeats_change_nothing(rig: Rig) -> None:
    first = to_post(response("r1"))
    rig.feed(first, to_post(response("r2", form_id="f2")), first)  # a repeated notification
    rig.feed(to_post(response("9001", network=Network.FACEBOOK)))  # the same person on Meta
    report = sync_pass(rig.engine)
    assert report.push.dead == 0
    (lead,) = rig.records("Lead")
    assert lead["Email"] == "jane.doe@acme.example"
    tasks = {t["Social_Post_Key__c"]: t for t in rig.records("Task")}
    assert set(tasks) == {"linkedin:lead:r1", "linkedin:lead:r2", "facebook:lead:9001"}
    assert {t["WhoId"] for t in tasks.values()} == {lead["Id"]}
    calls = rig.org.api_calls

    rig.feed(to_post(response("r1")), to_post(response("9001", network=Network.FACEBOOK)))
    again = sync_pass(rig.engine)
    assert again.intake["feed"].queued == 0
    assert len(rig.records("Lead")) == 1 and len(rig.records("Task")) == 3
    assert rig.org.api_calls == calls


def test_an_email_of_a_known_contact_links_the_contact_and_makes_no_lead(rig: Rig) -> None:
    contact = rig.org.add("Contact", LastName="Doe", Email="JANE.DOE@acme.example")
    rig.feed(to_post(response("r1")))
    sync_pass(rig.engine)
    assert rig.records("Lead") == []
    (task,) = rig.records("Task")
    assert task["WhoId"] == contact


def test_a_declined_consent_reaches_a_known_contact(rig: Rig) -> None:
    pipeline = rig.engine.intake.pipeline
    rules = pipeline.playbook.lead_forms.model_copy(update={"email_consents": ["marketing"]})
    pipeline.playbook = pipeline.playbook.model_copy(update={"lead_forms": rules})
    contact = rig.org.add("Contact", LastName="Doe", Email="jane.doe@acme.example")
    rig.feed(to_post(response("r1", consents={"marketing": False})))
    sync_pass(rig.engine)
    (row,) = [c for c in rig.records("Contact") if c["Id"] == contact]
    assert row["HasOptedOutOfEmail"] is True


def test_test_leads_write_nothing(rig: Rig) -> None:
    rig.feed(to_post(response("r1", test=True)))
    report = sync_pass(rig.engine)
    assert report.intake["feed"].new == 1
    assert rig.records("Lead") == [] and rig.records("Task") == []


def test_an_email_of_a_lead_we_did_not_make_gets_the_task_and_no_twin(rig: Rig) -> None:
    theirs = rig.org.add("Lead", LastName="Doe", Company="Acme", Email="Jane.Doe@acme.example")
    rig.feed(to_post(response("r1")), to_post(response("9001", network=Network.FACEBOOK)))
    report = sync_pass(rig.engine)
    assert report.push.dead == 0
    (lead,) = rig.records("Lead")
    assert lead["Id"] == theirs and "Social_Profile_Key__c" not in lead  # left as it was
    assert {t["WhoId"] for t in rig.records("Task")} == {theirs}


def test_a_converted_lead_is_no_match(rig: Rig) -> None:
    rig.org.add(
        "Lead", LastName="Doe", Company="Acme", Email="jane.doe@acme.example", IsConverted=True
    )
    rig.feed(to_post(response("r1")))
    sync_pass(rig.engine)
    assert len(rig.records("Lead")) == 2


def test_a_person_erased_by_email_is_not_written_again(rig: Rig) -> None:
    person = Person(email="JANE.DOE@acme.example")
    rig.store.erase_person(PersonMatch(person.digests(), person.needles()))
    rig.feed(to_post(response("r1")))
    report = sync_pass(rig.engine)
    assert report.intake["feed"].suppressed == 1
    assert rig.records("Lead") == [] and rig.records("Task") == []


def test_an_erasure_by_email_finds_the_lead_forms_already_synced(rig: Rig) -> None:
    """A form's author has only an email: the ledger keeps its digest, so an erasure by
    email marks those posts erased (a replay never plans them again)."""
    rig.feed(to_post(response("r1")))
    sync_pass(rig.engine)
    person = Person(email="JANE.DOE@acme.example")
    found = rig.store.erase_person(PersonMatch(person.digests(), person.needles()))
    assert found.ledger == 1 and found.post_keys == ("linkedin:lead:r1",)

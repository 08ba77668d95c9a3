"""Erasure reaches the consents lead forms recorded and their Lead's Individual."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from sf_social.lead_form_plan import plan_response
from sf_social.playbook import Playbook, load_playbook
from sf_social.privacy import Person
from sf_social.salesforce.rest import RestOrgApi
from sf_social.state.memory import MemoryStateStore
from sf_social.sync.erasure import Erasure, ErasurePolicy
from sf_social.testing import LocalOrg
from sf_social.testing.standard import enable_data_privacy
from tests.lead_forms.factory import response
from tests.salesforce.test_writer_emulator import connect, new_org

JANE = Person(email="jane.doe@acme.example")


@pytest.fixture
def playbook() -> Playbook:
    base = load_playbook()
    rules = base.lead_forms.model_copy(update={"email_consents": ["marketing"]})
    return base.model_copy(update={"lead_forms": rules})


@pytest.fixture
def org(playbook: Playbook) -> Iterator[LocalOrg]:
    """An org with the privacy objects where Jane filled in a form, declining marketing."""
    org = new_org()
    enable_data_privacy(org.schema)
    with org.mock():
        plan = plan_response(response("r1", consents={"marketing": False}), playbook)
        assert connect(org, read_limits_at_start=False).write([plan]).stopped is None
        yield org


def erase(org: LocalOrg, policy: ErasurePolicy) -> dict[str, int]:
    writer = connect(org, read_limits_at_start=False)
    assert isinstance(writer.api, RestOrgApi)
    report = Erasure(MemoryStateStore(), writer.api, policy=policy).run(JANE)
    assert not report.failed
    return {**report.found, **report.done}


def test_her_consents_and_her_leads_individual_are_deleted(org: LocalOrg) -> None:
    assert org.count("ContactPointTypeConsent") == org.count("Individual") == 1

    done = erase(org, ErasurePolicy())

    assert (done["individuals"], done["consents"]) == (1, 1)
    assert (done["consents_deleted"], done["individuals_deleted"], done["leads_deleted"]) == (
        1,
        1,
        1,
    )
    assert org.count("ContactPointTypeConsent") == org.count("Individual") == 0
    assert org.count("Lead") == 0


def test_a_kept_lead_keeps_its_individual_blanked(org: LocalOrg) -> None:
    done = erase(org, ErasurePolicy(leads="blank", tasks="blank"))

    assert done["individuals_blanked"] == 1 and done["consents_deleted"] == 1
    (individual,) = org.records("Individual")
    assert (individual["FirstName"], individual["LastName"]) == (None, "[erased]")
    assert "doe" not in repr(org.records("Individual")).casefold()


def test_a_second_run_finds_nothing_left(org: LocalOrg) -> None:
    erase(org, ErasurePolicy())
    again = erase(org, ErasurePolicy())
    assert "individuals" not in again and again["leads"] == 0


def test_the_individual_a_contact_shares_is_kept(org: LocalOrg) -> None:
    (individual,) = org.records("Individual")
    org.insert(
        "Contact",
        LastName="Doe",
        Email="jane.doe@acme.example",  # converted: the Contact shares the Lead's Individual
        IndividualId=individual["Id"],
    )

    done = erase(org, ErasurePolicy())

    assert done["consents_deleted"] == 1 and "individuals_deleted" not in done
    assert [i["Id"] for i in org.records("Individual")] == [individual["Id"]]

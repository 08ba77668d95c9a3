"""Lead form consents as Individual and ContactPointTypeConsent where the org has them, only
HasOptedOutOfEmail where it does not; never twice on a replay."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import pytest

from sf_social.lead_form_plan import plan_response
from sf_social.playbook import Playbook, load_playbook
from sf_social.posts import Network
from sf_social.salesforce.api import CallAnswer, CollectionCall, ErrorDetail, RecordResult
from sf_social.salesforce.budget import ApiBudget
from sf_social.salesforce.consent import _link_individuals
from sf_social.salesforce.results import Status
from sf_social.state.codec import decode_plan, encode_plan
from sf_social.testing import LocalOrg
from sf_social.testing.standard import enable_data_privacy
from tests.lead_forms.factory import response
from tests.salesforce.test_writer_emulator import connect, new_org


@pytest.fixture
def playbook() -> Playbook:
    base = load_playbook()
    rules = base.lead_forms.model_copy(update={"email_consents": ["marketing"]})
    return base.model_copy(update={"lead_forms": rules})


@pytest.fixture
def org() -> Iterator[LocalOrg]:
    org = new_org()
    enable_data_privacy(org.schema)
    with org.mock():
        yield org


def test_consents_become_an_individual_and_its_consents_once(
    org: LocalOrg, playbook: Playbook
) -> None:
    plans = [
        plan_response(response("r1", consents={"marketing": False}), playbook),
        plan_response(
            response("9001", network=Network.FACEBOOK, consents={"marketing": True}), playbook
        ),
    ]
    report = connect(org, read_limits_at_start=False).write(plans)
    assert report.stopped is None
    (lead,) = org.records("Lead")
    (individual,) = org.records("Individual")
    assert lead["IndividualId"] == individual["Id"] and individual["LastName"] == "Doe"
    assert lead["HasOptedOutOfEmail"] is True
    consents = {c["Name"]: c for c in org.records("ContactPointTypeConsent")}
    assert {n: c["PrivacyConsentStatus"] for n, c in consents.items()} == {
        "linkedin:lead:r1:marketing": "OptOut",
        "facebook:lead:9001:marketing": "OptIn",
    }
    optout = consents["linkedin:lead:r1:marketing"]
    assert optout["PartyId"] == individual["Id"] and optout["ContactPointType"] == "Email"
    assert optout["CaptureSource"] == "LinkedIn lead form Demo request (f1)"
    assert optout["CaptureDate"] and optout["EffectiveFrom"]
    # the lookups, the Lead, the Tasks; the consent query, the Individual, its link, the consents
    assert report.api_calls == 7

    again = connect(org, read_limits_at_start=False).write(plans)  # a replay
    assert org.count("Individual") == 1 and org.count("ContactPointTypeConsent") == 2
    statuses = {
        o.status
        for r in again.results
        for o in r.outcomes
        if o.sobject == "ContactPointTypeConsent"
    }
    assert statuses == {Status.UNCHANGED}


def test_a_known_contact_gets_the_consent_on_its_individual(
    org: LocalOrg, playbook: Playbook
) -> None:
    contact = org.insert("Contact", LastName="Doe", Email="jane.doe@acme.example")
    plan = plan_response(response("r1", consents={"marketing": False}), playbook)
    connect(org, read_limits_at_start=False).write([plan])
    row = org.record("Contact", contact)
    assert row is not None and row["HasOptedOutOfEmail"] is True
    (consent,) = org.records("ContactPointTypeConsent")
    assert consent["PartyId"] == row["IndividualId"]
    assert org.count("Lead") == 0


def test_an_org_without_the_objects_keeps_only_the_opt_out(playbook: Playbook) -> None:
    org = new_org()
    with org.mock():
        writer = connect(org, read_limits_at_start=False)
        first = writer.write(
            [plan_response(response("r1", consents={"marketing": False}), playbook)]
        )
        second = writer.write(
            [plan_response(response("r2", consents={"marketing": False}), playbook)]
        )
    (lead,) = org.records("Lead")
    assert lead["HasOptedOutOfEmail"] is True
    (consent,) = [o for o in first.results[0].outcomes if o.sobject == "ContactPointTypeConsent"]
    assert consent.status is Status.SKIPPED and "Data Protection and Privacy" in (
        consent.note or ""
    )
    assert all(o.ok for o in first.results[0].outcomes)
    assert second.api_calls == 3  # lookups, the Lead refreshed, the Task: no consent query


def test_a_plan_with_consents_round_trips_through_the_outbox(playbook: Playbook) -> None:
    plan = plan_response(response("r1", consents={"marketing": True}), playbook)
    assert [w.sobject for w in plan.writes] == ["Lead", "Task", "ContactPointTypeConsent"]
    assert decode_plan(encode_plan(plan)) == plan


class LinkRefused:
    """An org that creates Individuals but refuses to link them (a locked row)."""

    def __init__(self) -> None:
        self.budget = ApiBudget()  # usage unknown: writes go on
        self.deleted: list[str] = []

    def create(self, records: Sequence[Mapping[str, Any]]) -> list[RecordResult]:
        return [RecordResult(True, id=f"0PK{n}", created=True) for n, _ in enumerate(records)]

    def write(self, calls: Sequence[CollectionCall]) -> list[CallAnswer]:
        locked = ErrorDetail("UNABLE_TO_LOCK_ROW", "unable to obtain exclusive access")
        return [[RecordResult(False, errors=(locked,)) for _ in call.records] for call in calls]

    def delete(self, ids: Sequence[str]) -> list[RecordResult]:
        self.deleted.extend(ids)
        return [RecordResult(True, id=i) for i in ids]


def test_an_individual_its_person_cannot_be_linked_to_is_deleted() -> None:
    org = LinkRefused()
    jane = ("Contact", "003000000000001")
    individuals: dict[tuple[str, str], str] = {}

    _link_individuals(org, {jane}, individuals, {jane: {"LastName": "Doe"}})  # type: ignore[arg-type]

    assert org.deleted == ["0PK0"]  # it would hold her name where erasure cannot look
    assert jane not in individuals  # her consents wait for a linked Individual (retried)

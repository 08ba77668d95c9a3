"""Erasure on the in-memory twins: the org's records and the store's rows of one person."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from sf_social.errors import SalesforceApiError, SfSocialError
from sf_social.posts import Network
from sf_social.privacy import Person
from sf_social.salesforce.api import RecordResult
from sf_social.sync.erasure import Erasure, ErasurePolicy
from sf_social.sync.passes import intake_pass, sync_pass
from tests.sync.conftest import Rig, tweet

ANA = {"id": "u7", "handle": "ana", "name": "Ana Lima", "followers": 340}
COMPLAINT = "@NorthwindHelp my card was charged twice and nobody answers #fail"


def test_a_pending_write_of_the_person_is_never_sent(rig: Rig) -> None:
    rig.feed(tweet("1", COMPLAINT, author=ANA), tweet("2", COMPLAINT))
    intake_pass(rig.store, rig.engine.intake, rig.source)  # planned, not pushed yet

    report = Erasure(rig.store, rig.org).run(Person(Network.TWITTER, "ana"))

    assert report.local.outbox == 1  # her post's plan: a Case and a Task
    assert report.found == {"leads": 0, "contacts": 0, "cases": 0, "tasks": 0}
    sync_pass(rig.engine)
    cases = rig.records("Case")
    assert [c["Social_Handle__c"] for c in cases] == ["dana"]  # only the other customer's
    assert "ana lima" not in repr(rig.org.records).casefold()


def test_an_email_finds_the_lead_and_the_handle_it_carries(rig: Rig) -> None:
    lead = rig.org.add(
        "Lead",
        LastName="Lima",
        Company="Acme",
        Email="ana@example.com",
        Social_Handle__c="ana",
        Social_Network__c="Twitter",
        Social_Profile_Key__c="twitter:user:u7",
    )
    rig.feed(tweet("1", COMPLAINT, author=ANA))
    sync_pass(rig.engine)
    assert len(rig.records("Task")) == 1

    policy = ErasurePolicy(leads="blank", tasks="blank")
    report = Erasure(rig.store, rig.org, policy=policy).run(Person(email="ANA@example.com"))

    assert report.found == {"leads": 1, "contacts": 0, "cases": 1, "tasks": 1}
    assert report.done == {
        "tasks_blanked": 1,
        "leads_blanked": 1,
        "cases_blanked": 1,
        "contacts_blanked": 0,
    }
    kept = rig.org.records["Lead"][lead]
    assert (kept["LastName"], kept["Email"], kept["Social_Handle__c"]) == ("[erased]", None, None)
    (task,) = rig.records("Task")
    assert task["Description"] is None and task["Subject"] == "[erased]"
    assert report.local.suppressed == 2  # her email and, from the Lead, her handle
    rig.feed(tweet("9", COMPLAINT, author=ANA))
    sync_pass(rig.engine)
    assert len(rig.records("Task")) == 1  # suppressed


def test_a_linkedin_slug_finds_the_lead_by_its_profile_key(rig: Rig) -> None:
    lead = rig.org.add(
        "Lead", LastName="Doe", Company="Acme", Social_Profile_Key__c="linkedin:profile:jane-doe"
    )
    rig.org.add(
        "Task",
        Subject="LinkedIn: Message Received",
        WhoId=lead,
        Social_Post_Key__c="linkedin:msg-1",
    )
    rig.org.add("Task", Subject="Call", WhoId=lead)  # an agent's own Task: not ours to erase

    report = Erasure(rig.store, rig.org).run(Person(Network.LINKEDIN, "Jane-Doe"))

    assert report.found == {"leads": 1, "contacts": 0, "cases": 0, "tasks": 1}
    assert lead not in rig.org.records["Lead"]
    assert [t["Subject"] for t in rig.records("Task")] == ["Call"]


def test_an_org_failing_midway_still_leaves_the_audit_line_and_the_local_erasure(
    rig: Rig,
) -> None:
    rig.feed(tweet("1", COMPLAINT, author=ANA))
    sync_pass(rig.engine)
    delete = rig.org.delete

    def down(ids: Sequence[str]) -> list[RecordResult]:
        raise SalesforceApiError("delete", "SERVER_UNAVAILABLE", "down", transient=True)

    rig.org.delete = down  # type: ignore[method-assign]
    with pytest.raises(SfSocialError):
        Erasure(rig.store, rig.org).run(Person(Network.TWITTER, "ana"))

    (line,) = rig.store.audit_log()
    assert line.detail["org_failed"] == {"stopped: SalesforceApiError": 1}
    assert rig.store.suppressed(Person(Network.TWITTER, "ana").digests())  # done locally
    rig.org.delete = delete  # type: ignore[method-assign]
    again = Erasure(rig.store, rig.org).run(Person(Network.TWITTER, "ana"))  # the rest
    assert again.done["tasks_deleted"] == 1 and again.found["cases"] == 1

"""A LinkedIn export through the sync engine: Leads with forward-only activity, Tasks,
known Contacts, and a re-import that changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from sf_social.pipeline import Pipeline
from sf_social.playbook import load_playbook
from sf_social.sources.linkedin import ForwardOnlyPipeline, LinkedInExportSource
from sf_social.state import MemoryStateStore
from sf_social.sync.engine import PassReport, SyncEngine
from sf_social.sync.passes import sync_pass
from sf_social.sync.push import PushPolicy
from sf_social.testing import InMemoryOrg, InMemoryWriter
from tests.sources.linkedin import exports as ex
from tests.sync.conftest import QUEUES

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


class Rig:
    def __init__(self, pipeline_class: type[Pipeline] = ForwardOnlyPipeline) -> None:
        self.org = InMemoryOrg()
        for queue in QUEUES:
            self.org.add_queue(queue)
        self.store = MemoryStateStore()
        self.store.migrate()
        self.pipeline = pipeline_class(load_playbook())

    def run(self, path: Path, batch_size: int = 500) -> PassReport:
        source = LinkedInExportSource(path, batch_size=batch_size, name="linkedin")
        engine = SyncEngine(
            self.store,
            self.pipeline,
            InMemoryWriter(self.org),
            self.org,
            [source],
            PushPolicy(backoff_base=timedelta(seconds=10)),
            worker_id="test",
            clock=lambda: NOW,
        )
        return sync_pass(engine)

    def records(self, sobject: str) -> list[dict[str, Any]]:
        return list(self.org.records.get(sobject, {}).values())

    def lead(self, slug: str) -> dict[str, Any]:
        lead = self.org.by_key("Lead", f"linkedin:profile:{slug}")
        assert lead is not None, slug
        return lead

    def snapshot(self) -> dict[str, Any]:
        return {s: {i: dict(r) for i, r in recs.items()} for s, recs in self.org.records.items()}


def test_an_export_becomes_leads_with_their_furthest_activity_and_tasks(tmp_path: Path) -> None:
    rig = Rig()
    report = rig.run(ex.write_export(tmp_path / "e", ex.FULL))
    assert report.push.dead == 0 and not report.errors
    jane = rig.lead("jane-doe")
    assert jane["LinkedIn_Lead_Activity__c"] == "Message Received"
    assert (jane["FirstName"], jane["LastName"]) == ("Jane", "Doe")
    assert (jane["Company"], jane["Title"], jane["Email"]) == (
        "Acme Corp",
        "CTO",
        "jane@acme.example",
    )
    assert jane["LeadSource"] == "LinkedIn"
    assert rig.lead("omar-haddad")["LinkedIn_Lead_Activity__c"] == "Connection Request Confirmed"
    assert rig.lead("lena-park")["LinkedIn_Lead_Activity__c"] == "Connection Request Received"
    tasks = rig.records("Task")
    assert len(tasks) == 6
    on_jane = [t for t in tasks if t.get("WhoId") == jane["Id"]]
    assert len(on_jane) == 4
    types = sorted(t["Type"] for t in on_jane)
    assert types.count("LinkedIn Message") == 2
    subjects = {t["Subject"] for t in on_jane}
    assert "LinkedIn: Connection Request Sent" in subjects
    assert "LinkedIn: Message Received" in subjects


def test_reimporting_the_same_export_changes_nothing(tmp_path: Path) -> None:
    rig = Rig()
    path = ex.zip_export(tmp_path / "export.zip", ex.FULL)
    rig.run(path)
    before, calls = rig.snapshot(), rig.org.api_calls
    again = rig.run(path)
    assert again.intake["linkedin"].queued == 0
    assert rig.snapshot() == before and rig.org.api_calls == calls
    # the same export as a folder, read from scratch with a fresh cursor: still nothing
    rig.store.commit_batch("linkedin", {}, [], [])
    third = rig.run(ex.write_export(tmp_path / "dir", ex.FULL))
    assert third.intake["linkedin"].duplicates == 6 and third.intake["linkedin"].queued == 0
    assert rig.snapshot() == before


def test_older_rows_imported_later_never_move_the_activity_back(tmp_path: Path) -> None:
    rig = Rig()
    rig.run(ex.write_export(tmp_path / "first", {"Connections.csv": ex.CONNECTIONS}))
    assert rig.lead("jane-doe")["LinkedIn_Lead_Activity__c"] == "Connection Request Confirmed"
    # a later export holds the older outgoing invitation (Sent, January) too
    later = {"Connections.csv": ex.CONNECTIONS, "Invitations.csv": ex.INVITATIONS}
    report = rig.run(ex.write_export(tmp_path / "second", later))
    assert report.intake["linkedin"].queued == 2  # the two invitations, logged as Tasks
    assert rig.lead("jane-doe")["LinkedIn_Lead_Activity__c"] == "Connection Request Confirmed"
    assert len(rig.records("Task")) == 4


def test_a_later_export_with_fewer_files_never_moves_the_activity_back(tmp_path: Path) -> None:
    """The org's value counts, not just the export's: LinkedIn lets members pick files."""
    rig = Rig()
    rig.run(ex.write_export(tmp_path / "full", ex.FULL))
    assert rig.lead("jane-doe")["LinkedIn_Lead_Activity__c"] == "Message Received"
    rig.store.commit_batch("linkedin", {}, [], [])  # another export: read from scratch
    rig.store.forget_posts(NOW - timedelta(days=1))
    rig.run(ex.write_export(tmp_path / "connections", {"Connections.csv": ex.CONNECTIONS}))
    assert rig.lead("jane-doe")["LinkedIn_Lead_Activity__c"] == "Message Received"
    assert rig.lead("omar-haddad")["LinkedIn_Lead_Activity__c"] == "Connection Request Confirmed"


def test_an_activity_an_agent_moved_further_stays(tmp_path: Path) -> None:
    rig = Rig()
    rig.run(ex.write_export(tmp_path / "first", {"Connections.csv": ex.CONNECTIONS}))
    rig.lead("jane-doe")["LinkedIn_Lead_Activity__c"] = "InMail Sent"  # set in Salesforce
    report = rig.run(ex.write_export(tmp_path / "second", ex.FULL))
    assert report.intake["linkedin"].queued > 0 and report.push.dead == 0
    assert rig.lead("jane-doe")["LinkedIn_Lead_Activity__c"] == "InMail Sent"


@pytest.mark.parametrize("pipeline_class", [ForwardOnlyPipeline, Pipeline])
@pytest.mark.parametrize("batch_size", [1, 2, 500])
def test_within_one_import_the_order_of_rows_does_not_matter(
    tmp_path: Path, pipeline_class: type[Pipeline], batch_size: int
) -> None:
    # newest rows first in every file, in batches of every size; even the stock pipeline
    # ends on the furthest activity (advancing events are batched last)
    files = {
        "Connections.csv": ex.CONNECTIONS,
        "Invitations.csv": ex.INVITATIONS,
        "messages.csv": _reversed_messages(),
    }
    rig = Rig(pipeline_class)
    rig.run(ex.write_export(tmp_path / "e", files), batch_size=batch_size)
    assert rig.lead("jane-doe")["LinkedIn_Lead_Activity__c"] == "Message Received"


def test_a_known_contact_gets_the_tasks_and_no_lead(tmp_path: Path) -> None:
    rig = Rig()
    contact = rig.org.add(
        "Contact", LastName="Haddad", LinkedIn_Profile_Key__c="linkedin:profile:omar-haddad"
    )
    by_email = rig.org.add("Contact", LastName="Doe", Email="jane@acme.example")
    rig.run(ex.write_export(tmp_path / "e", ex.FULL))
    slugs = {lead["Social_Profile_Key__c"] for lead in rig.records("Lead")}
    assert slugs == {"linkedin:profile:lena-park"}
    tasks = rig.records("Task")
    assert sum(t.get("WhoId") == contact for t in tasks) == 1
    assert sum(t.get("WhoId") == by_email for t in tasks) == 4


def _reversed_messages() -> str:
    header, first, second = (
        ex.MESSAGES.split("\n", 1)[0],
        ex.MESSAGES.split("\n")[1],
        "\n".join(ex.MESSAGES.split("\n")[2:4]),
    )
    return f"{header}\n{second}\n{first}\n"

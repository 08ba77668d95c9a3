"""read_org / plan_deploy / render_diff and `sf-social metadata diff` on the local org."""

from __future__ import annotations

import sys

import pytest

from sf_social.cli.main import main
from sf_social.metadata.components import MetadataPackage
from sf_social.metadata.diff import OrgState, plan_deploy, read_org, render_diff
from sf_social.metadata.mdapi import MetadataApi, MetadataRecord
from sf_social.metadata.merge import PicklistValue
from sf_social.testing import LocalOrg


def test_diff_lists_fields_to_add_and_values_to_add(
    api: MetadataApi, package: MetadataPackage, org: LocalOrg
) -> None:
    diff = plan_deploy(package, read_org(api, package))

    assert set(org.metadata_api.calls) == {"readMetadata"}  # a diff only reads
    members = {f.member for f in package.fields}
    assert set(diff.fields_present) == {"Lead.LinkedIn_Lead_Activity__c", "Lead.Social_Handle__c"}
    assert set(diff.fields_to_add) == members - set(diff.fields_present)
    assert diff.changes
    assert diff.conflicts == ()

    lines = render_diff(diff)
    assert lines[0] == f"Custom fields to add ({len(members) - 2}):"
    assert "  + Case.Social_Thread_Key__c" in lines
    assert "  + Lead.Social_Handle__c" not in lines
    assert (
        "Custom objects, validation rules, report types, reports, dashboards, notification types,"
        " custom permissions and quick actions (13), deployed as they are" in "".join(lines)
    )
    assert "  Dashboard Social_Care/Social_Care" in lines
    assert "  CustomObject Social_Reply__c" in lines
    assert "  QuickAction Case.Social_Reply" in lines
    origin = lines.index("  CaseOrigin:")
    assert lines[origin + 1 : origin + 9] == [
        "    + Facebook",
        "    + LinkedIn",
        "    + Instagram",
        "    + YouTube",
        "    re-activate Social Media",
        "    keep the org's 'twitter' for our 'Twitter' (differs only in case)",
        "    keep 4 org value(s) our file lacks: Phone, Email, Web, Partner Portal",
        "  CaseType: nothing to add",
    ]
    assert "  LeadSource (shared by Lead.LeadSource and Account.AccountSource):" in lines
    task_type = lines.index("  TaskType:")
    assert lines[task_type + 1 : task_type + 4] == [  # the org's "Tweet" is reused, not listed
        "    + Social Message",
        "    + LinkedIn Message",
        "    keep 4 org value(s) our file lacks: Call, Email, Meeting, Other",
    ]
    activity = lines.index("  Lead.LinkedIn_Lead_Activity__c:")
    assert lines[activity + 4 : activity + 7] == [
        "    + Lead Form Submitted",
        "    re-activate InMail Sent",
        "    keep 1 org value(s) our file lacks: Event Met",
    ]
    assert lines[-2].startswith("Deploying metadata/ as is (e.g. `sf project deploy start`)")
    assert lines[-1] == "A deploy would change the org."


def _org_with_everything(package: MetadataPackage) -> OrgState:
    return OrgState(
        value_sets={
            s.name: MetadataRecord(
                "StandardValueSet",
                s.name,
                values=tuple(PicklistValue(v.full_name, v.label) for v in s.values),
            )
            for s in package.value_sets
        },
        fields={
            f.member: MetadataRecord(
                "CustomField",
                f.member,
                field_type=f.type,
                values=tuple(PicklistValue(v.full_name, v.label) for v in f.values),
            )
            for f in package.fields
        },
        queues={
            q.name: MetadataRecord("Queue", q.name, sobjects=q.sobjects, source=q.source)
            for q in package.queues
        },
    )


def test_nothing_to_deploy_when_the_org_has_it_all(package: MetadataPackage) -> None:
    diff = plan_deploy(package, _org_with_everything(package))
    assert not diff.changes
    lines = render_diff(diff)
    assert lines[:2] == ["Custom fields to add (0):", "  (none)"]
    assert "  CaseOrigin: nothing to add" in lines
    assert "  Social_Sales: nothing to add" in lines
    assert not any("keep" in line or "Deploying" in line for line in lines)
    assert lines[-1] == "Nothing to deploy."


def test_picklist_on_a_global_value_set_is_a_conflict(package: MetadataPackage) -> None:
    org = _org_with_everything(package)
    fields = dict(org.fields)
    fields["Case.Social_Sentiment__c"] = MetadataRecord(
        "CustomField", "Case.Social_Sentiment__c", field_type="Picklist", value_set_name="Mood"
    )
    diff = plan_deploy(package, OrgState(org.value_sets, fields))
    assert diff.conflicts == (
        "Case.Social_Sentiment__c takes its values from the global value set Mood in the org:"
        " add our values there in Setup",
    )
    assert "  ! " + diff.conflicts[0] in render_diff(diff)


def test_a_value_known_to_the_org_by_label_only_is_a_conflict(package: MetadataPackage) -> None:
    """The org's 'TW' labelled 'Twitter': the integration would write a value it lacks."""
    org = _org_with_everything(package)
    sets = dict(org.value_sets)
    sets["CaseOrigin"] = MetadataRecord(
        "StandardValueSet",
        "CaseOrigin",
        values=tuple(
            PicklistValue("TW", "Twitter") if v.full_name == "Twitter" else v
            for v in org.value_sets["CaseOrigin"].values
        ),
    )
    diff = plan_deploy(package, OrgState(sets, org.fields))
    (conflict,) = diff.conflicts
    assert conflict.startswith("CaseOrigin: the org's 'TW' carries the label of our 'Twitter'")
    assert "rename the org value's API name to 'Twitter'" in conflict


def test_cli_diff(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], org: LocalOrg
) -> None:
    monkeypatch.setenv("SF_INSTANCE_URL", org.instance_url)
    monkeypatch.setenv("SF_ACCESS_TOKEN", org.access_token)
    monkeypatch.setattr(sys, "argv", ["sf-social", "metadata", "diff"])
    with pytest.raises(SystemExit) as exited:
        main()
    assert exited.value.code == 0
    out = capsys.readouterr().out
    assert "    re-activate Social Media" in out
    assert out.rstrip().endswith("A deploy would change the org.")
    assert "deploy" not in org.metadata_api.calls


def test_a_routed_queue_in_neither_the_package_nor_the_org_is_a_conflict(
    package: MetadataPackage,
) -> None:
    org = _org_with_everything(package)
    queues = {**org.queues, "Triage": MetadataRecord("Queue", "Triage", sobjects=("Case",))}
    with_triage = OrgState(org.value_sets, org.fields, queues)

    assert plan_deploy(package, with_triage, ["Triage"]).conflicts == ()
    assert len(plan_deploy(package, org, ["Triage", "Desk"]).conflicts) == 2
    assert plan_deploy(package, org, ["Desk"]).conflicts == (
        "the playbook routes to queue Desk, which is neither in metadata/queues nor in the org:"
        " add queues/Desk.queue-meta.xml, create the queue in Setup or fix routing",
    )

"""``sf-social doctor`` against the local org: what it lacks, each with its fix; exit codes."""

from __future__ import annotations

import json
from typing import Any

from tests.cli.conftest import Ops


def checks(ops: Ops, *args: str) -> tuple[int, dict[str, dict[str, Any]]]:
    result = ops.run("doctor", "--json", *args)
    rows = json.loads(result.stdout)["checks"]
    return result.exit_code, {f"{r['area']} {r['name']}": r for r in rows}


def test_a_ready_org_passes_every_check(doc: Ops) -> None:
    result = doc.run("doctor")

    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert all(line.startswith("ok ") for line in lines[:-1]), result.stdout
    assert f"org id: {doc.org.org_id[:15]} (Northwind, production)" in result.stdout
    assert "queue Social_Sales: accepts Case, Lead" in result.stdout
    assert "API version: v63.0 offered" in result.stdout
    assert lines[-1].startswith("ready: ")


def test_everything_the_org_lacks_is_listed_with_its_fix(doc: Ops) -> None:
    schema = doc.org.schema
    schema.remove_field("Case", "Social_Thread_Key__c")
    schema.field("Lead", "Social_Handle__c").updateable = False
    schema.remove_picklist_value("Case", "Social_Sentiment__c", "Negative")
    schema.remove_picklist_value("Case", "Origin", "Twitter")
    legal = doc.org.find("Group", "DeveloperName", "Social_Legal")[0]["Id"]
    for row in doc.org.records("QueueSobject"):
        if row["QueueId"] == legal:
            doc.org.store.table("QueueSobject").pop(row["Id"])
    pr = doc.org.find("Group", "DeveloperName", "Social_PR")[0]["Id"]
    for row in doc.org.records("GroupMember"):
        if row["GroupId"] == pr:
            doc.org.store.table("GroupMember").pop(row["Id"])

    code, found = checks(doc)

    assert code == 1
    failing = {k: (r["detail"], r["fix"]) for k, r in found.items() if r["status"] == "fail"}
    assert failing["salesforce fields Case"][0] == "missing Social_Thread_Key__c"
    assert "metadata deploy" in failing["salesforce fields Case"][1]
    assert failing["salesforce fields Lead"][0] == ("not editable by this user: Social_Handle__c")
    assert "SF_Social_Integration" in failing["salesforce fields Lead"][1]
    assert "Social_Sentiment__c (Negative)" in failing["salesforce picklists Case"][0]
    assert "Origin (Twitter)" in failing["salesforce picklists Case"][0]
    assert failing["salesforce queue Social_Legal"][0] == "does not accept Case"
    assert found["salesforce queue Social_PR"]["status"] == "warn"
    assert "no members" in found["salesforce queue Social_PR"]["detail"]
    assert found["salesforce permission set"]["status"] == "ok"  # assigned
    assert found["state reachable"]["status"] == "ok"  # later areas still checked


def test_a_rejected_token_fails_the_login_and_the_rest_is_still_checked(doc: Ops) -> None:
    doc.env["SF_ACCESS_TOKEN"] = "00Dxx0000001gPF!zqzqzqzq"
    doc.env["FB_APP_SECRET"] = None
    config = doc.tmp / "sf-social.toml"
    config.write_text(
        '[[sources]]\ntype = "facebook_webhooks"\nspool = "fb.db"\nname = "facebook"\n'
    )

    code, found = checks(doc, "--config", str(config))

    assert code == 1
    assert found["salesforce login"]["status"] == "fail"
    assert "SF_ACCESS_TOKEN" in found["salesforce login"]["detail"]
    assert "zqzqzqzq" not in json.dumps(found)  # the token itself is never printed
    facebook = found["sources facebook"]
    assert (facebook["status"], facebook["detail"]) == (
        "fail",
        "FB_APP_SECRET and FB_VERIFY_TOKEN not set",
    )
    assert found["state reachable"]["status"] == "ok"


def test_invalid_settings_fail_with_exit_1_and_a_usage_error_is_2(doc: Ops) -> None:
    doc.env["SF_SOCIAL_PUSH_BATCH_SIZE"] = "many"

    invalid = doc.run("doctor")
    usage = doc.run("doctor", "--colour")

    assert invalid.exit_code == 1
    assert invalid.stdout.startswith("fail  config      settings: ")
    assert "SF_SOCIAL_PUSH_BATCH_SIZE" in invalid.stdout
    assert usage.exit_code == 2


def test_no_permission_set_assignment_is_a_warn_when_every_field_is_editable(doc: Ops) -> None:
    doc.org.store.table("PermissionSetAssignment").clear()

    code, found = checks(doc)

    assert code == 0
    permission = found["salesforce permission set"]
    assert permission["status"] == "warn" and "a profile grants access" in permission["detail"]
    doc.org.schema.field("Task", "Social_Network__c").createable = False
    code, found = checks(doc)
    assert (code, found["salesforce permission set"]["status"]) == (1, "fail")


def test_a_missing_queue_and_low_api_headroom(doc: Ops) -> None:
    sales = doc.org.find("Group", "DeveloperName", "Social_Sales")[0]["Id"]
    doc.org.store.table("Group").pop(sales)
    doc.org.api_usage = doc.org.daily_limit - 100

    code, found = checks(doc)

    assert code == 1
    assert found["salesforce queue Social_Sales"]["detail"] == "no such queue"
    assert "Setup > Queues" in found["salesforce queue Social_Sales"]["fix"]
    assert found["salesforce API headroom"]["status"] == "warn"

"""Severity follows the thread on the local org, as `sf-social sync` runs it: one pass
raises the Case, notifies its queue when the playbook says so, and leaves a priority an
agent chose alone."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sf_social.bundled import bundled_path
from tests.cli.conftest import Ops, tweet
from tests.cli.test_sync_status import configure

QUESTION = "@NorthwindHelp how do I change my card PIN?"
LAWYER = "@NorthwindHelp still no answer, my lawyer and the regulator will hear about this"


def reply(post_id: str, root: str) -> dict[str, Any]:
    return tweet(
        post_id,
        LAWYER,
        author={"id": f"u{root}", "handle": f"user{root}", "followers": 300},
        conversation_id=root,
        in_reply_to_id=root,
        created_at="2026-11-20T11:30:00Z",
    )


def notifying_playbook(folder: Path) -> Path:
    text = (bundled_path("mappings") / "default.yaml").read_text(encoding="utf-8")
    assert "  notify_queue: false" in text
    path = folder / "playbook.yaml"
    path.write_text(text.replace("  notify_queue: false", "  notify_queue: true"), "utf-8")
    return path


def test_one_pass_raises_the_case_and_notifies_its_queue(ops: Ops) -> None:
    playbook = notifying_playbook(ops.tmp)
    openers = [
        tweet(n, QUESTION, author={"id": f"u{n}", "handle": f"user{n}", "followers": 300})
        for n in ("1", "2")
    ]
    configure(ops, ops.feed("a.jsonl", *openers), top=f'playbook = "{playbook}"\n')
    assert ops.run("sync", "--once").exit_code == 0
    cases = {c["Social_Thread_Key__c"]: c for c in ops.org.records("Case")}
    agents = cases["twitter:thread:2"]
    ops.org.update_record("Case", agents["Id"], Priority="Medium")  # an agent's choice

    feed = ops.feed("b.jsonl", *openers, reply("11", "1"), reply("12", "2"))
    configure(ops, feed, top=f'playbook = "{playbook}"\n')
    result = ops.run("sync", "--once")
    assert result.exit_code == 0, result.output

    after = {c["Social_Thread_Key__c"]: c for c in ops.org.records("Case")}
    ours, theirs = after["twitter:thread:1"], after["twitter:thread:2"]
    assert (ours["Social_Severity__c"], ours["Priority"], ours["Social_Escalated__c"]) == (
        "High",
        "High",
        True,
    )
    assert (theirs["Social_Severity__c"], theirs["Priority"]) == ("High", "Medium")
    owners = {c["Id"]: c["OwnerId"] for c in after.values()}
    sent = {n.target_id: n.recipient_ids for n in ops.org.notifications.sent}
    assert sent == {ours["Id"]: (owners[ours["Id"]],), theirs["Id"]: (owners[theirs["Id"]],)}
    assert all(owner.startswith("00G") for owner in owners.values())  # queues
    bodies = {n.target_id: n.body for n in ops.org.notifications.sent}
    assert bodies[ours["Id"]].endswith("Priority raised.")
    assert bodies[theirs["Id"]].endswith("Priority left as an agent set it.")

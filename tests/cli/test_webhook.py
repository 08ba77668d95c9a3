"""``sf-social webhook sync``: the spool's events planned (with ``--model``) and written."""

from __future__ import annotations

from pathlib import Path

from sf_social.sources.facebook import WebhookSpool
from sf_social.sources.facebook.normalize import split_events
from tests.cli.conftest import Ops
from tests.sources.facebook import payloads as fb
from tests.tiny_model import IDEA, corrupt_model


def spool_of(ops: Ops, *comments: tuple[str, str]) -> Path:
    """A spool holding one page comment per ``(comment id, text)``."""
    path = ops.tmp / "spool.db"
    spool = WebhookSpool(path)
    for comment_id, text in comments:
        spool.add(split_events(fb.comment(comment_id=comment_id, message=text)))
    spool.close()
    return path


def test_webhook_sync_plans_with_the_model(ops: Ops, tiny_model: Path) -> None:
    spool = spool_of(ops, ("PAGEPOST_1_C1", IDEA))
    rules = ops.run("webhook", "sync", "--spool", str(spool))
    assert rules.exit_code == 0, rules.output
    assert ops.counts() == {"Case": 0, "Lead": 0, "Task": 0}  # the rules alone: no segment

    spool_of(ops, ("PAGEPOST_1_C2", IDEA))
    ops.env["SF_SOCIAL_MODEL"] = str(corrupt_model(ops.tmp / "broken.npz"))
    learned = ops.run("webhook", "sync", "--spool", str(spool), "--model", str(tiny_model))
    assert learned.exit_code == 0, learned.output  # the flag wins over SF_SOCIAL_MODEL
    assert ops.segments("Case") == ["Suggestion"]


def test_webhook_sync_with_an_unusable_model_exits_2_before_reading(ops: Ops) -> None:
    spool = spool_of(ops, ("PAGEPOST_1_C1", IDEA))
    ops.env["SF_SOCIAL_MODEL"] = str(corrupt_model(ops.tmp / "broken.npz"))
    result = ops.run("webhook", "sync", "--spool", str(spool))
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(f"error: model {ops.tmp / 'broken.npz'}: not a model file")
    assert ops.counts() == {"Case": 0, "Lead": 0, "Task": 0}
    assert ops.ledger() == {}


def test_a_comment_removed_on_facebook_is_blanked_in_the_org_by_the_next_sync(ops: Ops) -> None:
    spool = spool_of(ops, ("PAGEPOST_1_C1", fb.COMPLAINT))
    assert ops.run("webhook", "sync", "--spool", str(spool)).exit_code == 0
    assert ops.counts() == {"Case": 1, "Lead": 0, "Task": 1}
    assert fb.COMPLAINT in repr(ops.org.records("Case"))

    removal = WebhookSpool(spool)
    removal.add(split_events(fb.comment(comment_id="PAGEPOST_1_C1", verb="remove")))
    removal.close()
    result = ops.run("webhook", "sync", "--spool", str(spool))

    assert result.exit_code == 0, result.output
    assert ops.counts() == {"Case": 1, "Lead": 0, "Task": 1}  # kept, blanked
    (task,) = ops.org.records("Task")
    assert task["Subject"] == "Post deleted by its author" and task["Social_Post_URL__c"] is None
    (case,) = ops.org.records("Case")
    assert case["Subject"] == "[post deleted by its author]" and case["Status"] == "New"
    assert fb.COMPLAINT not in repr(ops.org.records("Case") + ops.org.records("Task"))

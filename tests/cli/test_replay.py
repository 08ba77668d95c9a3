"""``sf-social replay --since``: a window planned and sent again, nothing created twice."""

from __future__ import annotations

from pathlib import Path

from tests.cli.conftest import LEAD, PRAISE, Ops, tweet
from tests.tiny_model import IDEA, corrupt_model


def test_replay_sends_the_window_again_without_twins(ops: Ops) -> None:
    feed = ops.feed("posts.jsonl", tweet("1"), tweet("2", PRAISE), tweet("3", LEAD))
    assert ops.run("import", str(feed)).exit_code == 0
    before = ops.counts()
    (case,) = ops.org.records("Case")
    ops.org.update_record("Case", case["Id"], Status="Working", Social_Influence_Tier__c=None)
    calls = ops.org.api_calls

    name = f"jsonl:{feed}"
    result = ops.run("replay", "--since", "1h", "--source", name)
    assert result.exit_code == 0, result.output
    assert "3 posts to send again" in result.stderr
    assert "pulled=3 rejected=0 new=3 planned=3 written=3 records=5" in result.stdout
    progress = [line.split(", ")[0] for line in result.stderr.splitlines() if "%" in line]
    assert progress == [
        "reading again: 100% (3 posts of 3 posts)",
        "sending: 100% (3 plans of 3 plans)",
    ]
    assert ops.org.api_calls > calls  # sent again...
    assert ops.counts() == before  # ...and nothing doubled
    (case,) = ops.org.records("Case")
    assert case["Status"] == "Working"  # an agent's field is the agent's
    assert case["Social_Influence_Tier__c"] == "1,000+ Followers"  # sync-owned: refreshed

    later = ops.run("replay", "--since", "2099-01-01T00:00:00Z", "--source", name)
    assert later.exit_code == 0 and "0 posts to send again" in later.stderr
    assert "new=0" in later.stdout


def test_replay_refuses_an_unknown_source(ops: Ops) -> None:
    result = ops.run("replay", "--since", "1h", "--source", "nope")
    assert result.exit_code == 2
    assert "unknown source(s) nope" in result.stderr
    bad = ops.run("replay", "--since", "yesterday-ish")
    assert bad.exit_code == 2 and "neither a time" in bad.output


def test_replay_with_a_new_model_sends_its_decisions(ops: Ops, tiny_model: Path) -> None:
    feed = ops.feed("posts.jsonl", tweet("1", IDEA), tweet("2", PRAISE))
    assert ops.run("import", str(feed)).exit_code == 0
    assert ops.counts() == {"Case": 0, "Lead": 0, "Task": 1}  # the rules: IDEA is nothing
    name = f"jsonl:{feed}"
    before = ops.ledger()

    broken = corrupt_model(ops.tmp / "broken.npz")
    refused = ops.run("replay", "--since", "1h", "--source", name, "--model", str(broken))
    assert refused.exit_code == 2, refused.output
    assert refused.stderr.startswith(f"error: model {broken}: not a model file")
    assert ops.ledger() == before  # nothing forgotten

    result = ops.run("replay", "--since", "1h", "--source", name, "--model", str(tiny_model))
    assert result.exit_code == 0, result.output
    assert "2 posts to send again" in result.stderr
    (case,) = ops.org.records("Case")
    assert case["Social_Segment__c"] == "Suggestion"
    assert case["Social_Thread_Key__c"] == "twitter:thread:1"
    assert ops.counts() == {"Case": 1, "Lead": 0, "Task": 2}  # the PRAISE Task not twinned

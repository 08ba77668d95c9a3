"""``sf-social linkedin import`` (and ``import --format linkedin``) with ``--model``."""

from __future__ import annotations

import re
from pathlib import Path

from tests.cli.conftest import Ops
from tests.sources.linkedin import exports as ex
from tests.tiny_model import IDEA, corrupt_model


def export_with_idea(ops: Ops) -> Path:
    """The full export, Jane's reply being ``IDEA`` (no segment to the rules)."""
    messages = ex.MESSAGES.replace('"Happy to chat.\nNext week?"', f'"{IDEA}"')
    assert messages != ex.MESSAGES
    return ex.zip_export(ops.tmp / "export.zip", {**ex.FULL, "messages.csv": messages})


def idea_task_segments(ops: Ops) -> list[str | None]:
    tasks = ops.org.records("Task")
    return [t.get("Social_Segment__c") for t in tasks if IDEA in str(t.get("Description"))]


def test_linkedin_import_plans_with_the_model(ops: Ops, tiny_model: Path) -> None:
    result = ops.run("linkedin", "import", str(export_with_idea(ops)), "--model", str(tiny_model))
    assert result.exit_code == 0, result.output
    assert idea_task_segments(ops) == ["Suggestion"]  # the rules alone: none


def test_import_format_linkedin_passes_the_model_on(ops: Ops, tiny_model: Path) -> None:
    ops.env["SF_SOCIAL_MODEL"] = str(tiny_model)
    result = ops.run("import", "--format", "linkedin", str(export_with_idea(ops)))
    assert result.exit_code == 0, result.output
    assert idea_task_segments(ops) == ["Suggestion"]


def test_linkedin_import_without_a_model_keeps_the_rules(ops: Ops) -> None:
    result = ops.run("linkedin", "import", str(export_with_idea(ops)))
    assert result.exit_code == 0, result.output
    assert idea_task_segments(ops) == [None]
    # events, plans and record writes counted apart; progress as plain lines (not a terminal)
    found = re.search(r"6 planned, 6 written \((\d+) record writes\)", result.stdout)
    landed = len(ops.org.records("Task")) + len(ops.org.records("Lead"))
    assert found and int(found[1]) >= landed > 6, result.stdout
    assert "events: 100% (" in result.stderr and "sending: 100% (" in result.stderr


def test_an_unusable_model_stops_the_linkedin_import_with_exit_2(ops: Ops) -> None:
    broken = corrupt_model(ops.tmp / "broken.npz")
    export = export_with_idea(ops)
    for args in (["linkedin", "import"], ["import", "--format", "linkedin"]):
        result = ops.run(*args, str(export), "--model", str(broken))
        assert result.exit_code == 2, result.output
        assert result.stderr.startswith(f"error: model {broken}: not a model file")
    assert ops.counts() == {"Case": 0, "Lead": 0, "Task": 0}

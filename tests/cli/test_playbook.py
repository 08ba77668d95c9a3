"""``sf-social playbook init|check``: a copy of the bundled playbook to edit, and its check."""

from __future__ import annotations

import contextlib
from pathlib import Path

from sf_social.playbook import default_playbook_path, load_playbook
from tests.cli.conftest import Ops


def test_init_copies_the_default_and_check_accepts_it(ops: Ops) -> None:
    with contextlib.chdir(ops.tmp):
        made = ops.run("playbook", "init")
        assert made.exit_code == 0, made.output
        path = ops.tmp / "playbook.yaml"
        assert path.read_text(encoding="utf-8") == default_playbook_path().read_text("utf-8")
        assert "sf-social playbook check playbook.yaml" in made.output
        checked = ops.run("playbook", "check", "playbook.yaml")
    assert checked.exit_code == 0, checked.output
    assert checked.output.startswith("ok: playbook.yaml: 7 segments, routed to")
    assert load_playbook(path).brand == load_playbook().brand


def test_init_never_overwrites_without_force(ops: Ops) -> None:
    path = ops.tmp / "mine.yaml"
    path.write_text("# my edits\n", encoding="utf-8")
    refused = ops.run("playbook", "init", str(path))
    assert refused.exit_code == 2 and "--force" in refused.output
    assert path.read_text(encoding="utf-8") == "# my edits\n"
    assert ops.run("playbook", "init", str(path), "--force").exit_code == 0
    assert path.read_text(encoding="utf-8") != "# my edits\n"


def test_check_names_each_problem(ops: Ops, tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    text = default_playbook_path().read_text(encoding="utf-8")
    broken.write_text(text.replace("review_queue:", "review_queues:", 1), encoding="utf-8")
    result = ops.run("playbook", "check", str(broken))
    assert result.exit_code == 2
    assert f"{broken}:" in result.output and "review_queue" in result.output

"""``sf-social train --from-org``: learn from the agents' corrections, replace the model in
use only when the new one is better on held-back corrections."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.cli.conftest import Ops
from tests.cli.test_sync_status import configure
from tests.corrections import corpus, correct

pytest.importorskip("sklearn")

SEED = Path(__file__).parent.parent / "data" / "labelled_posts.jsonl"


@pytest.fixture
def corrected(ops: Ops) -> tuple[Ops, Path]:
    """2,000 posts synced with a model trained on the seed set, then 300 corrections."""
    in_use = ops.tmp / "in-use.npz"
    assert ops.run("train", str(SEED), "--output", str(in_use)).exit_code == 0
    lines: list[dict[str, Any]] = corpus(2_000)
    feed = ops.feed("posts.jsonl", *(line["post"] for line in lines))
    configure(ops, feed, top=f'model = "{in_use}"\n')
    assert ops.run("sync", "--once").exit_code == 0
    assert len(correct(ops.org, lines, 300)) == 300
    return ops, in_use


def test_a_model_trained_from_the_org_beats_the_one_in_use(corrected: tuple[Ops, Path]) -> None:
    ops, in_use = corrected
    new = ops.tmp / "new.npz"
    result = ops.run("train", "--from-org", str(SEED), "--output", str(new))
    assert result.exit_code == 0, result.output
    err = result.stderr
    assert "30 closed as not an issue, 270 corrected" in err
    found = re.search(r"held-back corrections, .*: new ([\d.]+), in use ([\d.]+)", err)
    assert found is not None
    assert float(found[1]) > float(found[2])
    assert f"(in use: {in_use})" in err
    assert new.exists()


def test_no_model_is_written_below_the_floor(corrected: tuple[Ops, Path]) -> None:
    ops, _ = corrected
    new = ops.tmp / "new.npz"
    new.write_bytes(b"the model in use")
    result = ops.run(
        "train", "--from-org", str(SEED), "--output", str(new), "--min-f1", "segment=0.99"
    )
    assert result.exit_code == 1
    assert "below the floor: segment macro F1" in result.stderr
    assert new.read_bytes() == b"the model in use"


def test_evaluate_measures_a_model_on_the_corrections(corrected: tuple[Ops, Path]) -> None:
    ops, in_use = corrected
    result = ops.run("evaluate", "--from-org", "--model", str(in_use), "--json")
    assert result.exit_code == 0, result.output
    tasks = json.loads(result.stdout)["tasks"]
    # a corrected segment is one the model in use got wrong (a "not an issue" may not be)
    assert 0 < tasks["segment"]["posts"] <= 300 and tasks["segment"]["accuracy"] < 0.05, tasks
    floored = ops.run("evaluate", "--from-org", "--model", str(in_use), "--min-f1", "segment=0.5")
    assert floored.exit_code == 1


def test_labelled_files_or_the_org_are_needed(ops: Ops) -> None:
    result = ops.run("train", "--output", str(ops.tmp / "m.npz"))
    assert result.exit_code == 2
    assert "give LABELLED files, --from-org, or both" in result.output


def test_the_comparison_options_need_the_org(ops: Ops) -> None:
    result = ops.run(
        "train", str(SEED), "--output", str(ops.tmp / "m.npz"), "--min-f1", "segment=0.5"
    )
    assert result.exit_code == 2
    assert "--min-f1: only with --from-org" in result.output

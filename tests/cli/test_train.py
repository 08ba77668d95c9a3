"""sf-social train and evaluate, and classify --model, as a user runs them."""

from __future__ import annotations

import contextlib
import io
import json
import sys
from pathlib import Path
from unittest import mock

import pytest

from sf_social.cli.main import main
from sf_social.learning.model import LinearModel

LABELLED = Path(__file__).parent.parent / "data" / "labelled"
BANK = LABELLED / "banking77.sample.jsonl"
AIRLINE = LABELLED / "airline.dev.jsonl"


def invoke(*args: str) -> tuple[int, str, str]:
    """Run ``sf-social ARGS`` through its console entry point (exit codes as a user sees)."""
    stdout, stderr = io.StringIO(), io.StringIO()
    with (
        mock.patch.object(sys, "argv", ["sf-social", *args]),
        contextlib.redirect_stdout(stdout),
        contextlib.redirect_stderr(stderr),
        pytest.raises(SystemExit) as exited,
    ):
        main()
    return int(exited.value.code or 0), stdout.getvalue(), stderr.getvalue()


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Path:
    output = tmp_path_factory.mktemp("train") / "model.npz"
    code, _, err = invoke("train", str(BANK), str(AIRLINE), "--output", str(output))
    assert code == 0, err
    return output


def test_train_writes_a_model_and_says_what_it_learned(trained: Path) -> None:
    model = LinearModel.load(trained)
    assert [t.value for t in model.heads] == ["segment", "complaint", "sentiment"]
    assert model.meta["examples"] == 720 and model.meta["name"] == "model"


def test_train_skips_bad_lines_by_name_and_counts_them(tmp_path: Path) -> None:
    lines = BANK.read_text(encoding="utf-8").splitlines()[:40]
    lines.insert(3, '{"post": {"network": "twitter", "id": "x", "text": "hi"}, "segment": "Nope"}')
    lines.insert(7, "{broken")
    source = tmp_path / "labels.jsonl"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, _, err = invoke("train", str(source), "-o", str(tmp_path / "m.npz"))
    assert code == 0, err
    assert f"{source}:4: segment: 'Nope' is not a segment label" in err
    assert f"{source}:8: malformed JSON" in err
    assert "skipped 2 bad line(s); read 40 posts" in err


def test_train_with_one_label_value_writes_nothing_and_exits_1(tmp_path: Path) -> None:
    source = tmp_path / "labels.jsonl"
    post = {"network": "twitter", "id": "1", "text": "hello"}
    source.write_text(json.dumps({"post": post, "sentiment": "Neutral"}) + "\n", encoding="utf-8")
    output = tmp_path / "m.npz"
    code, _, err = invoke("train", str(source), "-o", str(output))
    assert code == 1 and not output.exists()
    assert "not learning sentiment: needs at least two label values (Neutral ×1)" in err


@pytest.mark.parametrize(
    "args",
    [["train", str(BANK)], ["train", "-o", "m.npz"], ["train", "absent.jsonl", "-o", "m.npz"]],
)
def test_train_usage_errors_exit_2(args: list[str]) -> None:
    assert invoke(*args)[0] == 2


def test_train_without_scikit_learn_names_the_extra(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "sklearn", None)  # import sklearn raises ImportError
    code, _, err = invoke("train", str(BANK), "-o", str(tmp_path / "m.npz"))
    assert code == 2 and "sf_social[train]" in err


def test_train_cv_keeps_the_scores_in_the_model(tmp_path: Path) -> None:
    output = tmp_path / "m.npz"
    code, _, err = invoke("train", str(BANK), "-o", str(output), "--cv", "3")
    assert code == 0, err
    cv = LinearModel.load(output).meta["cv"]
    assert cv["folds"] == 3 and cv["segment"]["accuracy"] > 0.7
    assert "cross-validation: 100% (3 folds of 3 folds), " in err  # not a TTY: plain lines


def test_classify_with_a_model_prints_the_same_keys_plus_model_and_confidence(
    trained: Path, tmp_path: Path
) -> None:
    feed = tmp_path / "posts.jsonl"
    posts = [
        {"network": "twitter", "id": "1", "text": "my card was declined twice, why??"},
        {"network": "twitter", "id": "2", "text": "ok"},
    ]
    feed.write_text("\n".join(json.dumps(p) for p in posts) + "\n", encoding="utf-8")
    _, plain, _ = invoke("classify", "--input", str(feed))
    code, learned, err = invoke("classify", "--input", str(feed), "--model", str(trained))
    assert code == 0, err
    plain_rows = [json.loads(line) for line in plain.splitlines()]
    rows = [json.loads(line) for line in learned.splitlines()]
    assert len(rows) == 2 and set(rows[0]) == set(plain_rows[0])
    assert plain_rows[0]["model"] is None and plain_rows[0]["confidence"] == {}
    assert rows[0]["model"].startswith("model ")
    assert set(rows[0]["confidence"]) == {"segment", "complaint", "sentiment"}
    assert rows[0]["segment"] == "Request" and rows[0]["complaint"] is True


def test_classify_text_with_a_model_says_so(trained: Path) -> None:
    code, out, _ = invoke("classify", "--model", str(trained), "someone stole my card")
    assert code == 0 and "model:      model" in out and "segment=" in out


def test_an_unreadable_model_exits_2(tmp_path: Path) -> None:
    broken = tmp_path / "broken.npz"
    broken.write_bytes(b"not a model")
    code, out, err = invoke("classify", "--model", str(broken), "hello")
    assert code == 2 and out == ""
    assert f"error: model {broken}: not a model file" in err


def test_evaluate_prints_scores_and_confusion(tmp_path: Path) -> None:
    code, out, _ = invoke("evaluate", str(AIRLINE), "--errors", "2")
    assert code == 0
    assert "== complaint (320 posts)" in out and "macro-F1" in out
    assert "confusion (rows: labelled, columns: predicted)" in out
    assert "complaints that get a Case:" in out
    assert out.count("\nmiss ") == 2


def test_evaluate_json_and_min_f1_gate(tmp_path: Path) -> None:
    code, out, err = invoke(
        "evaluate",
        str(AIRLINE),
        "--json",
        "--min-f1",
        "sentiment=0.1",
        "--min-f1",
        "complaint.true=0.999",
    )
    assert code == 1
    report = json.loads(out)
    assert set(report["tasks"]) == {"segment", "complaint", "sentiment"}
    assert report["tasks"]["complaint"]["labels"]["true"]["support"] == report["complaints"]
    assert "below the floor: complaint.true F1" in err and "sentiment macro" not in err


def test_evaluate_with_a_model_and_cv(trained: Path) -> None:
    code, out, _ = invoke("evaluate", str(BANK), "--model", str(trained), "--json")
    assert code == 0 and json.loads(out)["tasks"]["segment"]["accuracy"] > 0.9
    code, out, err = invoke("evaluate", str(BANK), "--cv", "2", "--json")
    assert code == 0 and "fold 2/2" in err
    assert json.loads(out)["tasks"]["segment"]["accuracy"] > 0.7
    assert invoke("evaluate", str(BANK), "--cv", "2", "--model", str(trained))[0] == 2


@pytest.mark.parametrize("content", ["", "{broken\n"])
def test_evaluate_an_empty_file_exits_2(tmp_path: Path, content: str) -> None:
    source = tmp_path / "labels.jsonl"
    source.write_text(content, encoding="utf-8")
    assert invoke("evaluate", str(source))[0] == 2


def test_evaluate_bad_floor_is_a_usage_error() -> None:
    code, _, err = invoke("evaluate", str(BANK), "--min-f1", "mood=0.5")
    assert code == 2 and "the task is one of segment, complaint, sentiment" in err

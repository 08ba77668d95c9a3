"""The model file: plain arrays (no pickle), versioned, atomic, refused when damaged."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import numpy as np
import pytest

from sf_social.classifier import RulesSaid
from sf_social.errors import ModelError
from sf_social.labels import Task
from sf_social.learning.features import post_features
from sf_social.learning.model import FORMAT, LinearModel
from sf_social.text import normalize
from tests.learning.conftest import banking_model


def rewrite(path: Path, target: Path, change: dict[str, object]) -> None:
    """Copy the model in ``path`` to ``target`` with its meta updated by ``change``."""
    with np.load(path, allow_pickle=False) as data:
        arrays = {name: data[name] for name in data.files}
    meta = {**json.loads(arrays["meta"].tobytes()), **change}
    arrays["meta"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    np.savez(target, **arrays)


def test_the_file_is_plain_arrays_and_loads_without_pickle(model_file: Path) -> None:
    with zipfile.ZipFile(model_file) as archive:
        assert sorted(archive.namelist()) == sorted(
            f"{name}.npy" for name in ("meta", "vocabulary", "idf", "weights", "bias")
        )
        for name in archive.namelist():  # no object arrays: nothing a loader would unpickle
            assert np.load(io.BytesIO(archive.read(name)), allow_pickle=False).dtype != object
    meta = LinearModel.load(model_file).meta
    assert meta["format"] == FORMAT and meta["version"] == 1
    for key in ("training_sha256", "label_counts", "trained_at", "examples", "settings"):
        assert key in meta


def test_a_loaded_model_predicts_exactly_as_the_trained_one(model_file: Path) -> None:
    trained = banking_model()
    loaded = LinearModel.load(model_file)
    assert loaded.heads == trained.heads
    for text in ("my card was declined twice today", "how do I order a new card?", "hi"):
        features = post_features(RulesSaid(normalize(text).tokens, None, False, -0.3))
        ours, theirs = trained.predict(features), loaded.predict(features)
        for task in trained.heads:
            assert ours[task].label == theirs[task].label
            assert ours[task].confidence == pytest.approx(theirs[task].confidence, abs=1e-5)


def test_saving_is_atomic_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    path = tmp_path / "models" / "m.npz"
    banking_model().save(path)
    path.write_bytes(b"old")  # a second save replaces the file whole
    banking_model().save(path)
    assert LinearModel.load(path).heads
    assert [p.name for p in path.parent.iterdir()] == ["m.npz"]


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"version": 2}, "format version 2"),
        ({"format": "something.else"}, "not an sf_social.model file"),
        ({"features": {"words": [1, 3]}}, "other feature settings"),
        ({"tasks": [["mood", ["a", "b"]]]}, "unknown task 'mood'"),
        ({"tasks": [["segment", ["Request", "Complaint"]]]}, "unknown labels"),
        ({"word_features": "many"}, "damaged"),
    ],
)
def test_an_incompatible_model_is_refused_with_the_reason(
    model_file: Path, tmp_path: Path, change: dict[str, object], words: str
) -> None:
    target = tmp_path / "changed.npz"
    rewrite(model_file, target, change)
    with pytest.raises(ModelError, match=words) as raised:
        LinearModel.load(target)
    assert str(target) in str(raised.value)


@pytest.mark.parametrize("content", [b"", b"PK\x03\x04 truncated", b"not a zip at all"])
def test_a_damaged_file_is_refused(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "broken.npz"
    path.write_bytes(content)
    with pytest.raises(ModelError, match="not a model file"):
        LinearModel.load(path)


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="no such file"):
        LinearModel.load(tmp_path / "absent.npz")


def test_a_pickled_array_is_never_loaded(model_file: Path, tmp_path: Path) -> None:
    with np.load(model_file, allow_pickle=False) as data:
        arrays = {name: data[name] for name in data.files}
    arrays["bias"] = np.array([object()], dtype=object)
    target = tmp_path / "pickled.npz"
    np.savez(target, **arrays)
    with pytest.raises(ModelError, match="not a model file"):
        LinearModel.load(target)


def test_evidence_names_weighted_features(model_file: Path) -> None:
    model = LinearModel.load(model_file)
    said = RulesSaid(normalize("my card payment was declined again").tokens, None, False, 0.0)
    prediction = model.predict(post_features(said))
    segment = prediction[Task.SEGMENT]
    assert segment.evidence and all(weight > 0 for _, weight in segment.evidence)
    assert all(name[:2] in ("w:", "c:", "s:") for name, _ in segment.evidence)
    assert segment.explain().count("+") == len(segment.evidence)

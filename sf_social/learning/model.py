"""A trained model: vocabulary and weights in a versioned ``.npz`` file, never a pickle.

The file holds plain arrays (read with ``allow_pickle=False``): ``meta`` (UTF-8 JSON:
format, version, feature settings, tasks and their labels, the training set's hash,
label counts, date, cross-validation scores), ``vocabulary`` (UTF-8 feature names, one
per line), ``idf``, ``weights`` (features × label columns) and ``bias``. Predicting needs
numpy only.

A post's vector is TF-IDF (sublinear term frequency) over word grams and over character
grams, each block L2-normalized, followed by the raw signal values. Each task is a
softmax over its label columns; a binary task (complaint) is stored as two opposite
columns, so the same code explains both of its answers.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from sf_social.errors import ModelError
from sf_social.labels import LABELS, Task
from sf_social.learning.features import CHAR_SIZES, SIGNALS, PostFeatures, char_grams

FORMAT = "sf_social.model"
VERSION = 1
FEATURES = {
    "words": [1, 2],
    "chars": [CHAR_SIZES.start, CHAR_SIZES.stop - 1],
    "signals": list(SIGNALS),
}
"""The feature settings this code computes; a model made with others cannot be used."""

EVIDENCE_SIZE = 5
"""How many features each prediction names as its evidence."""


@dataclass(frozen=True, slots=True)
class Prediction:
    """One task's answer: the label, its probability, and the features that pushed it."""

    task: Task
    label: str
    confidence: float
    evidence: tuple[tuple[str, float], ...]

    def explain(self) -> str:
        """The evidence as ``feature +weight`` pairs."""
        return ", ".join(f"{name} {weight:+.2f}" for name, weight in self.evidence)


class LinearModel:
    """Linear heads (one per trained task) over one shared feature space."""

    CACHE_LIMIT = 200_000
    """Distinct words whose character-gram ids are remembered (then the cache restarts)."""

    def __init__(
        self,
        vocabulary: list[str],
        word_count: int,
        idf: np.ndarray,
        weights: np.ndarray,
        bias: np.ndarray,
        heads: Mapping[Task, tuple[str, ...]],
        meta: Mapping[str, Any],
    ) -> None:
        self.vocabulary = vocabulary
        self.word_count = word_count
        self.idf = idf.astype(np.float64)
        self.weights = weights.astype(np.float32)
        self.bias = bias.astype(np.float32)
        self.heads = dict(heads)
        self.meta = dict(meta)
        self._index = {name: i for i, name in enumerate(vocabulary)}
        self._signal_index = {name: self._index[name] for name in SIGNALS}
        self._columns: dict[Task, slice] = {}
        start = 0
        for task, labels in self.heads.items():
            self._columns[task] = slice(start, start + len(labels))
            start += len(labels)
        self._chars: dict[str, list[int]] = {}

    @property
    def name(self) -> str:
        """``name`` and version as recorded at training time."""
        return f"{self.meta.get('name', 'model')} {self.meta.get('trained_at', '')}".strip()

    def vector(self, features: PostFeatures) -> tuple[np.ndarray, np.ndarray]:
        """Feature ids (ascending) and values of one post."""
        index = self._index
        ids = [i for gram in features.words if (i := index.get(gram)) is not None]
        chars = self._chars
        for token in features.tokens:
            known = chars.get(token)
            if known is None:
                known = [i for gram in char_grams(token) if (i := index.get(gram)) is not None]
                if len(chars) >= self.CACHE_LIMIT:
                    chars.clear()
                chars[token] = known
            ids += known
        unique, counts = np.unique(np.array(ids, dtype=np.int64), return_counts=True)
        values = (1.0 + np.log(counts)) * self.idf[unique]
        split = int(np.searchsorted(unique, self.word_count))
        for block in (values[:split], values[split:]):
            norm = math.sqrt(float(block @ block))
            if norm:
                block /= norm
        if features.signals:
            signal_ids = [self._signal_index[name] for name in features.signals]
            unique = np.concatenate([unique, np.array(signal_ids, dtype=np.int64)])
            values = np.concatenate([values, np.fromiter(features.signals.values(), float)])
        return unique, values

    def predict(self, features: PostFeatures) -> dict[Task, Prediction]:
        """Each trained task's prediction for one post, with the features behind it."""
        ids, values = self.vector(features)
        rows = self.weights[ids]
        values = values.astype(np.float32)
        scores = (values @ rows + self.bias).tolist()
        answers = []
        for task, labels in self.heads.items():
            columns = self._columns[task]
            logits = scores[columns]
            top = max(logits)
            exps = [math.exp(logit - top) for logit in logits]
            best = exps.index(1.0)
            answers.append((task, labels[best], 1.0 / sum(exps), columns.start + best))
        # each answer's evidence: the features whose weight × value pushed it most
        contributions = values[:, None] * rows[:, [column for *_, column in answers]]
        if len(ids) > EVIDENCE_SIZE:
            strongest = np.argpartition(contributions, -EVIDENCE_SIZE, axis=0)[-EVIDENCE_SIZE:]
        else:
            strongest = np.repeat(np.arange(len(ids))[:, None], len(answers), axis=1)
        pushes = contributions[strongest, np.arange(len(answers))].T.tolist()
        found = ids[strongest].T.tolist()
        vocabulary = self.vocabulary
        predictions = {}
        for k, (task, label, confidence, _) in enumerate(answers):
            pushed = sorted(zip(pushes[k], found[k], strict=True), reverse=True)
            evidence = tuple((vocabulary[i], w) for w, i in pushed if w > 0)
            predictions[task] = Prediction(task, label, confidence, evidence)
        return predictions

    def save(self, path: Path) -> None:
        """Write the model to ``path`` atomically (a reader never sees half a file)."""
        meta = {**self.meta, "format": FORMAT, "version": VERSION, "features": FEATURES}
        meta["tasks"] = [[task.value, list(labels)] for task, labels in self.heads.items()]
        meta["word_features"] = self.word_count
        arrays = {
            "meta": np.frombuffer(json.dumps(meta, sort_keys=True).encode(), dtype=np.uint8),
            "vocabulary": np.frombuffer("\n".join(self.vocabulary).encode(), dtype=np.uint8),
            "idf": self.idf.astype(np.float32),
            "weights": self.weights,
            "bias": self.bias,
        }
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        try:
            with os.fdopen(handle, "wb") as out:
                np.savez_compressed(out, **arrays)  # type: ignore[arg-type]
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    @classmethod
    def load(cls, path: Path) -> LinearModel:
        """The model in ``path``; ``ModelError`` says why a file cannot be used."""
        try:
            with np.load(path, allow_pickle=False) as data:
                arrays = {name: data[name] for name in data.files}
        except FileNotFoundError:
            raise ModelError(str(path), "no such file") from None
        except (OSError, ValueError, zipfile.BadZipFile, EOFError) as exc:
            raise ModelError(str(path), f"not a model file ({exc})") from None
        return _from_arrays(str(path), arrays)


def _from_arrays(where: str, arrays: dict[str, np.ndarray]) -> LinearModel:
    missing = {"meta", "vocabulary", "idf", "weights", "bias"} - set(arrays)
    if missing:
        raise ModelError(where, f"not a model file (missing {', '.join(sorted(missing))})")
    try:
        meta = json.loads(arrays["meta"].tobytes().decode())
        vocabulary = arrays["vocabulary"].tobytes().decode().split("\n")
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelError(where, f"unreadable metadata ({exc})") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise ModelError(where, f"not an {FORMAT} file")
    if meta.get("version") != VERSION:
        raise ModelError(
            where,
            f"model format version {meta.get('version')!r}; this sf_social reads version "
            f"{VERSION}: retrain the model with this version (sf-social train)",
        )
    if meta.get("features") != FEATURES:
        raise ModelError(
            where, "made with other feature settings: retrain it with this sf_social version"
        )
    heads = _heads(where, meta.get("tasks"))
    columns = sum(len(labels) for labels in heads.values())
    word_count = meta.get("word_features")
    weights, bias, idf = arrays["weights"], arrays["bias"], arrays["idf"]
    consistent = (
        isinstance(word_count, int)
        and weights.shape == (len(vocabulary), columns)
        and bias.shape == (columns,)
        and idf.shape == (len(vocabulary) - len(SIGNALS),)
        and vocabulary[-len(SIGNALS) :] == list(SIGNALS)
        and bool(np.isfinite(weights).all() and np.isfinite(bias).all())
    )
    if not consistent:
        raise ModelError(where, "damaged: its arrays do not fit together; retrain it")
    assert isinstance(word_count, int)
    return LinearModel(vocabulary, word_count, idf, weights, bias, heads, meta)


def _heads(where: str, tasks: object) -> dict[Task, tuple[str, ...]]:
    """The tasks and their labels, in the order of the weights' columns."""
    if not isinstance(tasks, list) or not tasks:
        raise ModelError(where, "names no task")
    heads: dict[Task, tuple[str, ...]] = {}
    for entry in tasks:
        name, labels = entry if isinstance(entry, list) and len(entry) == 2 else (None, None)
        if name not in {t.value for t in Task} or not isinstance(labels, list):
            raise ModelError(where, f"unknown task {name!r}: made by a newer sf_social?")
        task = Task(name)
        if len(labels) < 2 or not set(labels) <= set(LABELS[task]):
            raise ModelError(where, f"task {name}: unknown labels {labels!r}")
        heads[task] = tuple(labels)
    return heads

"""Train a model from labelled posts (scikit-learn, the ``[train]`` extra) and cross-validate.

Each task learns from the examples that carry its label: a logistic regression over the
features of ``sf_social.learning.features``, multinomial for segment and sentiment.
The vocabulary keeps the grams seen in at least ``min_df`` posts. Only fitting needs
scikit-learn; the model it writes is plain arrays (``sf_social.learning.model``).
"""

from __future__ import annotations

import hashlib
import json
import math
import random
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from typing import Any

import numpy as np

from sf_social.classification import Classification
from sf_social.classifier import Learned, RuleClassifier, RulesSaid
from sf_social.errors import ConfigError
from sf_social.labels import LABELS, LabelledPost, Task
from sf_social.learning.classifier import ModelClassifier
from sf_social.learning.features import (
    SIGNALS,
    PostFeatures,
    char_grams,
    post_features,
)
from sf_social.learning.model import LinearModel
from sf_social.playbook import Playbook
from sf_social.posts import SocialPost
from sf_social.text import normalize

TRAIN_EXTRA = "pip install 'sf_social[train]'"


@dataclass(frozen=True)
class TrainingSettings:
    """How a model is fitted. ``c``: inverse regularization strength."""

    c: float = 4.0
    min_df: int = 2
    balanced: bool = True


@dataclass
class TrainingResult:
    """The model (None when no task had two label values) and why tasks were skipped."""

    model: LinearModel | None
    skipped: dict[Task, str] = field(default_factory=dict)


def require_sklearn() -> None:
    """Raise ``ConfigError`` naming the extra when scikit-learn is not installed."""
    try:
        import sklearn  # noqa: F401
    except ImportError:
        raise ConfigError(f"training needs scikit-learn: {TRAIN_EXTRA}") from None


def train(
    examples: Sequence[LabelledPost],
    playbook: Playbook,
    settings: TrainingSettings = TrainingSettings(),
    meta: dict[str, Any] | None = None,
) -> TrainingResult:
    """Fit one head per task that has at least two label values among ``examples``."""
    require_sklearn()
    from scipy.sparse import csr_matrix

    rules = RuleClassifier(playbook)
    features = [post_features(rules_said(rules, e.post)) for e in examples]
    skeleton = _skeleton(features, settings.min_df)
    vectors = [skeleton.vector(post) for post in features]
    pointers = np.cumsum([0] + [len(ids) for ids, _ in vectors])
    columns = np.concatenate([ids for ids, _ in vectors])
    values = np.concatenate([vals for _, vals in vectors])
    shape = (len(features), len(skeleton.vocabulary))
    matrix = csr_matrix((values, columns, pointers), shape=shape, dtype=np.float64)
    heads: dict[Task, tuple[str, ...]] = {}
    weights, biases, skipped = [], [], {}
    counts = {task: Counter(e.labels[task] for e in examples if task in e.labels) for task in Task}
    for task in Task:
        labelled = [i for i, e in enumerate(examples) if task in e.labels]
        if len(counts[task]) < 2:
            seen = ", ".join(f"{label} ×{n}" for label, n in counts[task].items()) or "no label"
            skipped[task] = f"needs at least two label values ({seen})"
            continue
        target = [examples[i].labels[task] for i in labelled]
        labels, coef, bias = _fit(matrix[labelled], target, settings)
        heads[task] = labels
        weights.append(coef)
        biases.append(bias)
    if not heads:
        return TrainingResult(None, skipped)
    info = {
        **(meta or {}),
        "trained_at": datetime.now(UTC).replace(microsecond=0).isoformat(),
        "sf_social": _version("sf_social"),
        "scikit_learn": _version("scikit-learn"),
        "examples": len(examples),
        "training_sha256": training_hash(examples),
        "label_counts": {t.value: dict(sorted(counts[t].items())) for t in heads},
        "settings": {"c": settings.c, "min_df": settings.min_df, "balanced": settings.balanced},
    }
    model = LinearModel(
        skeleton.vocabulary,
        skeleton.word_count,
        skeleton.idf,
        np.hstack(weights),
        np.concatenate(biases),
        heads,
        info,
    )
    return TrainingResult(model, skipped)


def rules_said(rules: RuleClassifier, post: SocialPost) -> RulesSaid:
    """What the rules say of ``post`` before any model (the model's input)."""
    seen: list[RulesSaid] = []

    def capture(_: SocialPost, said: RulesSaid) -> Learned:
        seen.append(said)
        return Learned(frozenset())

    rules.classify_with(post, capture)
    # our own posts never reach a model: they are learned from as text alone
    return seen[0] if seen else RulesSaid(normalize(post.text).tokens, None, False, 0.0)


def cross_validate(
    examples: Sequence[LabelledPost],
    playbook: Playbook,
    folds: int,
    settings: TrainingSettings = TrainingSettings(),
    seed: int = 0,
    progress: Callable[[int, int], None] | None = None,
) -> list[Classification]:
    """Each example classified by a model trained on the other folds (``folds`` of them).

    Folds are a seeded shuffle, so two runs on the same file use the same folds.
    """
    if folds < 2 or folds > len(examples):
        raise ConfigError(f"--cv {folds}: use 2 to {len(examples)} folds for {len(examples)} posts")
    fold_of = fold_indices(len(examples), folds, seed)
    results: list[Classification | None] = [None] * len(examples)
    for fold in range(folds):
        if progress:
            progress(fold + 1, folds)
        training = [e for i, e in enumerate(examples) if fold_of[i] != fold]
        model = train(training, playbook, settings).model
        classifier = ModelClassifier(playbook, model) if model else RuleClassifier(playbook)
        for index, example in enumerate(examples):
            if fold_of[index] == fold:
                results[index] = classifier.classify(example.post)
    return [r for r in results if r is not None]


def fold_indices(count: int, folds: int, seed: int = 0) -> list[int]:
    """The fold of each of ``count`` examples, as ``cross_validate`` assigns them."""
    order = list(range(count))
    random.Random(seed).shuffle(order)  # noqa: S311 (reproducible folds, not secrets)
    fold_of = [0] * count
    for position, index in enumerate(order):
        fold_of[index] = position % folds
    return fold_of


def training_hash(examples: Sequence[LabelledPost]) -> str:
    """SHA-256 over each example's post and labels, in order."""
    digest = hashlib.sha256()
    for example in examples:
        labels = {task.value: label for task, label in example.labels.items()}
        line = json.dumps([example.post.model_dump(mode="json"), labels], sort_keys=True)
        digest.update(line.encode() + b"\n")
    return digest.hexdigest()


def _skeleton(features: list[PostFeatures], min_df: int) -> LinearModel:
    """An untrained model holding the vocabulary and idf of ``features``."""
    word_df: Counter[str] = Counter()
    char_df: Counter[str] = Counter()
    chars: dict[str, list[str]] = {}
    for post in features:
        word_df.update(set(post.words))
        grams: set[str] = set()
        for token in post.tokens:
            if token not in chars:
                chars[token] = char_grams(token)
            grams.update(chars[token])
        char_df.update(grams)
    words = sorted(g for g, n in word_df.items() if n >= min_df)
    char_list = sorted(g for g, n in char_df.items() if n >= min_df)
    total = len(features)
    df = [word_df[g] for g in words] + [char_df[g] for g in char_list]
    idf = np.array([math.log((1 + total) / (1 + n)) + 1 for n in df])
    vocabulary = words + char_list + list(SIGNALS)
    empty = np.zeros((len(vocabulary), 0), dtype=np.float32)
    return LinearModel(vocabulary, len(words), idf, empty, np.zeros(0), {}, {})


def _fit(
    matrix: Any, target: list[str], settings: TrainingSettings
) -> tuple[tuple[str, ...], np.ndarray, np.ndarray]:
    """Labels, weights (features × labels) and bias of one task's logistic regression."""
    from sklearn.linear_model import LogisticRegression
    from threadpoolctl import threadpool_limits

    # One BLAS thread: these fits are small, and competing BLAS threads on a busy machine
    # made them 10x slower (measured on 2 cores).
    with threadpool_limits(limits=1):
        fit = LogisticRegression(
            C=settings.c,
            max_iter=2000,
            class_weight="balanced" if settings.balanced else None,
        ).fit(matrix, target)
    labels = tuple(str(label) for label in fit.classes_)
    coef, bias = fit.coef_.T, fit.intercept_
    if len(labels) == 2:  # one logit z: two opposite columns, softmax([-z/2, z/2]) = sigmoid
        coef = np.hstack([-coef / 2, coef / 2])
        bias = np.array([-bias[0] / 2, bias[0] / 2])
    order = [labels.index(label) for label in _report_order(labels)]
    return tuple(labels[i] for i in order), coef[:, order], bias[order]


def _report_order(labels: tuple[str, ...]) -> list[str]:
    for values in LABELS.values():
        if set(labels) <= set(values):
            return [v for v in values if v in labels]
    return list(labels)


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "unknown"

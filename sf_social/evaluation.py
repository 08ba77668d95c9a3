"""Measure classifications against labelled posts: per-label precision, recall and F1,
macro-F1, confusion matrices, the posts it got wrong, and how many complaints got a Case.

Each task is scored on the posts that carry its label (see ``sf_social.labels``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sf_social.classification import Classification
from sf_social.classifier import Classifier
from sf_social.labels import LABELS, LabelledPost, Task, predicted_labels


@dataclass
class Score:
    """Counts for one label."""

    true_positive: int = 0
    false_positive: int = 0
    false_negative: int = 0

    @property
    def support(self) -> int:
        return self.true_positive + self.false_negative

    @property
    def precision(self) -> float:
        predicted = self.true_positive + self.false_positive
        return self.true_positive / predicted if predicted else 0.0

    @property
    def recall(self) -> float:
        return self.true_positive / self.support if self.support else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass
class TaskReport:
    """One task's results: the confusion matrix and the scores drawn from it."""

    task: Task
    confusion: Counter[tuple[str, str]] = field(default_factory=Counter)
    """(gold, predicted) → posts."""

    @property
    def total(self) -> int:
        return sum(self.confusion.values())

    @property
    def accuracy(self) -> float:
        right = sum(n for (gold, predicted), n in self.confusion.items() if gold == predicted)
        return right / self.total if self.total else 0.0

    @property
    def labels(self) -> list[str]:
        """The labels seen in gold or predictions, in report order."""
        seen = {label for pair in self.confusion for label in pair}
        return [label for label in LABELS[self.task] if label in seen]

    def score(self, label: str) -> Score:
        """Precision, recall and F1 of one label."""
        score = Score()
        for (gold, predicted), n in self.confusion.items():
            if gold == label and predicted == label:
                score.true_positive += n
            elif predicted == label:
                score.false_positive += n
            elif gold == label:
                score.false_negative += n
        return score

    @property
    def macro_f1(self) -> float:
        """Mean F1 over the labels that occur in the gold labels."""
        gold = [label for label in self.labels if self.score(label).support]
        return sum(self.score(label).f1 for label in gold) / len(gold) if gold else 0.0

    def f1(self, label: str | None = None) -> float:
        """F1 of ``label``, or macro-F1 without one."""
        return self.macro_f1 if label is None else self.score(label).f1


@dataclass(frozen=True)
class Miss:
    """A post classified differently from its labels."""

    post_id: str
    text: str
    gold: dict[Task, str]
    predicted: dict[Task, str]


@dataclass
class Report:
    """Results over a labelled set."""

    tasks: dict[Task, TaskReport]
    misses: list[Miss] = field(default_factory=list)
    complaints: int = 0
    complaints_with_case: int = 0

    @property
    def case_recall(self) -> float:
        """Share of labelled complaints that got a Case (complaint flag or a Case segment)."""
        return self.complaints_with_case / self.complaints if self.complaints else 0.0

    def render(self, errors: int = 0) -> str:
        """Readable tables: per-label scores and the confusion matrix of each task."""
        lines: list[str] = []
        for report in self.tasks.values():
            labels = report.labels
            lines += [
                f"== {report.task} ({report.total} posts): accuracy {report.accuracy:.3f}, "
                f"macro-F1 {report.macro_f1:.3f}",
                f"{'label':<12} {'precision':>9} {'recall':>7} {'F1':>6} {'support':>8}",
            ]
            for label in labels:
                s = report.score(label)
                lines.append(
                    f"{label:<12} {s.precision:>9.3f} {s.recall:>7.3f} {s.f1:>6.3f} {s.support:>8}"
                )
            width = max(len(label) for label in labels) if labels else 5
            lines.append("confusion (rows: labelled, columns: predicted)")
            lines.append(" " * (width + 1) + " ".join(f"{label[:8]:>8}" for label in labels))
            for gold in labels:
                counts = " ".join(f"{report.confusion[gold, p]:>8}" for p in labels)
                lines.append(f"{gold:<{width}} {counts}")
        if self.complaints:
            lines.append(
                f"complaints that get a Case: {self.complaints_with_case} of {self.complaints} "
                f"({self.case_recall:.1%})"
            )
        for miss in self.misses[:errors]:
            wrong = ", ".join(
                f"{task} {miss.gold[task]}→{miss.predicted[task]}"
                for task in miss.gold
                if miss.gold[task] != miss.predicted[task]
            )
            lines.append(f"miss {miss.post_id}: {wrong}: {miss.text[:160]!r}")
        return "\n".join(lines)

    def to_json(self, errors: int = 0) -> dict[str, Any]:
        """The same results as plain JSON values."""
        tasks = {}
        for task, report in self.tasks.items():
            tasks[task.value] = {
                "posts": report.total,
                "accuracy": round(report.accuracy, 4),
                "macro_f1": round(report.macro_f1, 4),
                "labels": {
                    label: {
                        "precision": round((s := report.score(label)).precision, 4),
                        "recall": round(s.recall, 4),
                        "f1": round(s.f1, 4),
                        "support": s.support,
                    }
                    for label in report.labels
                },
                "confusion": {
                    gold: {p: report.confusion[gold, p] for p in report.labels}
                    for gold in report.labels
                },
            }
        return {
            "tasks": tasks,
            "complaints": self.complaints,
            "complaints_with_case": self.complaints_with_case,
            "misses": [
                {
                    "id": miss.post_id,
                    "text": miss.text,
                    "labelled": {t.value: v for t, v in miss.gold.items()},
                    "predicted": {t.value: v for t, v in miss.predicted.items()},
                }
                for miss in self.misses[:errors]
            ],
        }


def evaluate(examples: Iterable[LabelledPost], classifier: Classifier) -> Report:
    """Classify every example and compare with its labels."""
    examples = list(examples)
    return score(examples, [classifier.classify(e.post) for e in examples])


def score(examples: Sequence[LabelledPost], results: Sequence[Classification]) -> Report:
    """Compare each example's labels with its classification (same order)."""
    report = Report(tasks={})
    for example, result in zip(examples, results, strict=True):
        predicted = predicted_labels(result)
        for task, gold in example.labels.items():
            task_report = report.tasks.setdefault(task, TaskReport(task))
            task_report.confusion[gold, predicted[task]] += 1
        if any(predicted[task] != gold for task, gold in example.labels.items()):
            given = {task: predicted[task] for task in example.labels}
            report.misses.append(Miss(example.post.id, example.post.text, example.labels, given))
        if example.labels.get(Task.COMPLAINT) == "true":
            report.complaints += 1
            report.complaints_with_case += result.needs_case
    report.tasks = {task: report.tasks[task] for task in Task if task in report.tasks}
    return report

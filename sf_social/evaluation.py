"""Measure a classifier against labelled posts: per-segment precision/recall, complaint F1.

A labelled file has one JSON object per line: ``{"post": {...SocialPost...},
"segment": "Request" | ... | null, "complaint": true | false}``.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError

from sf_social.classification import Segment
from sf_social.classifier import Classifier
from sf_social.errors import FeedLineError
from sf_social.posts import SocialPost

NO_ACTION = "no action"


class LabelledPost(BaseModel):
    """One labelled example."""

    model_config = ConfigDict(extra="ignore")

    post: SocialPost
    segment: Segment | None
    complaint: bool


def read_labelled(path: Path) -> Iterator[LabelledPost]:
    """The examples of a labelled JSONL file; a bad line raises ``FeedLineError``."""
    with path.open(encoding="utf-8") as lines:
        for line_no, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                yield LabelledPost.model_validate(json.loads(line))
            except (json.JSONDecodeError, ValidationError) as exc:
                raise FeedLineError(str(path), line_no, "", str(exc).splitlines()[0]) from None


@dataclass
class Score:
    """Counts for one label."""

    true_positive: int = 0
    false_positive: int = 0
    false_negative: int = 0

    @property
    def precision(self) -> float:
        predicted = self.true_positive + self.false_positive
        return self.true_positive / predicted if predicted else 0.0

    @property
    def recall(self) -> float:
        actual = self.true_positive + self.false_negative
        return self.true_positive / actual if actual else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass
class Report:
    """Evaluation results over a labelled set."""

    total: int = 0
    correct: int = 0
    segments: dict[str, Score] = field(default_factory=dict)
    support: Counter[str] = field(default_factory=Counter)
    complaint: Score = field(default_factory=Score)

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 0.0

    def render(self) -> str:
        """A fixed-width table of the results."""
        lines = [f"{'segment':<12} {'precision':>9} {'recall':>7} {'support':>8}"]
        for name, score in self.segments.items():
            lines.append(
                f"{name:<12} {score.precision:>9.2f} {score.recall:>7.2f} {self.support[name]:>8}"
            )
        c = self.complaint
        lines += [
            f"segment accuracy {self.accuracy:.3f} over {self.total} posts",
            f"complaint precision {c.precision:.2f} recall {c.recall:.2f} F1 {c.f1:.3f}",
        ]
        return "\n".join(lines)


def evaluate(examples: Iterable[LabelledPost], classifier: Classifier) -> Report:
    """Classify every example and compare with its labels."""
    names = [s.value for s in Segment] + [NO_ACTION]
    report = Report(segments={name: Score() for name in names})
    for example in examples:
        result = classifier.classify(example.post)
        gold = example.segment.value if example.segment else NO_ACTION
        predicted = result.segment.value if result.segment else NO_ACTION
        report.total += 1
        report.support[gold] += 1
        if gold == predicted:
            report.correct += 1
            report.segments[gold].true_positive += 1
        else:
            report.segments[predicted].false_positive += 1
            report.segments[gold].false_negative += 1
        _count(report.complaint, example.complaint, result.complaint)
    return report


def _count(score: Score, gold: bool, predicted: bool) -> None:
    if gold and predicted:
        score.true_positive += 1
    elif predicted:
        score.false_positive += 1
    elif gold:
        score.false_negative += 1

"""Whether a model trained on agents' corrections replaces the one in use (design rule 9).

Some of the corrections are held back from training (:func:`held_back`: by a stable hash
of the post, so a post is held back on every run and a rerun measures the same set). Both
models classify them; the new one replaces the old only when its mean macro-F1 over the
tasks the held-back corrections label is higher (:func:`compare`), and it meets the
``--min-f1`` floors the caller checks beside.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from sf_social.evaluation import Report
from sf_social.labels import LabelledPost, Task


def held_back(
    examples: Sequence[LabelledPost], share: float
) -> tuple[list[LabelledPost], list[LabelledPost]]:
    """(kept for training, held back): about ``share`` of the posts, the same ones every
    run (a hash of network and id decides)."""
    kept: list[LabelledPost] = []
    held: list[LabelledPost] = []
    for example in examples:
        key = f"{example.post.network.value}:{example.post.id}".encode()
        draw = int.from_bytes(hashlib.sha256(key).digest()[:8], "big") / 2**64
        (held if draw < share else kept).append(example)
    return kept, held


@dataclass(frozen=True)
class Verdict:
    """The two models on the held-back corrections."""

    new: float
    old: float
    tasks: tuple[Task, ...]
    """The tasks scored (those the held-back corrections label)."""

    @property
    def better(self) -> bool:
        """True when the new model is strictly better."""
        return bool(self.tasks) and self.new > self.old

    def __str__(self) -> str:
        names = ", ".join(t.value for t in self.tasks) or "no task"
        return f"mean macro-F1 over {names}: new {self.new:.3f}, in use {self.old:.3f}"


def compare(new: Report, old: Report) -> Verdict:
    """Mean macro-F1 of each report over the tasks both scored."""
    tasks = tuple(t for t in Task if t in new.tasks and t in old.tasks)
    if not tasks:
        return Verdict(0.0, 0.0, ())
    return Verdict(
        sum(new.tasks[t].macro_f1 for t in tasks) / len(tasks),
        sum(old.tasks[t].macro_f1 for t in tasks) / len(tasks),
        tasks,
    )

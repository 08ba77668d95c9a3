"""Classification quality: the rules, our trained model and a plain TF-IDF + logistic
regression baseline, on the same folds in the same run.

Usage: scripts/bench-classify --quality [--folds 5] [--sets NAME,...]

For each labelled set: K-fold cross-validation of `sf-social train` (our model, through
the rules as `classify --model` runs it) and of the baseline (word 1-2 + char 2-5 grams,
TF-IDF, LogisticRegression with scikit-learn's defaults) on identical folds, plus the
rules alone. Then each model trained on a development set is scored on its held-out set,
which no tuning ever looked at. BANKING77 is read from ../shared/data when present.
"""

from __future__ import annotations

import argparse
import platform
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path

from sf_social.classification import Classification
from sf_social.classifier import RuleClassifier
from sf_social.evaluation import Report, score
from sf_social.labels import LabelledPost, Task, read_labelled
from sf_social.learning.classifier import ModelClassifier
from sf_social.learning.training import fold_indices, train
from sf_social.playbook import load_playbook

ROOT = Path(__file__).resolve().parent.parent
LABELLED = ROOT / "tests/data/labelled"
BANKING = ROOT.parent / "shared/data/banking77"
SETS = ["airline", "brands", "forum", "general", "banking77"]


def load(path: Path) -> list[LabelledPost]:
    return [e for e in read_labelled(path) if isinstance(e, LabelledPost)]


def dev_and_heldout(name: str) -> tuple[list[LabelledPost], list[LabelledPost]] | None:
    if name == "banking77":
        if not (BANKING / "train.jsonl").exists():
            return None
        return load(BANKING / "train.jsonl"), load(BANKING / "test.jsonl")
    return load(LABELLED / f"{name}.dev.jsonl"), load(LABELLED / f"{name}.heldout.jsonl")


class Baseline:
    """TF-IDF word 1-2 + char 2-5 grams, one LogisticRegression per task (defaults)."""

    def __init__(self, examples: Sequence[LabelledPost]) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline, make_union

        self.heads = {}
        for task in Task:
            rows = [e for e in examples if task in e.labels]
            if len({e.labels[task] for e in rows}) < 2:
                continue
            features = make_union(
                TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True),
                TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True),
            )
            pipeline = make_pipeline(features, LogisticRegression(max_iter=2000))
            self.heads[task] = pipeline.fit(
                [e.post.text for e in rows], [e.labels[task] for e in rows]
            )

    def predict(self, examples: Sequence[LabelledPost]) -> list[dict[Task, str]]:
        texts = [e.post.text for e in examples]
        columns = {task: head.predict(texts) for task, head in self.heads.items()}
        return [{task: str(columns[task][i]) for task in columns} for i in range(len(texts))]


def report_from_labels(
    examples: Sequence[LabelledPost], predictions: Sequence[dict[Task, str]]
) -> Report:
    """A Report of predicted labels (the baseline has no Classification)."""
    from sf_social.classification import Priority, Segment, Sentiment

    results = []
    for labels in predictions:
        segment = labels.get(Task.SEGMENT, "None")
        results.append(
            Classification(
                segment=None if segment == "None" else Segment(segment),
                complaint=labels.get(Task.COMPLAINT) == "true",
                sentiment=Sentiment(labels.get(Task.SENTIMENT, "Neutral")),
                sentiment_score=0,
                influence_tier=None,
                priority=Priority.LOW,
            )
        )
    return score(examples, results)


def summary(report: Report) -> dict[str, float]:
    out: dict[str, float] = {}
    tasks = report.tasks
    if Task.COMPLAINT in tasks:
        out["complaint F1"] = tasks[Task.COMPLAINT].f1("true")
        out["complaint macro-F1"] = tasks[Task.COMPLAINT].macro_f1
    if Task.SENTIMENT in tasks:
        out["sentiment macro-F1"] = tasks[Task.SENTIMENT].macro_f1
    if Task.SEGMENT in tasks:
        seg = tasks[Task.SEGMENT]
        out["segment accuracy"] = seg.accuracy
        for label in ("Suggestion", "Abuse", "Fraud"):
            if seg.score(label).support >= 5:
                out[f"{label} F1"] = seg.f1(label)
        if seg.score("Fraud").support >= 5:
            out["Fraud recall"] = seg.score("Fraud").recall
    if report.complaints:
        out["complaints with a Case"] = report.case_recall
    return out


def cross_validated(
    examples: list[LabelledPost], folds: int
) -> tuple[Report, Report, Report, float, float]:
    playbook = load_playbook()
    rules = RuleClassifier(playbook)
    fold_of = fold_indices(len(examples), folds)
    ours: list[Classification | None] = [None] * len(examples)
    theirs: list[dict[Task, str]] = [{} for _ in examples]
    ours_seconds = theirs_seconds = 0.0
    for fold in range(folds):
        training = [e for i, e in enumerate(examples) if fold_of[i] != fold]
        held = [i for i in range(len(examples)) if fold_of[i] == fold]
        started = time.perf_counter()
        model = train(training, playbook).model
        assert model is not None
        classifier = ModelClassifier(playbook, model)
        for i in held:
            ours[i] = classifier.classify(examples[i].post)
        ours_seconds += time.perf_counter() - started
        started = time.perf_counter()
        baseline = Baseline(training)
        for i, labels in zip(held, baseline.predict([examples[i] for i in held]), strict=True):
            theirs[i] = labels
        theirs_seconds += time.perf_counter() - started
    rules_report = score(examples, [rules.classify(e.post) for e in examples])
    ours_report = score(examples, [c for c in ours if c is not None])
    return (
        rules_report,
        ours_report,
        report_from_labels(examples, theirs),
        ours_seconds,
        theirs_seconds,
    )


def held_out(dev: list[LabelledPost], heldout: list[LabelledPost]) -> tuple[Report, Report, Report]:
    playbook = load_playbook()
    model = train(dev, playbook).model
    assert model is not None
    classifier = ModelClassifier(playbook, model)
    rules = RuleClassifier(playbook)
    return (
        score(heldout, [rules.classify(e.post) for e in heldout]),
        score(heldout, [classifier.classify(e.post) for e in heldout]),
        report_from_labels(heldout, Baseline(dev).predict(heldout)),
    )


def table(title: str, reports: dict[str, Report]) -> list[str]:
    rows = {name: summary(report) for name, report in reports.items()}
    metrics = list(next(iter(rows.values())))
    lines = [
        f"### {title}",
        "",
        "| metric | " + " | ".join(rows) + " |",
        "|---" * (len(rows) + 1) + "|",
    ]
    for metric in metrics:
        values = " | ".join(f"{rows[name].get(metric, float('nan')):.3f}" for name in rows)
        lines.append(f"| {metric} | {values} |")
    return [*lines, ""]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--sets", default=",".join(SETS))
    args = parser.parse_args()
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT
    ).stdout.strip()
    print(
        f"## Quality, {time.strftime('%Y-%m-%d')}, commit {commit}, {platform.machine()}, "
        f"{args.folds}-fold CV\n"
    )
    for name in args.sets.split(","):
        sets = dev_and_heldout(name)
        if sets is None:
            print(f"### {name}: skipped (../shared/data/banking77 not found)\n")
            continue
        dev, heldout = sets
        rules, ours, theirs, ours_s, theirs_s = cross_validated(dev, args.folds)
        title = (
            f"{name}: {len(dev):,} posts, {args.folds}-fold CV "
            f"(train+predict {ours_s:.1f} s ours, {theirs_s:.1f} s baseline)"
        )
        print("\n".join(table(title, {"rules": rules, "ours": ours, "baseline": theirs})))
        rules, ours, theirs = held_out(dev, heldout)
        title = f"{name}: trained on {len(dev):,} dev posts, scored on {len(heldout):,} held out"
        print(
            "\n".join(table(title, {"rules": rules, "ours": ours, "baseline": theirs})), flush=True
        )


if __name__ == "__main__":
    main()

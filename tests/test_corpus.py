"""The playbook measured on labelled corpora; fails below the floors in benchmarks/README.md.

``labelled_posts.jsonl`` is the development corpus (its errors were studied while writing
the default rules). ``heldout_posts.jsonl`` was written later by someone who saw neither
the rules nor the first corpus; its errors are never studied, so it measures how the rules
generalize. Never edit a label to make a rule pass.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from sf_social.classifier import RuleClassifier
from sf_social.evaluation import Report, evaluate
from sf_social.labels import NO_ACTION, LabelledPost, Task, read_labelled
from sf_social.playbook import load_playbook

DATA = Path(__file__).parent / "data"
REPORTS: dict[str, str] = {}

DEV_FLOORS = {  # segment: (precision, recall)
    "Request": (0.65, 0.63),  # recall-first rules: more problem cues, a few false Cases
    "Question": (0.62, 0.75),
    "Abuse": (0.85, 0.47),
    "Praise": (0.57, 0.55),
    "Lead": (0.79, 0.61),
    "Suggestion": (0.88, 0.59),
    "Fraud": (0.80, 0.50),  # lost/stolen cards and disputed charges now read as Fraud
}


@pytest.fixture(scope="module")
def classifier() -> RuleClassifier:
    return RuleClassifier(load_playbook())


def examples(name: str) -> list[LabelledPost]:
    read = list(read_labelled(DATA / name))
    assert all(isinstance(e, LabelledPost) for e in read), read
    return [e for e in read if isinstance(e, LabelledPost)]


def run(name: str, classifier: RuleClassifier) -> Report:
    report = evaluate(examples(name), classifier)
    REPORTS[name] = report.render()
    return report


def test_development_corpus_floors(classifier: RuleClassifier) -> None:
    report = run("labelled_posts.jsonl", classifier)
    segments = report.tasks[Task.SEGMENT]
    assert segments.total >= 300
    assert report.tasks[Task.COMPLAINT].score("true").f1 >= 0.80, report.render()
    assert segments.accuracy >= 0.63, report.render()
    for segment, (precision, recall) in DEV_FLOORS.items():
        score = segments.score(segment)
        assert score.precision >= precision, f"{segment} precision\n{report.render()}"
        assert score.recall >= recall, f"{segment} recall\n{report.render()}"


def test_heldout_corpus_floors(classifier: RuleClassifier) -> None:
    report = run("heldout_posts.jsonl", classifier)
    segments = report.tasks[Task.SEGMENT]
    assert segments.total >= 180
    # 0.68 before the recall-first default rules: they trade some complaint precision
    # on this bank corpus (abuse and fee mentions it labels as no complaint) for recall on
    # airline, brand and banking77 posts.
    assert report.tasks[Task.COMPLAINT].score("true").f1 >= 0.64, report.render()
    assert segments.accuracy >= 0.55, report.render()


# The default rules on the domain sets of tests/data/labelled (README there). Floors sit
# a little under what the rules reach (benchmarks/README.md); "case" is the share of
# labelled complaints that get a Case, "sentiment" the 3-class macro-F1.
DOMAIN_FLOORS: dict[str, dict[str, float]] = {
    "airline.dev": {"complaint.true": 0.84, "case": 0.90, "sentiment": 0.78},
    "brands.dev": {"complaint": 0.86, "case": 0.90, "sentiment": 0.70},
    "forum.dev": {"segment.Suggestion": 0.78, "case": 0.86},
    "general.dev": {"segment.Abuse": 0.90},
    "banking77.sample": {"segment": 0.70, "segment.Fraud": 0.70},
    # held out: never tuned on, errors never studied
    "airline.heldout": {"complaint.true": 0.85, "case": 0.87, "sentiment": 0.75},
    "brands.heldout": {"complaint": 0.80, "case": 0.80, "sentiment": 0.62},
    "forum.heldout": {"segment.Suggestion": 0.55, "case": 0.72},
    "general.heldout": {"segment.Abuse": 0.74},
}


@pytest.mark.parametrize("name", DOMAIN_FLOORS)
def test_domain_set_floors(name: str, classifier: RuleClassifier) -> None:
    report = run(f"labelled/{name}.jsonl", classifier)
    for measure, floor in DOMAIN_FLOORS[name].items():
        task, _, label = measure.partition(".")
        if measure == "case":
            value = report.case_recall
        elif task == "segment" and not label:
            value = report.tasks[Task.SEGMENT].accuracy
        else:
            value = report.tasks[Task(task)].f1(label or None)
        assert value >= floor, f"{name} {measure} {value:.3f} < {floor}\n{report.render()}"


def test_corpus_covers_what_the_issue_asks() -> None:
    corpus = examples("labelled_posts.jsonl")
    texts = {e.post.text for e in corpus}
    assert (
        "@boahelp still can't get mobile deposit to work. it crashes every time i submit check "
        "for deposit #fail"
    ) in texts
    segments = {e.labels[Task.SEGMENT] for e in corpus}
    assert NO_ACTION in segments and len(segments) == 8
    assert sum(e.labels[Task.COMPLAINT] == "true" for e in corpus) >= 60
    assert sum((e.post.lang or "en") != "en" for e in corpus) >= 30

"""Training: each task learns from the posts carrying its label; cross-validation is honest."""

from __future__ import annotations

from sf_social.classifier import RuleClassifier
from sf_social.evaluation import score
from sf_social.labels import LabelledPost, Task
from sf_social.learning.training import cross_validate, fold_indices, train, training_hash
from sf_social.playbook import load_playbook
from tests.learning.conftest import banking_model, labelled


def test_each_task_learns_only_from_posts_with_its_label() -> None:
    model = banking_model()
    assert list(model.heads) == [Task.SEGMENT, Task.COMPLAINT, Task.SENTIMENT]
    counts = model.meta["label_counts"]
    # the BANKING77 sample has no sentiment labels: sentiment counts only the airline posts
    assert sum(counts["sentiment"].values()) == len(labelled("airline.dev"))
    assert sum(counts["segment"].values()) == len(labelled("airline.dev")) + 400
    assert set(model.heads[Task.COMPLAINT]) == {"true", "false"}


def test_a_task_with_one_label_value_is_skipped_with_the_reason() -> None:
    examples = [
        LabelledPost(e.post, {Task.SEGMENT: e.labels[Task.SEGMENT], Task.COMPLAINT: "false"})
        for e in labelled("banking77.sample")[:60]
    ]
    result = train(examples, load_playbook())
    assert result.model is not None and list(result.model.heads) == [Task.SEGMENT]
    assert "two label values (false ×60)" in result.skipped[Task.COMPLAINT]
    assert "no label" in result.skipped[Task.SENTIMENT]


def test_no_task_with_two_values_means_no_model() -> None:
    examples = [
        LabelledPost(e.post, {Task.SENTIMENT: "Neutral"}) for e in labelled("forum.dev")[:5]
    ]
    assert train(examples, load_playbook()).model is None


def test_the_training_hash_follows_posts_and_labels() -> None:
    examples = labelled("banking77.sample")[:20]
    assert training_hash(examples) == training_hash(list(examples))
    relabelled = [LabelledPost(examples[0].post, {Task.SEGMENT: "Praise"}), *examples[1:]]
    assert training_hash(relabelled) != training_hash(examples)
    assert banking_model().meta["training_sha256"] == training_hash(
        labelled("banking77.sample") + labelled("airline.dev")
    )


def test_folds_are_seeded_and_balanced() -> None:
    folds = fold_indices(103, 5)
    assert folds == fold_indices(103, 5)
    assert sorted(folds.count(k) for k in range(5)) == [20, 20, 21, 21, 21]


def test_cross_validated_model_beats_the_rules_on_real_bank_queries() -> None:
    """BANKING77 (real queries): a model learns what the rules cannot (CV on the sample)."""
    examples = labelled("banking77.sample")
    playbook = load_playbook()
    learned = score(examples, cross_validate(examples, playbook, 4))
    rules = RuleClassifier(playbook)
    baseline = score(examples, [rules.classify(e.post) for e in examples])
    assert learned.tasks[Task.SEGMENT].accuracy >= 0.80, learned.render()
    assert learned.tasks[Task.SEGMENT].accuracy > baseline.tasks[Task.SEGMENT].accuracy
    assert learned.tasks[Task.COMPLAINT].f1("true") >= 0.80, learned.render()

"""Which corrections are held back, and when a new model replaces the one in use."""

from __future__ import annotations

from collections import Counter

from sf_social.evaluation import Report, TaskReport
from sf_social.labels import LabelledPost, Task
from sf_social.learning.replacement import compare, held_back
from sf_social.posts import SocialPost


def example(n: int) -> LabelledPost:
    post = SocialPost.model_validate({"network": "twitter", "id": str(n), "text": f"post {n}"})
    return LabelledPost(post, {Task.SEGMENT: "Request"})


def report(**confusions: Counter[tuple[str, str]]) -> Report:
    return Report(tasks={Task(t): TaskReport(Task(t), c) for t, c in confusions.items()})


def test_about_the_share_is_held_back_the_same_posts_every_run() -> None:
    examples = [example(n) for n in range(1_000)]
    kept, held = held_back(examples, 0.2)
    assert 150 < len(held) < 250 and len(kept) + len(held) == 1_000
    again = held_back(list(reversed(examples)), 0.2)[1]
    assert {e.post.id for e in again} == {e.post.id for e in held}


def test_the_new_model_must_be_strictly_better_on_the_tasks_both_scored() -> None:
    right = Counter({("Request", "Request"): 3, ("Fraud", "Fraud"): 1})
    wrong = Counter({("Request", "Question"): 3, ("Fraud", "Request"): 1})
    better = compare(report(segment=right), report(segment=wrong))
    assert better.better and better.tasks == (Task.SEGMENT,)
    assert (better.new, better.old) == (1.0, 0.0)
    assert not compare(report(segment=right), report(segment=right)).better
    assert not compare(report(segment=right), report(complaint=right)).better  # nothing shared

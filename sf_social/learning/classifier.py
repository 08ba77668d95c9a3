"""The rules and a trained model together: the model decides what it learned.

For each task the model was trained on, its prediction is the output; the rules decide
the others. A model that saw only some segments (say Suggestion vs None) decides
membership of those: its None means "none of the learned ones", so the rules' segment
stands unless it is a learned one. The rules keep the decisions that must not depend on
statistics — our own accounts, escalation, priority, language review — and never change a
learned value. Below its task's ``min_confidence`` a segment or complaint prediction still
stands and sets a review reason (sentiment never sends a post to review).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from sf_social.classification import Classification, Evidence, Segment, Sentiment
from sf_social.classifier import Learned, RuleClassifier, RulesSaid
from sf_social.labels import NO_ACTION, Task
from sf_social.learning.features import PostFeatures, post_features
from sf_social.learning.model import Prediction
from sf_social.playbook import Playbook
from sf_social.posts import SocialPost

MIN_CONFIDENCE = {Task.SEGMENT: 0.35, Task.COMPLAINT: 0.6}
"""Below these probabilities a learned value sends the post to review. On the held-out
sets (tests/data/labelled) they flag 5-15% of posts, about half of them wrong; 0.5 for the
eight segments flagged 25-43%."""


class Predictor(Protocol):
    """What the classifier needs of a model (``LinearModel`` is one)."""

    @property
    def heads(self) -> dict[Task, tuple[str, ...]]:
        """Each task learned, with its labels."""
        ...

    @property
    def name(self) -> str:
        """The model's name, as evidence shows it."""
        ...

    def predict(self, features: PostFeatures) -> dict[Task, Prediction]:
        """Each learned task's prediction for one post."""
        ...


class ModelClassifier:
    """A ``Classifier``: the playbook's rules with a trained model's decisions."""

    def __init__(
        self,
        playbook: Playbook,
        model: Predictor,
        min_confidence: Mapping[Task, float] = MIN_CONFIDENCE,
    ) -> None:
        self.rules = RuleClassifier(playbook)
        self.model = model
        self.min_confidence = dict(min_confidence)
        learned = model.heads.get(Task.SEGMENT, ())
        self._learned_segments = frozenset(Segment(s) for s in learned if s != NO_ACTION)
        self._rule = f"model {model.name}"

    def classify(self, post: SocialPost) -> Classification:
        """Classify one post."""
        return self.rules.classify_with(post, self._learn)

    def _learn(self, post: SocialPost, said: RulesSaid) -> Learned:
        features = post_features(said)
        predictions = self.model.predict(features)
        fields: set[str] = set()
        evidence: list[Evidence] = []
        doubts: list[str] = []
        learned_segment: Segment | None = None
        if (guess := predictions.get(Task.SEGMENT)) is not None:
            if guess.label != NO_ACTION:
                learned_segment = Segment(guess.label)
                fields.add("segment")
            elif said.segment is None or said.segment in self._learned_segments:
                fields.add("segment")  # none of the learned ones, and the rules agree or defer
            if "segment" in fields:
                evidence.append(self._evidence(guess, learned_segment or "none"))
                doubts += self._doubt(guess)
        learned_complaint: bool | None = None
        if (guess := predictions.get(Task.COMPLAINT)) is not None:
            learned_complaint = guess.label == "true"
            fields.add("complaint")
            evidence.append(self._evidence(guess, guess.label))
            doubts += self._doubt(guess)
        mood: Sentiment | None = None
        if (guess := predictions.get(Task.SENTIMENT)) is not None:
            mood = Sentiment(guess.label)
            fields.add("sentiment")
            evidence.append(self._evidence(guess, guess.label))
        review = None
        if doubts:
            review = f"low model confidence: {'; '.join(doubts)}"
        confidence: dict[str, float] = {
            str(task): round(guess.confidence, 4)
            for task, guess in predictions.items()
            if task.value in fields
        }
        return Learned(
            frozenset(fields),
            learned_segment,
            learned_complaint,
            mood,
            evidence,
            review,
            self.model.name,
            confidence,
        )

    def _evidence(self, guess: Prediction, value: str) -> Evidence:
        detail = f"p={guess.confidence:.2f}"
        if guess.evidence:
            detail += f"; {guess.explain()}"
        return Evidence(field=guess.task.value, value=value, rule=self._rule, detail=detail)

    def _doubt(self, guess: Prediction) -> list[str]:
        floor = self.min_confidence.get(guess.task, 0.0)
        if guess.confidence >= floor:
            return []
        return [f"{guess.task}={guess.label} p={guess.confidence:.2f} < {floor:g}"]

"""The rules with a model: the model decides what it learned, the rules keep the hard overrides."""

from __future__ import annotations

from dataclasses import dataclass, field

from sf_social.classification import Priority, Segment, Sentiment
from sf_social.classifier import RuleClassifier
from sf_social.labels import NO_ACTION, Task
from sf_social.learning.classifier import ModelClassifier
from sf_social.learning.features import PostFeatures
from sf_social.learning.model import Prediction
from sf_social.playbook import load_playbook
from sf_social.posts import SocialPost
from tests.learning.conftest import banking_model

PLAYBOOK = load_playbook()
ALL_SEGMENTS = (*(s.value for s in Segment), NO_ACTION)


@dataclass
class Fixed:
    """A model that always answers ``answers`` (task → (label, probability))."""

    answers: dict[Task, tuple[str, float]]
    labels: dict[Task, tuple[str, ...]] = field(default_factory=dict)
    seen: list[PostFeatures] = field(default_factory=list)

    @property
    def heads(self) -> dict[Task, tuple[str, ...]]:
        defaults = {
            Task.SEGMENT: ALL_SEGMENTS,
            Task.COMPLAINT: ("true", "false"),
            Task.SENTIMENT: ("Positive", "Neutral", "Negative"),
        }
        return {task: self.labels.get(task, defaults[task]) for task in self.answers}

    @property
    def name(self) -> str:
        return "fixed"

    def predict(self, features: PostFeatures) -> dict[Task, Prediction]:
        self.seen.append(features)
        return {
            task: Prediction(task, label, p, (("w:word", 0.5),))
            for task, (label, p) in self.answers.items()
        }


def post(text: str, **fields: object) -> SocialPost:
    return SocialPost.model_validate({"network": "twitter", "id": "1", "text": text, **fields})


def classify(model: Fixed, text: str, **fields: object) -> tuple[ModelClassifier, object]:
    classifier = ModelClassifier(PLAYBOOK, model)
    return classifier, classifier.classify(post(text, **fields))


def test_the_model_decides_every_task_it_learned_with_its_evidence() -> None:
    model = Fixed(
        {
            Task.SEGMENT: ("Fraud", 0.9),
            Task.COMPLAINT: ("true", 0.8),
            Task.SENTIMENT: ("Negative", 0.7),
        }
    )
    c = ModelClassifier(PLAYBOOK, model).classify(post("thanks so much, love you guys"))
    assert (c.segment, c.complaint, c.sentiment) == (Segment.FRAUD, True, Sentiment.NEGATIVE)
    assert c.model == "fixed" and c.confidence == {
        "segment": 0.9,
        "complaint": 0.8,
        "sentiment": 0.7,
    }
    assert c.priority is Priority.HIGH and c.team == "Legal"  # the rules' routing of the answer
    learned = [e for e in c.evidence if e.field in ("segment", "complaint", "sentiment")]
    assert [e.field for e in learned] == ["segment", "complaint", "sentiment"]
    assert all(e.rule == "model fixed" and "w:word +0.50" in e.detail for e in learned)
    assert c.review_reason is None


def test_the_model_sees_what_the_rules_said_as_signals() -> None:
    model = Fixed({Task.COMPLAINT: ("true", 0.9)})
    ModelClassifier(PLAYBOOK, model).classify(post("app crashed again, awful, still broken #fail"))
    assert model.seen[0].signals.get("s:rules.complaint") == 1.0
    assert "s:vader.negative" in model.seen[0].signals


def test_the_rules_decide_what_the_model_did_not_learn() -> None:
    text = "@NorthwindHelp app keeps crashing #fail"
    rules = RuleClassifier(PLAYBOOK).classify(post(text))
    c = ModelClassifier(PLAYBOOK, Fixed({Task.SENTIMENT: ("Positive", 0.9)})).classify(post(text))
    assert (c.segment, c.complaint) == (rules.segment, rules.complaint)
    assert c.sentiment is Sentiment.POSITIVE


def test_a_model_of_some_segments_decides_only_their_membership() -> None:
    only: dict[Task, tuple[str, ...]] = {Task.SEGMENT: ("Suggestion", NO_ACTION)}
    problem = "@NorthwindHelp app keeps crashing, can't log in"
    assert RuleClassifier(PLAYBOOK).classify(post(problem)).segment is Segment.REQUEST
    # its None means "none of the learned ones": the rules' Request stands
    none = Fixed({Task.SEGMENT: (NO_ACTION, 0.9)}, only)
    assert ModelClassifier(PLAYBOOK, none).classify(post(problem)).segment is Segment.REQUEST
    # the rules' Suggestion is a learned segment: the model's None wins
    idea = "please add dark mode, it would be great"
    assert RuleClassifier(PLAYBOOK).classify(post(idea)).segment is Segment.SUGGESTION
    assert ModelClassifier(PLAYBOOK, none).classify(post(idea)).segment is None
    # and a learned segment is decided by the model
    yes = Fixed({Task.SEGMENT: ("Suggestion", 0.9)}, only)
    assert ModelClassifier(PLAYBOOK, yes).classify(post(problem)).segment is Segment.SUGGESTION


def test_escalation_stays_with_the_rules() -> None:
    model = Fixed({Task.SEGMENT: ("Praise", 0.95), Task.COMPLAINT: ("false", 0.95)})
    c = ModelClassifier(PLAYBOOK, model).classify(
        post("@NorthwindBank my lawyer will hear about this, great job")
    )
    assert c.segment is Segment.PRAISE and c.complaint is False  # the model's values stand
    assert c.escalate and c.priority is Priority.HIGH
    assert any(e.rule == "escalation.legal threat" for e in c.evidence)


def test_our_own_posts_are_never_given_to_the_model() -> None:
    model = Fixed({Task.SEGMENT: ("Abuse", 0.99)})
    c = ModelClassifier(PLAYBOOK, model).classify(
        post("Sorry to hear that! Please DM us.", author={"id": "9", "handle": "NorthwindHelp"})
    )
    assert c.segment is None and c.model is None and model.seen == []


def test_language_review_stays_with_the_model_values() -> None:
    model = Fixed({Task.SEGMENT: ("Request", 0.9)})
    c = ModelClassifier(PLAYBOOK, model).classify(post("アプリが動きません", lang="ja"))
    assert c.segment is Segment.REQUEST
    assert c.review_reason is not None and "language 'ja'" in c.review_reason


def test_low_confidence_keeps_the_guess_and_asks_for_review() -> None:
    model = Fixed(
        {
            Task.SEGMENT: ("Question", 0.31),
            Task.COMPLAINT: ("false", 0.55),
            Task.SENTIMENT: ("Neutral", 0.3),  # sentiment never sends a post to review
        }
    )
    c = ModelClassifier(PLAYBOOK, model).classify(post("what are your opening hours"))
    assert (c.segment, c.complaint) == (Segment.QUESTION, False)
    assert c.review_reason == (
        "low model confidence: segment=Question p=0.31 < 0.35; complaint=false p=0.55 < 0.6"
    )
    sure = Fixed({Task.SEGMENT: ("Question", 0.36), Task.COMPLAINT: ("false", 0.61)})
    assert ModelClassifier(PLAYBOOK, sure).classify(post("opening hours?")).review_reason is None


def test_off_brand_rules_never_change_a_learned_value() -> None:
    text = "contoso bank charged me twice and still no refund"
    rules = RuleClassifier(PLAYBOOK).classify(post(text))
    assert rules.complaint is False  # about a competitor: no complaint against us
    c = ModelClassifier(PLAYBOOK, Fixed({Task.COMPLAINT: ("true", 0.9)})).classify(post(text))
    assert c.complaint is True


def test_a_trained_model_explains_itself_in_words() -> None:
    c = ModelClassifier(PLAYBOOK, banking_model()).classify(
        post("my card payment was declined again at the shop")
    )
    segment = next(e for e in c.evidence if e.field == "segment")
    assert segment.rule.startswith("model ") and "p=" in segment.detail
    assert "w:" in segment.detail or "c:" in segment.detail

"""Classify and map in one step: post → classification → record plan."""

from __future__ import annotations

from pathlib import Path

from sf_social.classifier import Classifier, RuleClassifier
from sf_social.lead_form_plan import plan_post
from sf_social.mapping import Mapper
from sf_social.plan import RecordPlan
from sf_social.playbook import Playbook
from sf_social.posts import PostKind, SocialPost


class Pipeline:
    """A playbook's classifier and mapper; pass ``classifier`` to use another model."""

    def __init__(self, playbook: Playbook, classifier: Classifier | None = None) -> None:
        self.playbook = playbook
        self.classifier = classifier or RuleClassifier(playbook)
        self.mapper = Mapper(playbook)

    def plan(self, post: SocialPost) -> RecordPlan:
        """The record plan of ``post`` (a lead form response: its Lead and Task, unclassified)."""
        if post.kind is PostKind.LEAD_FORM:
            return plan_post(post, self.playbook)
        return self.mapper.plan(post, self.classifier.classify(post))


def classifier_for(playbook: Playbook, model: Path | None = None) -> Classifier:
    """The playbook's rules, with the trained model in ``model`` when one is given.

    ``ModelError`` (a ``ConfigError``) says why a model file cannot be used.
    """
    if model is None:
        return RuleClassifier(playbook)
    from sf_social.learning.classifier import ModelClassifier
    from sf_social.learning.model import LinearModel

    return ModelClassifier(playbook, LinearModel.load(model))

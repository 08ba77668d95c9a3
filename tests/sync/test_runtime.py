"""The runtime's pipeline: the configured playbook's rules, plus the configured model."""

from __future__ import annotations

from pathlib import Path

import pytest

from sf_social.classifier import RuleClassifier
from sf_social.config import Config
from sf_social.errors import ModelError
from sf_social.learning.classifier import ModelClassifier
from sf_social.state import MemoryStateStore
from sf_social.sync.runtime import Runtime
from tests.sync.conftest import tweet
from tests.tiny_model import IDEA, corrupt_model


def runtime(**config: object) -> Runtime:
    return Runtime(Config.model_validate(config), store=MemoryStateStore())


def test_without_a_model_the_pipeline_is_the_rules() -> None:
    pipeline = runtime().pipeline
    assert isinstance(pipeline.classifier, RuleClassifier)
    assert pipeline.classifier.classify(tweet("1", IDEA)).segment is None


def test_the_configured_model_decides_what_it_learned(tiny_model: Path) -> None:
    pipeline = runtime(model=tiny_model).pipeline
    assert isinstance(pipeline.classifier, ModelClassifier)
    plan = pipeline.plan(tweet("1", IDEA))
    assert [w.sobject for w in plan.writes] == ["Case", "Task"]
    assert plan.to_json()["segment"] == "Suggestion"


def test_an_unusable_model_is_a_model_error(tmp_path: Path) -> None:
    broken = corrupt_model(tmp_path / "broken.npz")
    with pytest.raises(ModelError, match="not a model file"):
        runtime(model=broken).pipeline  # noqa: B018

"""The public API: ``sf_social``'s names, pinned, and no exported name that means two things."""

from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys
from types import ModuleType

import pytest

import sf_social

PUBLIC = [
    "Author",
    "CaseRecord",
    "Classification",
    "Classifier",
    "ConfigError",
    "ContactRecord",
    "Direction",
    "Evidence",
    "InfluenceTier",
    "InputError",
    "LeadRecord",
    "ListeningTopic",
    "Network",
    "Pipeline",
    "PlannedWrite",
    "Playbook",
    "PostKind",
    "Priority",
    "RecordPlan",
    "RuleClassifier",
    "SalesforceError",
    "Segment",
    "Sentiment",
    "SfSocialError",
    "SocialPost",
    "SourceApiError",
    "SourceTag",
    "StateError",
    "StateStore",
    "SyncClient",
    "TaskRecord",
    "UserClass",
    "classifier_for",
    "connect",
    "load_playbook",
    "open_store",
    "read_feed",
]


def test_the_public_names_are_pinned() -> None:
    assert sf_social.__all__ == PUBLIC
    assert set(sf_social._HOME) == set(PUBLIC)


@pytest.mark.parametrize("name", PUBLIC)
def test_each_public_name_imports_from_its_home(name: str) -> None:
    home = importlib.import_module(sf_social._HOME[name])
    assert getattr(sf_social, name) is getattr(home, name)
    assert name in dir(sf_social)


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'Nothing'"):
        sf_social.Nothing  # noqa: B018


def test_importing_the_package_loads_no_dependency() -> None:
    code = "import sys, sf_social; print(sorted({m.split('.')[0] for m in sys.modules}))"
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    for heavy in ("pydantic", "sqlalchemy", "simple_salesforce", "requests", "yaml"):
        assert f"'{heavy}'" not in loaded


def exporting_packages() -> list[ModuleType]:
    """``sf_social`` and every sub-package that declares ``__all__``."""
    found = [sf_social]
    for info in pkgutil.walk_packages(sf_social.__path__, "sf_social."):
        if info.ispkg:
            found.append(importlib.import_module(info.name))
    return [package for package in found if hasattr(package, "__all__")]


def test_no_two_exported_names_mean_different_things() -> None:
    seen: dict[str, tuple[str, object]] = {}
    for package in exporting_packages():
        for name in package.__all__:
            value = getattr(package, name)
            first = seen.setdefault(name, (package.__name__, value))
            assert first[1] is value, f"{name}: {first[0]} and {package.__name__} differ"


def test_test_fakes_are_exported_from_testing_only() -> None:
    for package in exporting_packages():
        fakes = [name for name in package.__all__ if name.startswith(("InMemory", "Fake"))]
        if package.__name__ != "sf_social.testing":
            assert not fakes, f"{package.__name__} exports {fakes}: sf_social.testing does"

"""A model trained once per session on committed labelled posts (tests/data/labelled)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from sf_social.labels import LabelledPost, read_labelled
from sf_social.learning.model import LinearModel
from sf_social.learning.training import train
from sf_social.playbook import load_playbook

LABELLED = Path(__file__).parent.parent / "data" / "labelled"


def labelled(name: str) -> list[LabelledPost]:
    """The posts of ``tests/data/labelled/<name>.jsonl`` (every line must be good)."""
    read = list(read_labelled(LABELLED / f"{name}.jsonl"))
    assert all(isinstance(e, LabelledPost) for e in read)
    return [e for e in read if isinstance(e, LabelledPost)]


@cache
def banking_model() -> LinearModel:
    """Segment, complaint and sentiment learned from the BANKING77 sample and airline tweets."""
    model = train(labelled("banking77.sample") + labelled("airline.dev"), load_playbook()).model
    assert model is not None
    return model


@pytest.fixture(scope="session")
def model_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("model") / "banking.npz"
    banking_model().save(path)
    return path

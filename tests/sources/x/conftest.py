"""Fixtures for the X source: documented payloads (tests/data/x) and the default playbook."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from sf_social.playbook import Playbook, load_playbook

DATA = Path(__file__).resolve().parents[2] / "data" / "x"


def payload(name: str) -> dict[str, Any]:
    """A fixture from tests/data/x (its ``_source`` key cites the reference page)."""
    body: dict[str, Any] = json.loads((DATA / name).read_text(encoding="utf-8"))
    return body


@pytest.fixture(scope="session")
def playbook() -> Playbook:
    return load_playbook()

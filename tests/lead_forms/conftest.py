"""The sync rig of tests/sync, for lead forms."""

from __future__ import annotations

import pytest

from sf_social.sources.memory import MemorySource
from tests.sync.conftest import NOW, Rig, memory_engine


@pytest.fixture
def rig() -> Rig:
    source = MemorySource(batch_size=50, name="feed")
    now = [NOW]
    engine, org, store = memory_engine([source], clock=lambda: now[0])
    return Rig(org, store, source, engine, lambda: now[0], now)

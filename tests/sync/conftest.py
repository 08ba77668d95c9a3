"""A sync engine on the in-memory store, writer and org: fast, no I/O."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from sf_social.pipeline import Pipeline
from sf_social.playbook import load_playbook
from sf_social.posts import SocialPost
from sf_social.sources.base import Source
from sf_social.sources.memory import MemorySource
from sf_social.state import MemoryStateStore
from sf_social.sync.engine import SyncEngine
from sf_social.sync.push import PushPolicy
from sf_social.testing import InMemoryOrg, InMemoryWriter

QUEUES = (
    "Social_Technical_Support",
    "Social_Customer_Support",
    "Social_PR",
    "Social_Marketing",
    "Social_Sales",
    "Social_Product_Management",
    "Social_Legal",
    "Social_Soporte_ES",
    "Social_Review",
)


@dataclass
class Rig:
    """Everything a sync test touches."""

    org: InMemoryOrg
    store: MemoryStateStore
    source: MemorySource
    engine: SyncEngine
    clock: Callable[[], datetime]
    now: list[datetime]

    def feed(self, *posts: SocialPost) -> None:
        self.source.posts.extend(posts)

    def advance(self, **delta: float) -> None:
        self.now[0] += timedelta(**delta)

    def records(self, sobject: str) -> list[dict[str, Any]]:
        return list(self.org.records.get(sobject, {}).values())


NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def memory_engine(
    sources: Sequence[Source], clock: Callable[[], datetime] = lambda: NOW
) -> tuple[SyncEngine, InMemoryOrg, MemoryStateStore]:
    """An engine on the in-memory twins: an org with the playbook's queues, a fresh store."""
    org = InMemoryOrg()
    for queue in QUEUES:
        org.add_queue(queue)
    store = MemoryStateStore()
    store.migrate()
    policy = PushPolicy(backoff_base=timedelta(seconds=10))
    engine = SyncEngine(
        store,
        Pipeline(load_playbook()),
        InMemoryWriter(org),
        org,
        sources,
        policy,
        worker_id="test",
        clock=clock,
    )
    return engine, org, store


@pytest.fixture
def rig() -> Rig:
    source = MemorySource(batch_size=50, name="feed")
    now = [NOW]
    engine, org, store = memory_engine([source], clock=lambda: now[0])
    return Rig(org, store, source, engine, lambda: now[0], now)


def tweet(post_id: str, text: str, **fields: Any) -> SocialPost:
    """A tweet by a regular customer unless ``author`` says otherwise."""
    data: dict[str, Any] = {
        "network": "twitter",
        "id": post_id,
        "text": text,
        "created_at": "2026-11-20T11:00:00Z",
        "author": {"id": "u1", "handle": "dana", "name": "Dana Morales", "followers": 340},
        "url": f"https://x.com/dana/status/{post_id}",
        **fields,
    }
    return SocialPost.model_validate(data)

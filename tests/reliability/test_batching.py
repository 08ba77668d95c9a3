"""Where a post lands must not depend on how the feed was cut into batches.

In-process, on the in-memory twins (the batch boundary is the only difference).
"""

from __future__ import annotations

from sf_social.sources.memory import MemorySource
from sf_social.sync.passes import sync_pass
from tests.sync.conftest import memory_engine, tweet

COMPLAINT = "@NorthwindHelp the app keeps crashing when I deposit a check #fail"
DM = "my card was charged twice for the same purchase, still waiting on a refund"


def cases_after(batch_size: int) -> list[str]:
    """The Case keys after a complaint and, 30 minutes later, a DM by the same person."""
    source = MemorySource(batch_size=batch_size, name="feed")
    dm = {"kind": "direct_message", "conversation_id": "dm-7"}
    source.posts.extend(
        [
            tweet("1", COMPLAINT, created_at="2026-11-20T11:00:00Z"),
            tweet("2", DM, created_at="2026-11-20T11:30:00Z", **dm),
        ]
    )
    engine, org, _ = memory_engine([source])
    sync_pass(engine)
    return sorted(c["Social_Thread_Key__c"] for c in org.records.get("Case", {}).values())


def test_a_dm_after_a_complaint_joins_its_case_when_they_come_in_two_batches() -> None:
    assert cases_after(batch_size=1) == ["twitter:thread:1"]


def test_a_dm_after_a_complaint_joins_its_case_when_they_come_in_one_batch() -> None:
    assert cases_after(batch_size=50) == ["twitter:thread:1"]

"""Retention: raw payloads and dead letters leave the local state when configured."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sf_social.config.model import RetentionConfig
from sf_social.sources.facebook import FacebookWebhookSource, WebhookSpool, split_events
from sf_social.state import DeadLettered, Failure, MemoryStateStore
from sf_social.sync.passes import intake_pass
from sf_social.sync.retention import prune
from tests.sources.facebook import payloads as fb
from tests.state.plans import LEASE, T0, post, queued
from tests.sync.conftest import memory_engine


def test_read_payloads_are_blanked_after_the_grace_and_unread_ones_kept(tmp_path: Path) -> None:
    spool = WebhookSpool(tmp_path / "fb.db")
    source = FacebookWebhookSource(spool, page_id=fb.PAGE)
    engine, _, store = memory_engine([source])
    spool.add(split_events(fb.comment("C1")))
    intake_pass(store, engine.intake, source)
    spool.add(split_events(fb.comment("C2")))  # not read yet: kept whatever its age
    config = RetentionConfig(raw_grace=timedelta(hours=1))

    assert prune(store, [source], config, datetime.now(UTC)).raw == 0  # within the grace
    later = datetime.now(UTC) + timedelta(hours=2)
    assert prune(store, [source], config, later).raw == 1
    assert prune(store, [source], config, later).raw == 0  # idempotent

    (first, second) = spool.read(0, 10)
    assert first[2] == {"pruned": True} and fb.COMPLAINT not in repr(first)
    assert second[1] == "feed:comment:C2:add" and second[2]["value"]["message"] == fb.COMPLAINT
    store.commit_batch(source.name, None, [], [])  # a replay from the spool's start
    (batch,) = list(source.pull(None))
    assert [p.id for p in batch.posts] == ["C2"] and batch.rejected == []  # C1: no text left
    assert store.audit_log()[0].action == "prune"


def test_dead_letters_are_dropped_after_their_retention() -> None:
    store = MemoryStateStore()
    store.commit_batch("s", None, [post("1")], [queued("1")], now=T0)
    (row,) = store.claim_outbox("w", 10, T0, LEASE)
    store.settle([DeadLettered(row, Failure("INVALID_FIELD", "no such field"))], now=T0)
    config = RetentionConfig(dead_letters=timedelta(days=30))

    assert prune(store, [], config, T0 + timedelta(days=29)).dead_letters == 0
    assert prune(store, [], config, T0 + timedelta(days=31)).dead_letters == 1
    assert store.dead_letters() == []
    (line,) = store.audit_log()
    assert line.detail["dead_letters"] == 1 and line.detail["raw"] == 0

"""The claim rule as pure functions, and the plan codec, on their own."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from sf_social.feed import read_feed
from sf_social.pipeline import Pipeline
from sf_social.plan import PlannedWrite, RecordPlan
from sf_social.playbook import load_playbook
from sf_social.posts import SocialPost
from sf_social.records import CaseRecord, TaskRecord
from sf_social.state.codec import decode_plan, encode_plan
from sf_social.state.outbox import QueueSlot, contiguous_prefixes, select_claimable
from tests.state.plans import T0, plan

ROOT_FEED = Path(__file__).resolve().parents[2] / "sf_social" / "samples" / "sample_feed.jsonl"


def slot(row_id: int, key: str, due: int = 0, leased_for: int | None = None) -> QueueSlot:
    until = None if leased_for is None else T0 + timedelta(seconds=leased_for)
    return QueueSlot(row_id, key, T0 + timedelta(seconds=due), until)


def test_only_available_heads_are_claimable() -> None:
    slots = [
        slot(1, "a"),
        slot(2, "a"),
        slot(3, "b", due=10),  # not due: b is blocked
        slot(4, "b"),
        slot(5, "c", leased_for=5),  # leased: c is blocked
        slot(6, "c"),
        slot(7, "d", leased_for=-1),  # lease expired: claimable
    ]
    assert select_claimable(slots, T0, 10) == [1, 7]
    assert select_claimable(slots, T0, 1) == [1]
    assert select_claimable(slots, T0, 0) == []
    assert select_claimable(reversed(slots), T0, 10) == [1, 7]


def test_chains_take_a_prefix_up_to_per_key() -> None:
    slots = [slot(1, "a"), slot(2, "a"), slot(3, "a"), slot(4, "b"), slot(5, "a", due=9)]
    assert select_claimable(slots, T0, 10, per_key=2) == [1, 2, 4]
    assert select_claimable(slots, T0, 10, per_key=9) == [1, 2, 3, 4]
    assert select_claimable(slots, T0, 3, per_key=9) == [1, 2, 4]


def test_a_skipped_row_cuts_its_chain() -> None:
    candidates = [(1, "a"), (2, "a"), (3, "a"), (4, "b"), (5, "c")]
    assert contiguous_prefixes(candidates, {1, 3, 4}) == [1, 4]
    assert contiguous_prefixes(candidates, {2, 3, 4, 5}) == [4, 5]


def test_every_sample_plan_survives_the_codec() -> None:
    pipeline = Pipeline(load_playbook())
    with open(ROOT_FEED, "rb") as stream:
        posts = [p for p in read_feed(stream, str(ROOT_FEED)) if isinstance(p, SocialPost)]
    plans = [pipeline.plan(p) for p in posts]
    assert plans and any(
        w.record.model_fields_set & {"who", "what"} for p in plans for w in p.writes
    )
    for original in plans:
        assert decode_plan(encode_plan(original)) == original


def test_the_codec_round_trips_plans_exactly() -> None:
    original = plan("1")
    assert RecordPlan.model_validate_json(original.model_dump_json()) == original
    assert decode_plan(encode_plan(original)) == original


def test_the_codec_carries_every_field_of_a_write() -> None:
    stored = json.loads(encode_plan(plan("1")))
    for write in stored["plan"]["writes"]:
        assert set(PlannedWrite.model_fields) <= set(write)
        assert set(TaskRecord.model_fields) <= set(write["record"]) or set(
            CaseRecord.model_fields
        ) <= set(write["record"])

"""Plans read back in the process that queued them: the very plan, equal to a decoded one."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from sf_social.feed import read_feed
from sf_social.pipeline import Pipeline
from sf_social.plan import RecordPlan
from sf_social.playbook import load_playbook
from sf_social.posts import SocialPost
from sf_social.state.codec import RecentPlans, decode_plan, encode_plan
from sf_social.state.sql.store import SqlStateStore
from tests.state.plans import LEASE, T0, plan, post, queued

ROOT_FEED = Path(__file__).resolve().parents[2] / "sf_social" / "samples" / "sample_feed.jsonl"


def sample_plans() -> list[RecordPlan]:
    pipeline = Pipeline(load_playbook())
    with open(ROOT_FEED, "rb") as stream:
        posts = [p for p in read_feed(stream, str(ROOT_FEED)) if isinstance(p, SocialPost)]
    return [pipeline.plan(p) for p in posts]


def same(a: Any, b: Any) -> None:
    """``a`` and ``b`` alike field for field, down to the types of the values."""
    assert type(a) is type(b)
    if isinstance(a, BaseModel):
        assert list(a.__dict__) == list(b.__dict__)
        for name in a.__dict__:
            same(getattr(a, name), getattr(b, name))
    elif isinstance(a, list | tuple):
        assert len(a) == len(b)
        for x, y in zip(a, b, strict=True):
            same(x, y)
    elif isinstance(a, dict):
        assert list(a) == list(b)
        for key in a:
            same(a[key], b[key])
    else:
        assert a == b


def test_a_plan_read_back_is_the_one_encoded_and_equals_the_decoded_one() -> None:
    recent = RecentPlans()
    plans = sample_plans()
    assert any(p.writes for p in plans)
    for original in plans:
        text = recent.encode(original)
        assert recent.decode(text) is original
        same(original, decode_plan(text))
        again = recent.decode(text)  # read once: a second claim of the row decodes it
        assert again is not original
        same(again, original)


def test_encode_writes_the_text_json_dumps_would() -> None:
    for original in sample_plans():
        body = {"format": 2, "plan": original.model_dump(mode="json")}
        expected = json.dumps(body, separators=(",", ":"), ensure_ascii=False)
        assert encode_plan(original) == expected


def test_recent_plans_keep_the_newest_and_decode_the_rest() -> None:
    recent = RecentPlans(size=2)
    first, second, third = plan("1"), plan("2"), plan("3")
    texts = [recent.encode(p) for p in (first, second, third)]
    assert recent.decode(texts[2]) is third
    assert recent.decode(texts[1]) is second
    decoded = recent.decode(texts[0])  # dropped when the third came
    assert decoded is not first and decoded == first
    assert recent.decode(encode_plan(plan("4"))) == plan("4")  # never encoded here


def test_a_claim_gives_the_queued_plan_and_another_store_decodes_it(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'state.db'}"
    original = queued("1")
    store = SqlStateStore(url)
    store.commit_batch("feed", None, [post("1")], [original], now=T0)
    other = SqlStateStore(url)
    try:
        (row,) = store.claim_outbox("me", 10, T0, LEASE)
        assert row.plan is original.plan
        store.release([row])
        (again,) = other.claim_outbox("other", 10, T0, LEASE)
        assert again.plan is not original.plan
        same(again.plan, original.plan)
    finally:
        store.close()
        other.close()

"""Hostile webhook events: each is a rejected post naming its event, never an exception
that stops the source; the good events beside it are read (a fuzz test says so for any)."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sf_social.sources.facebook import FacebookWebhookSource, WebhookSpool, split_events
from tests.sources.facebook import payloads as fb
from tests.sources.fuzz import json_values


def _value(payload: dict[str, Any]) -> dict[str, Any]:
    value: dict[str, Any] = payload["entry"][0]["changes"][0]["value"]
    return value


def hostile_comments() -> dict[str, dict[str, Any]]:
    from_str = fb.comment("C_from")
    _value(from_str)["from"] = "str"
    huge_time = fb.comment("C_time")
    _value(huge_time)["created_time"] = 10**20
    far_time = fb.comment("C_far")
    _value(far_time)["created_time"] = 253402300799  # 9999-12-31
    nul_id = fb.comment("C\u0000x")
    return {"from_str": from_str, "huge_time": huge_time, "far": far_time, "nul": nul_id}


def pull_all(spool: WebhookSpool) -> tuple[list[str], list[str]]:
    source = FacebookWebhookSource(spool, fb.PAGE, batch_size=3)
    batches = list(source.pull(None))
    return [p.id for b in batches for p in b.posts], [str(e) for b in batches for e in b.rejected]


def test_hostile_events_are_rejected_and_the_good_ones_read(tmp_path: Path) -> None:
    spool = WebhookSpool(tmp_path / "spool.db")
    spool.add(split_events(fb.comment("GOOD_1")))
    for payload in hostile_comments().values():
        spool.add(split_events(payload))
    spool.add(split_events(fb.comment("GOOD_2")))
    posts, rejected = pull_all(spool)
    assert posts == ["GOOD_1", "GOOD_2"]
    assert len(rejected) == 4, rejected
    assert any("AttributeError" in r for r in rejected)
    assert any("control character" in r for r in rejected)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(junk=json_values, where=st.sampled_from(["value", "from", "created_time", "message"]))
def test_fuzz_no_event_stops_the_source(tmp_path: Path, junk: Any, where: str) -> None:
    hostile = fb.comment("HOSTILE")
    if where == "value":
        hostile["entry"][0]["changes"][0]["value"] = junk
    else:
        _value(hostile)[where] = junk
    spool = _SPOOLS.get(tmp_path) or _SPOOLS.setdefault(tmp_path, WebhookSpool(tmp_path / "s.db"))
    after = spool.count()
    spool.add(split_events(fb.comment(f"GOOD_{after}")) + split_events(copy.deepcopy(hostile)))
    spool.add(split_events(fb.message(f"m_{after}")))
    source = FacebookWebhookSource(spool, fb.PAGE, batch_size=2)
    posts = [p.id for b in source.pull({"seq": after}) for p in b.posts]
    assert f"GOOD_{after}" in posts and f"m_{after}" in posts


_SPOOLS: dict[Path, WebhookSpool] = {}
"""One spool per fuzz run (a new SQLite file per example costs half a second)."""

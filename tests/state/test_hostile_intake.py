"""Hostile lines on every backend: a NUL id is rejected on its line (on PostgreSQL it used to
raise DataError and roll back the good posts of its batch); NULs elsewhere are stored."""

from __future__ import annotations

import json
from pathlib import Path

from sf_social.pipeline import Pipeline
from sf_social.playbook import load_playbook
from sf_social.sources.jsonl import JsonlSource
from sf_social.state import StateStore
from sf_social.sync.intake import Intake, IntakeCounts

COMPLAINT = "my order arrived broken and support never answers, refund now"


def line(post_id: str, text: str = COMPLAINT, handle: str = "dana") -> str:
    author = {"id": f"u{len(post_id)}", "handle": handle}
    return json.dumps({"network": "twitter", "id": post_id, "text": text, "author": author})


def test_a_nul_id_is_rejected_and_its_batch_commits(store: StateStore, tmp_path: Path) -> None:
    feed = tmp_path / "feed.jsonl"
    lines = [
        line("1"),
        line("h\u0000x"),
        line("2", text="a NUL \u0000 inside the text"),
        line("3", handle="d\u0000na"),
        line("hx"),
    ]
    feed.write_text("\n".join(lines) + "\n", encoding="utf-8")
    intake = Intake(store, Pipeline(load_playbook()))
    counts = IntakeCounts()
    (batch,) = list(JsonlSource(feed).pull(None))
    intake.commit("feed", batch, counts)
    assert counts.rejected == 1 and "2: id:" in counts.rejections[0]
    assert counts.new == 4
    refs = [("twitter", i) for i in ("1", "2", "3", "hx", "h")]
    assert store.seen(refs) == {("twitter", i) for i in ("1", "2", "3", "hx")}
    state = store.source("feed")
    assert state is not None and state.cursor == batch.cursor

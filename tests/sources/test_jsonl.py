"""JsonlSource: batches, cursors that resume exactly where the last batch ended."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

import pytest

from sf_social.errors import InputError
from sf_social.sources.base import SourceBatch
from sf_social.sources.jsonl import JsonlSource
from sf_social.sources.memory import MemorySource


def post(i: int) -> str:
    return json.dumps({"network": "twitter", "id": str(i), "text": f"post {i}"})


def ids(batches: list[SourceBatch]) -> list[str]:
    return [p.id for b in batches for p in b.posts]


def test_batches_and_resume(tmp_path: Path) -> None:
    feed = tmp_path / "feed.jsonl"
    feed.write_text("\n".join(post(i) for i in range(7)) + "\n", encoding="utf-8")
    source = JsonlSource(feed, batch_size=3)
    first = list(source.pull(None))
    assert [len(b.posts) for b in first] == [3, 3, 1]
    # A crash after the second batch was stored: resume from its cursor.
    assert ids(list(source.pull(first[1].cursor))) == ["6"]
    # Nothing new: nothing to do.
    assert list(source.pull(first[-1].cursor)) == []
    with feed.open("a", encoding="utf-8") as more:
        more.write(post(7) + "\n")
    assert ids(list(source.pull(first[-1].cursor))) == ["7"]


def test_bad_lines_keep_their_numbers_after_a_resume(tmp_path: Path) -> None:
    feed = tmp_path / "feed.jsonl"
    feed.write_text(f"{post(1)}\n\n{post(2)}\n{{broken\n\n{post(3)}\n", encoding="utf-8")
    source = JsonlSource(feed, batch_size=1)
    batches = list(source.pull(None))
    assert ids(batches) == ["1", "2", "3"]
    (error,) = [e for b in batches for e in b.rejected]
    assert error.line_no == 4
    resumed = list(source.pull(batches[1].cursor))
    assert [e.line_no for b in resumed for e in b.rejected] == [4]
    assert ids(resumed) == ["3"]


def test_a_replaced_file_is_read_from_its_start(tmp_path: Path) -> None:
    feed = tmp_path / "feed.jsonl"
    feed.write_text(post(1) + "\n", encoding="utf-8")
    source = JsonlSource(feed)
    (batch,) = source.pull(None)
    replacement = tmp_path / "new.jsonl"
    replacement.write_text(post(2) + "\n" + post(3) + "\n", encoding="utf-8")
    os.replace(replacement, feed)
    assert ids(list(source.pull(batch.cursor))) == ["2", "3"]


def test_a_truncated_file_is_read_from_its_start_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    feed = tmp_path / "feed.jsonl"
    feed.write_text(post(1) + "\n" + post(2) + "\n", encoding="utf-8")
    source = JsonlSource(feed)
    (batch,) = source.pull(None)
    with feed.open("r+b") as stream:  # copy-truncate rotation, then the writer goes on
        stream.truncate(0)
    feed.write_text(post(3) + "\n" + post(4)[:10], encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="sf_social.sources.jsonl"):
        (after,) = source.pull(batch.cursor)
    assert ids([after]) == ["3"] and after.cursor["line"] == 1
    assert source.incomplete is not None and source.incomplete.line_no == 2
    (warning,) = caplog.records
    offset, size = batch.cursor["offset"], feed.stat().st_size
    assert str(feed) in warning.getMessage() and f"byte {offset:,}" in warning.getMessage()
    assert f"truncated to {size:,} bytes" in warning.getMessage()
    caplog.clear()
    assert list(source.pull(after.cursor)) == [] and not caplog.records  # no second warning


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot open the feed"):
        list(JsonlSource(tmp_path / "nope.jsonl").pull(None))


def test_memory_source_serves_what_is_appended() -> None:
    from sf_social.posts import SocialPost

    source = MemorySource([SocialPost(network="twitter", id="1", text="a")], batch_size=1)
    (batch,) = source.pull(None)
    source.posts.append(SocialPost(network="twitter", id="2", text="b"))
    assert ids(list(source.pull(batch.cursor))) == ["2"]


def test_an_incomplete_last_line_is_left_for_the_next_pull(tmp_path: Path) -> None:
    feed = tmp_path / "feed.jsonl"
    feed.write_text(post(1) + "\n" + post(2)[:20], encoding="utf-8")
    source = JsonlSource(feed, batch_size=10)
    (batch,) = list(source.pull(None))
    assert ids([batch]) == ["1"] and batch.rejected == []
    assert batch.cursor["line"] == 1 and batch.cursor["offset"] == len(post(1)) + 1
    assert source.incomplete is not None and source.incomplete.line_no == 2
    assert str(source.incomplete).endswith(":2: last line incomplete, not read")

    assert list(source.pull(batch.cursor)) == []  # still incomplete: nothing, no rejection
    assert source.incomplete is not None
    with feed.open("a", encoding="utf-8") as more:
        more.write(post(2)[20:])  # one complete JSON value, no newline yet: read
    (second,) = list(source.pull(batch.cursor))
    assert ids([second]) == ["2"] and second.cursor["line"] == 2 and source.incomplete is None
    with feed.open("a", encoding="utf-8") as more:
        more.write("\n" + post(3) + "\n")
    (third,) = list(source.pull(second.cursor))
    assert ids([third]) == ["3"] and third.cursor["line"] == 3


def test_a_blank_unterminated_tail_is_left_silently(tmp_path: Path) -> None:
    feed = tmp_path / "feed.jsonl"
    feed.write_text(post(1) + "\n  ", encoding="utf-8")
    source = JsonlSource(feed)
    (batch,) = list(source.pull(None))
    assert batch.cursor["offset"] == len(post(1)) + 1 and source.incomplete is None
    with feed.open("a", encoding="utf-8") as more:
        more.write(post(2) + "\n")
    (second,) = list(source.pull(batch.cursor))
    assert ids([second]) == ["2"] and second.cursor["line"] == 2

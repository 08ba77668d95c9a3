"""The JSON lines ``plan`` and ``classify`` write (``sf_social.cli.feedio.json_line``)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

from sf_social.cli.feedio import json_line


def test_a_line_is_compact_utf8_json_ending_in_a_newline() -> None:
    line = json_line({"text": "café ☕ 😀", "n": 3, "ok": True, "none": None, "x": [1.5]})
    assert line == '{"text":"café ☕ 😀","n":3,"ok":true,"none":null,"x":[1.5]}\n'.encode()


def test_values_json_has_no_type_for_are_written_as_their_str() -> None:
    when = datetime(2026, 12, 6, 9, 30, tzinfo=UTC)
    line = json_line({"at": when, "on": date(2026, 12, 6)})
    assert json.loads(line) == {"at": str(when), "on": "2026-12-06"}


def test_what_orjson_refuses_is_still_written_as_valid_json() -> None:
    huge = 10**30  # beyond 64 bits
    lone = "half \ud83d of an emoji"  # a lone surrogate is no UTF-8
    for value in (huge, lone):
        line = json_line({"value": value})
        assert line.endswith(b"\n") and b"\n" not in line[:-1]
        assert json.loads(line) == {"value": value}

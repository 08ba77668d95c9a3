"""Structured log lines: text with key=value, or one JSON object per line."""

from __future__ import annotations

import io
import json
import logging

from sf_social import logs


def test_text_and_json_lines() -> None:
    stream = io.StringIO()
    logs.configure("text", logging.INFO, stream)
    log = logging.getLogger("sf_social.test")
    logs.event(log, "intake", source="feed a", pulled=3, error=None)
    log.info("plain %s", "line")
    text = stream.getvalue().splitlines()
    assert text[0].endswith('INFO sf_social.test: intake source="feed a" pulled=3')
    assert text[1].endswith("INFO sf_social.test: plain line")

    stream = io.StringIO()
    logs.configure("json", logging.INFO, stream)
    logs.event(log, "push", logging.WARNING, written=2, dead=1)
    log.info("plain")
    first, second = (json.loads(line) for line in stream.getvalue().splitlines())
    assert first["event"] == "push" and first["level"] == "warning"
    assert (first["written"], first["dead"], first["logger"]) == (2, 1, "sf_social.test")
    assert first["ts"].endswith("Z")
    assert second["event"] == "plain" and "msg" not in second
    logging.getLogger().handlers.clear()


def test_every_json_line_has_the_same_keys_first() -> None:
    stream = io.StringIO()
    logs.configure("json", logging.INFO, stream)
    log = logging.getLogger("sf_social.test")
    logs.event(log, "push", written=2)
    log.warning("plain %d", 7)
    logs.event(log, "odd", event="mine", ts="also mine")  # fields never overwrite the keys
    try:
        raise ValueError("boom")
    except ValueError:
        log.exception("failed")
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    logging.getLogger().handlers.clear()
    assert all(list(line)[:4] == ["ts", "level", "logger", "event"] for line in lines)
    assert [line["event"] for line in lines] == ["push", "plain 7", "odd", "failed"]
    assert lines[2]["field_event"] == "mine" and lines[2]["field_ts"] == "also mine"
    assert "ValueError: boom" in lines[3]["exc"]


def test_echoed_events_are_not_logged_again_meanwhile() -> None:
    stream = io.StringIO()
    logs.configure("text", logging.INFO, stream)
    log = logging.getLogger("sf_social.test")
    with logs.echoed("rejected"):
        logs.event(log, "rejected", logging.WARNING, line="feed:3: text: missing")
        logs.event(log, "intake", pulled=3)
        log.warning("rejected")  # a plain message of the same words is not the event
    logs.event(log, "rejected", logging.WARNING, line="feed:4: text: missing")
    logging.getLogger().handlers.clear()
    lines = stream.getvalue().splitlines()
    assert [line.split(": ", 1)[1] for line in lines] == [
        "intake pulled=3",
        "rejected",
        'rejected line="feed:4: text: missing"',
    ]

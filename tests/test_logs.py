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
    assert second["msg"] == "plain" and "event" not in second
    logging.getLogger().handlers.clear()

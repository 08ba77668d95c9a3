"""Structured log lines: one event, its fields, as text or as one JSON object per line.

Code logs an event with :func:`event`; the fields travel in the record (``extra``) and the
formatter the operator chose renders them::

    event(log, "intake", source="feed", pulled=120, new=118)
    # text: 2026-11-20 12:00:00,123 INFO sf_social.sync.passes: intake source=feed pulled=120 ...
    # json: {"ts": "2026-11-20T12:00:00.123Z", "level": "info", "logger": "sf_social.sync.passes",
    #        "event": "intake", "source": "feed", "pulled": 120, "new": 118}

Records without fields (the library's ordinary log calls) render as usual, and in JSON
with their message under ``"msg"``. Every line, whoever logged it (tweepy and oauthlib at
``-vv`` included), goes through :func:`sf_social.redaction.redact` before it is written.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any, TextIO

from sf_social.redaction import redact

FIELDS = "sf_social_fields"
"""The ``LogRecord`` attribute that carries an event's fields."""


def event(logger: logging.Logger, name: str, level: int = logging.INFO, **fields: Any) -> None:
    """Log event ``name`` with ``fields`` (values: numbers, strings, None, lists, dicts)."""
    logger.log(level, name, extra={FIELDS: fields}, stacklevel=2)


def _text_value(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return json.dumps(text) if (not text or any(c in text for c in ' "=\n')) else text


class TextFormatter(logging.Formatter):
    """``time LEVEL logger: event key=value ...`` (values with spaces are quoted)."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        fields = getattr(record, FIELDS, None)
        if fields:
            tail = " ".join(f"{k}={_text_value(v)}" for k, v in fields.items() if v is not None)
            first, newline, rest = line.partition("\n")
            line = f"{first} {tail}{newline}{rest}"
        return redact(line)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ``ts``, ``level``, ``logger``, then the event or ``msg``."""

    def format(self, record: logging.LogRecord) -> str:
        at = datetime.fromtimestamp(record.created, UTC)
        data: dict[str, Any] = {
            "ts": at.strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
        }
        fields = getattr(record, FIELDS, None)
        if fields is not None:
            data["event"] = record.getMessage()
            data.update(fields)
        else:
            data["msg"] = record.getMessage()
        if record.exc_info:
            data["exc"] = self.formatException(record.exc_info)
        return redact(json.dumps(data, default=str, ensure_ascii=False))


def configure(
    log_format: str = "text", level: int = logging.INFO, stream: TextIO | None = None
) -> None:
    """Send every log record to ``stream`` (stderr) in ``log_format`` (``text``/``json``)."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)

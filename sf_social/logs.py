"""Structured log lines: one event, its fields, as text or as one JSON object per line.

Code logs an event with :func:`event`; the fields travel in the record (``extra``) and the
formatter the operator chose renders them::

    event(log, "intake", source="feed", pulled=120, new=118)
    # text: 2026-11-20 12:00:00,123 INFO sf_social.sync.passes: intake source=feed pulled=120 ...
    # json: {"ts": "2026-11-20T12:00:00.123Z", "level": "info", "logger": "sf_social.sync.passes",
    #        "event": "intake", "source": "feed", "pulled": 120, "new": 118}

Records without fields (the library's ordinary log calls) render as usual. In JSON every
line has the same keys: ``ts`` (UTC, ISO 8601, milliseconds), ``level`` (lower case),
``logger``, ``event`` (the event's name, or the whole message of a record without fields),
then the event's fields, and ``exc`` (the traceback) when there is one. Every line, whoever
logged it (tweepy and oauthlib at ``-vv`` included), goes through
:func:`sf_social.redaction.redact` before it is written.

A command that prints some events itself (each rejected line, each dead letter) wraps its
work in :func:`echoed` so that they are not logged a second time.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, TextIO

from sf_social.redaction import redact

FIELDS = "sf_social_fields"
"""The ``LogRecord`` attribute that carries an event's fields."""


EVENT = "sf_social_event"
"""The ``LogRecord`` attribute that carries an event's name."""


def event(logger: logging.Logger, name: str, level: int = logging.INFO, **fields: Any) -> None:
    """Log event ``name`` with ``fields`` (values: numbers, strings, None, lists, dicts).

    Its message is ``name key=value ...`` (None left out), so any formatter shows the
    fields, a host's or pytest's included.
    """
    logger.log(level, _Message(name, fields), extra={EVENT: name, FIELDS: fields}, stacklevel=2)


class _Message:
    """An event's text, made only when a handler formats it."""

    def __init__(self, name: str, fields: dict[str, Any]) -> None:
        self.name, self.fields = name, fields

    def __str__(self) -> str:
        pairs = (f"{k}={_text_value(v)}" for k, v in self.fields.items() if v is not None)
        return " ".join((self.name, *pairs))


def _text_value(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return json.dumps(text) if (not text or any(c in text for c in ' "=\n')) else text


class TextFormatter(logging.Formatter):
    """``time LEVEL logger: event key=value ...`` (values with spaces are quoted)."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ``ts``, ``level``, ``logger``, ``event``, its fields, ``exc``."""

    def format(self, record: logging.LogRecord) -> str:
        at = datetime.fromtimestamp(record.created, UTC)
        data: dict[str, Any] = {
            "ts": at.strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
        }
        data["event"] = getattr(record, EVENT, None) or record.getMessage()
        for key, value in (getattr(record, FIELDS, None) or {}).items():
            data[key if key not in data else f"field_{key}"] = value
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


class _Drop(logging.Filter):
    def __init__(self, events: frozenset[str]) -> None:
        super().__init__()
        self.events = events

    def filter(self, record: logging.LogRecord) -> bool:
        return getattr(record, EVENT, None) not in self.events


@contextmanager
def echoed(*events: str) -> Iterator[None]:
    """Within: events named ``events`` are not logged (the command prints each itself)."""
    drop = _Drop(frozenset(events))
    handlers = list(logging.getLogger().handlers)
    for handler in handlers:
        handler.addFilter(drop)
    try:
        yield
    finally:
        for handler in handlers:
            handler.removeFilter(drop)

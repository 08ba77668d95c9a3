"""Durations in settings: ``90`` (seconds), ``"90s"``, ``"5m"``, ``"1h30m"``, ``"500ms"``, ``"2d"``.

Numbers are seconds. Strings are a number of seconds or one or more ``<number><unit>``
parts (``ms``, ``s``, ``m``, ``h``, ``d``).
"""

from __future__ import annotations

import re
import reprlib
from datetime import timedelta
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator

_PART = re.compile(r"(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)", re.IGNORECASE)
_WHOLE = re.compile(r"^\s*(?:\d+(?:\.\d+)?\s*(?:ms|s|m|h|d)\s*)+$", re.IGNORECASE)
_UNIT = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}

MAX_DURATION = timedelta(days=36_500)
"""The longest duration accepted anywhere (100 years): beyond it dates overflow."""


def parse_duration(value: Any) -> Any:
    """``value`` as a ``timedelta``: a number of seconds or a ``1h30m``-style string.

    ``ValueError`` saying what to write when it is not one, or longer than ``MAX_DURATION``.
    """
    if isinstance(value, timedelta):
        return _bounded(value.total_seconds(), value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _bounded(value, value)
    if isinstance(value, str):
        text = value.strip()
        if re.fullmatch(r"-?\d+(?:\.\d+)?", text):
            return _bounded(float(text), value)
        if _WHOLE.match(text):
            seconds = sum(float(n) * _UNIT[u.lower()] for n, u in _PART.findall(text))
            return _bounded(seconds, value)
    raise ValueError(
        f"not a duration: {reprlib.repr(value)}; use seconds (90) or 90s, 5m, 1h, 1h30m"
    )


def _bounded(seconds: float, value: Any) -> timedelta:
    if not abs(seconds) <= MAX_DURATION.total_seconds():  # NaN and inf included
        raise ValueError(
            f"duration {reprlib.repr(value)} is out of range:"
            f" at most {MAX_DURATION.days}d (100 years)"
        )
    return timedelta(seconds=seconds)


def _positive(value: timedelta) -> timedelta:
    if value <= timedelta(0):
        raise ValueError("must be a positive duration, e.g. 30s, 5m or 1h")
    return value


Duration = Annotated[timedelta, BeforeValidator(parse_duration), AfterValidator(_positive)]
"""A positive duration read from seconds or ``30s`` / ``5m`` / ``1h``."""


def format_duration(value: timedelta | float | None) -> str:
    """``1h 05m``, ``3m 20s``, ``12s``, ``0.4s``: short, for tables and messages."""
    if value is None:
        return "-"
    seconds = value.total_seconds() if isinstance(value, timedelta) else float(value)
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    if seconds < 10:
        return f"{sign}{seconds:.1f}s"
    whole = int(seconds)
    days, rest = divmod(whole, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{sign}{days}d {hours:02d}h"
    if hours:
        return f"{sign}{hours}h {minutes:02d}m"
    if minutes:
        return f"{sign}{minutes}m {secs:02d}s"
    return f"{sign}{secs}s"

"""Time for the store: aware UTC datetimes only, so SQLite and PostgreSQL compare alike."""

from __future__ import annotations

from datetime import UTC, datetime

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
"""Earlier than anything the store holds."""


def utc_now() -> datetime:
    """The current time, aware, in UTC."""
    return datetime.now(UTC)


def as_utc(value: datetime, what: str = "time") -> datetime:
    """``value`` in UTC; a naive datetime is refused (its zone would be a guess)."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{what} must be timezone-aware (got naive {value.isoformat()})")
    return value.astimezone(UTC)


def now_or(value: datetime | None) -> datetime:
    """``value`` in UTC, or the current time when ``None``."""
    return utc_now() if value is None else as_utc(value)

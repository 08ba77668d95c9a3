"""Salesforce's date/time values (``2026-11-20T11:00:00.000+0000``) as aware datetimes."""

from __future__ import annotations

from datetime import UTC, datetime


def parse_api_time(value: object) -> datetime | None:
    """An API date/time string as an aware datetime (naive: UTC); None for anything else."""
    if not isinstance(value, str) or not value:
        return None
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00").replace("+0000", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)

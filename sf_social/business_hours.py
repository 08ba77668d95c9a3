"""Business hours: minutes counted only on working days between opening and closing time.

The playbook's ``response_targets.business_hours`` (optional) makes response targets and
the minutes to our first reply count business minutes: a complaint on Friday evening with
a 60-minute target is due an hour after Monday's opening.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MAX_DAYS = 3660
"""Days walked at most (ten years): beyond, the count stops there."""


class BusinessHours(BaseModel):
    """Working days and hours in one time zone."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    timezone: str = Field(default="UTC", description="an IANA time zone, e.g. Europe/London")
    days: list[str] = Field(default=list(WEEKDAYS[:5]), min_length=1)
    start: time = time(9, 0)
    end: time = time(17, 0)

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ValueError, KeyError) as exc:  # ZoneInfoNotFoundError is a KeyError
            raise ValueError(f"unknown time zone {value!r} (use an IANA name)") from exc
        return value

    @field_validator("days")
    @classmethod
    def _days(cls, value: list[str]) -> list[str]:
        unknown = [d for d in value if d not in WEEKDAYS]
        if unknown:
            raise ValueError(f"unknown days {unknown}: use {', '.join(WEEKDAYS)}")
        return value

    @model_validator(mode="after")
    def _order(self) -> BusinessHours:
        if self.end <= self.start:
            raise ValueError(f"end {self.end} is not after start {self.start}")
        return self

    def _open(self, day: date) -> tuple[datetime, datetime] | None:
        """The day's opening and closing times (UTC), or None on a day off."""
        if WEEKDAYS[day.weekday()] not in self.days:
            return None
        zone = ZoneInfo(self.timezone)
        opens = datetime.combine(day, self.start, zone).astimezone(UTC)
        return opens, datetime.combine(day, self.end, zone).astimezone(UTC)

    def _day(self, at: datetime) -> date:
        return at.astimezone(ZoneInfo(self.timezone)).date()

    def minutes_between(self, start: datetime, end: datetime) -> int:
        """Whole business minutes from ``start`` to ``end`` (0 when ``end`` is not later)."""
        seconds = 0.0
        day = self._day(start)
        for _ in range(MAX_DAYS):
            if day > self._day(end):
                break
            hours = self._open(day)
            if hours is not None:
                opens, closes = max(hours[0], start), min(hours[1], end)
                seconds += max(0.0, (closes - opens).total_seconds())
            day += timedelta(days=1)
        return int(seconds // 60)

    def add_minutes(self, start: datetime, minutes: int) -> datetime | None:
        """The time ``minutes`` business minutes after ``start``; None beyond ``MAX_DAYS``."""
        left = timedelta(minutes=minutes)
        day = self._day(start)
        for _ in range(MAX_DAYS):
            hours = self._open(day)
            if hours is not None:
                opens = max(hours[0], start)
                if opens < hours[1]:
                    if opens + left <= hours[1]:
                        return opens + left
                    left -= hours[1] - opens
            day += timedelta(days=1)
        return None


def minutes_to_respond(start: datetime, end: datetime, hours: BusinessHours | None) -> int:
    """Whole minutes from ``start`` to ``end`` (0 when ``end`` is not later): business
    minutes with ``hours``, else calendar minutes."""
    if hours is not None:
        return hours.minutes_between(start, end)
    return max(0, int((end - start).total_seconds() // 60))

"""Business hours: minutes counted on working days only, due times in working time."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest
from pydantic import ValidationError

from sf_social.business_hours import BusinessHours, minutes_to_respond
from sf_social.classification import Priority, Segment
from sf_social.playbook import load_playbook
from sf_social.routing import response_due

LONDON = BusinessHours(timezone="Europe/London")  # Mon-Fri 09:00-17:00


def utc(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def test_minutes_count_working_hours_only() -> None:
    friday_evening, monday_ten = utc(20, 18), utc(23, 10)  # 2026-11-20 is a Friday
    assert LONDON.minutes_between(friday_evening, monday_ten) == 60
    assert LONDON.minutes_between(utc(20, 16, 30), utc(23, 9, 15)) == 45
    assert LONDON.minutes_between(utc(23, 10), utc(23, 9)) == 0
    assert minutes_to_respond(friday_evening, monday_ten, None) == 64 * 60


def test_the_time_zone_and_its_clock_changes_count() -> None:
    # London is UTC+1 in summer: 09:00 there is 08:00 UTC
    assert LONDON.minutes_between(utc(3, 7, month=7), utc(3, 9, month=7)) == 60
    assert LONDON.add_minutes(utc(3, 7, month=7), 30) == utc(3, 8, 30, month=7)
    # the last Sunday of October: back to UTC; the Monday after opens at 09:00 UTC
    assert LONDON.add_minutes(utc(24, 20, month=10), 60) == utc(26, 10, month=10)


def test_a_due_time_skips_the_weekend() -> None:
    assert LONDON.add_minutes(utc(20, 16, 30), 60) == utc(23, 9, 30)
    book = load_playbook()
    hours = book.response_targets.model_copy(update={"business_hours": LONDON})
    with_hours = book.model_copy(update={"response_targets": hours})
    assert response_due(with_hours, utc(20, 18), Segment.REQUEST, Priority.MEDIUM) == utc(23, 10)
    assert response_due(book, utc(20, 18), Segment.REQUEST, Priority.MEDIUM) == utc(20, 19)


def test_bad_hours_are_refused_with_the_fix() -> None:
    with pytest.raises(ValidationError, match="unknown time zone 'Mars/Olympus'"):
        BusinessHours(timezone="Mars/Olympus")
    with pytest.raises(ValidationError, match="unknown days"):
        BusinessHours(days=["Monday"])
    with pytest.raises(ValidationError, match="is not after start"):
        BusinessHours(start=time(17), end=time(9))
    assert BusinessHours(days=["Sat"]).add_minutes(utc(23, 9), 10) == utc(28, 9, 10)

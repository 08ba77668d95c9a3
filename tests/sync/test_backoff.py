"""Push's backoff: doubling with jitter, capped, never sooner than the server's hint."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from sf_social.sync.push import PushPolicy

NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def test_the_delay_doubles_up_to_the_maximum_however_many_attempts() -> None:
    policy = PushPolicy(backoff_base=timedelta(seconds=30), backoff_max=timedelta(hours=1))
    rng = random.Random(1)
    for attempts, ceiling in ((1, 30), (2, 60), (3, 120), (8, 3600), (60, 3600), (10**6, 3600)):
        delay = (policy.next_attempt(attempts, NOW, None, rng) - NOW).total_seconds()
        assert ceiling / 2 <= delay <= ceiling


def test_a_retry_after_hint_is_honoured() -> None:
    policy = PushPolicy()
    assert policy.next_attempt(1, NOW, 600.0, random.Random(1)) == NOW + timedelta(seconds=600)

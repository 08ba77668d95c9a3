"""The org's daily API budget: watched on every response, writes paused near the ceiling.

Every REST answer carries ``Sforce-Limit-Info: api-usage=USED/MAX`` (the rolling 24 h
count). :class:`ApiBudget` keeps the latest figures; when ``used / max`` reaches the
ceiling (default 90%), or Salesforce answers ``REQUEST_LIMIT_EXCEEDED`` "TotalRequests Limit
exceeded", writes pause: :meth:`ApiBudget.check` raises ``ApiBudgetPaused`` with a message
saying why and when we look again. Usage only falls as old calls age out of the 24 h
window, so while paused we read the ``limits`` resource every ``recheck_seconds`` (one call)
and resume as soon as usage is back under the ceiling.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from simple_salesforce.api import Salesforce
from simple_salesforce.util import Usage

from sf_social.errors import ApiBudgetPaused

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BudgetPolicy:
    """``ceiling``: the share of the daily limit at which writes stop (0.9 = 90%)."""

    ceiling: float = 0.9
    recheck_seconds: float = 300.0

    def __post_init__(self) -> None:
        if not 0 < self.ceiling <= 1:
            raise ValueError(f"ceiling must be in (0, 1], not {self.ceiling}")


class ApiBudget:
    """Latest known API usage of the org, and whether writes may go on."""

    def __init__(
        self, policy: BudgetPolicy | None = None, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.policy = policy or BudgetPolicy()
        self._clock = clock
        self.used: int | None = None
        self.limit: int | None = None
        self._exhausted = False
        self._paused_since: float | None = None
        self._last_check: float | None = None

    def __repr__(self) -> str:
        return f"ApiBudget(used={self.used}, limit={self.limit}, paused={self.paused})"

    # -- what we learn -------------------------------------------------------------------

    def observe_header(self, value: str | None) -> None:
        """Record a ``Sforce-Limit-Info`` header value (ignored when absent or unreadable)."""
        if not value:
            return
        usage = Salesforce.parse_api_usage(value).get("api-usage")
        if isinstance(usage, Usage):
            self._observe(usage.used, usage.total)

    def observe_limits(self, limits: Mapping[str, Any]) -> None:
        """Record the answer of the ``limits`` resource (``DailyApiRequests``)."""
        daily = limits.get("DailyApiRequests")
        if isinstance(daily, Mapping):
            maximum, remaining = daily.get("Max"), daily.get("Remaining")
            if isinstance(maximum, int) and isinstance(remaining, int):
                self._exhausted = False
                self._observe(maximum - remaining, maximum)
        self._last_check = self._clock()

    def exhausted(self, message: str) -> None:
        """Salesforce said the daily budget is spent (REQUEST_LIMIT_EXCEEDED TotalRequests)."""
        self._exhausted = True
        if self.limit is not None:
            self.used = max(self.used or 0, self.limit)
        self._pause()
        log.warning("Salesforce daily API limit reached: %s", message)

    def _observe(self, used: int, limit: int) -> None:
        self.used, self.limit = used, limit
        if self.paused:
            self._pause()
        elif self._paused_since is not None:
            self._paused_since = None
            log.info("API usage back under the ceiling (%s): writes resume", self.describe())

    def _pause(self) -> None:
        if self._paused_since is None:
            self._paused_since = self._clock()
            self._last_check = self._paused_since
            log.warning("%s", self.pause_message())

    # -- what we decide ------------------------------------------------------------------

    @property
    def share(self) -> float | None:
        """``used / limit``, when known."""
        if self.used is None or not self.limit:
            return None
        return self.used / self.limit

    @property
    def paused(self) -> bool:
        """True while writes must wait."""
        share = self.share
        return self._exhausted or (share is not None and share >= self.policy.ceiling)

    def needs_recheck(self) -> bool:
        """True when paused and it is time to read ``limits`` again."""
        if not self.paused:
            return False
        last = self._last_check if self._last_check is not None else float("-inf")
        return self._clock() - last >= self.policy.recheck_seconds

    def retry_after(self) -> float:
        """Seconds until the next look at the usage."""
        if self._last_check is None:
            return self.policy.recheck_seconds
        return max(0.0, self.policy.recheck_seconds - (self._clock() - self._last_check))

    def check(self) -> None:
        """``ApiBudgetPaused`` when writes must wait, else nothing."""
        if self.paused:
            raise ApiBudgetPaused(self.pause_message(), retry_after=self.retry_after())

    def describe(self) -> str:
        if self.used is None or self.limit is None:
            return "usage unknown"
        share = self.share or 0.0
        return f"{self.used:,} of {self.limit:,} daily API requests used ({share:.1%})"

    def pause_message(self) -> str:
        why = (
            "Salesforce refused a call: daily API limit exceeded"
            if self._exhausted
            else f"{self.describe()}, at or above the {self.policy.ceiling:.0%} ceiling"
        )
        return (
            f"writes paused: {why}; they resume when usage falls under the ceiling"
            f" (next check in {self.retry_after():.0f} s)"
        )

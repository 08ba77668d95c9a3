"""Posts read this month, against an optional monthly read budget (X bills per post read).

The count travels in the source's cursor, so it is as durable as the batches it paid for
and survives restarts; it starts again at zero each calendar month (UTC).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass
class ReadBudget:
    monthly: int | None
    month: str
    count: int = 0
    this_pass: int = 0

    @classmethod
    def load(cls, saved: Any, monthly: int | None, now: datetime) -> ReadBudget:
        month = now.strftime("%Y-%m")
        if isinstance(saved, dict) and saved.get("month") == month:
            count = saved.get("count")
            return cls(monthly, month, count if isinstance(count, int) else 0)
        return cls(monthly, month)

    @property
    def exhausted(self) -> bool:
        return self.monthly is not None and self.count >= self.monthly

    @property
    def left(self) -> int | None:
        return None if self.monthly is None else max(self.monthly - self.count, 0)

    def add(self, reads: int) -> None:
        self.count += reads
        self.this_pass += reads

    def saved(self) -> dict[str, Any]:
        return {"month": self.month, "count": self.count}

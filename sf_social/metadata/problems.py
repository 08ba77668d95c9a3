"""A problem found in the metadata package: which file, which line, which component, what."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Problem:
    """One problem; ``str()`` reads ``file:line: component: message``.

    ``line`` is ``None`` when the problem is a whole file (or a file that should exist);
    ``component`` is e.g. ``Lead.Social_Network__c``, ``CaseOrigin`` or empty.
    """

    file: Path
    line: int | None
    component: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else str(self.file)
        return (
            f"{where}: {self.component}: {self.message}"
            if self.component
            else (f"{where}: {self.message}")
        )

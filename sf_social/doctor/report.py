"""The result of one preflight check, and the report as text or JSON."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any

from sf_social.redaction import redact


class Status(StrEnum):
    OK = "ok"
    WARN = "warn"
    FAIL = "fail"


@dataclass(frozen=True)
class Check:
    """One check: its area (salesforce, sources, state), name, status, detail and fix."""

    area: str
    name: str
    status: Status
    detail: str
    fix: str = ""


def ok(area: str, name: str, detail: str) -> Check:
    return Check(area, name, Status.OK, detail)


def warn(area: str, name: str, detail: str, fix: str = "") -> Check:
    return Check(area, name, Status.WARN, detail, fix)


def fail(area: str, name: str, detail: str, fix: str = "") -> Check:
    return Check(area, name, Status.FAIL, detail, fix)


def failed(checks: Sequence[Check]) -> list[Check]:
    return [c for c in checks if c.status is Status.FAIL]


def render_line(check: Check) -> str:
    """``fail  salesforce  queue Social_PR: ... -> fix: ...`` (secrets redacted)."""
    line = f"{check.status.value:4}  {check.area:10}  {check.name}: {check.detail}"
    return redact(line + (f" -> fix: {check.fix}" if check.fix else ""))


def render_text(checks: Sequence[Check]) -> list[str]:
    """One line per check, then the verdict."""
    counts = {s: sum(c.status is s for c in checks) for s in Status}
    summary = ", ".join(f"{n} {s.value}" for s, n in counts.items())
    verdict = "not ready" if counts[Status.FAIL] else "ready"
    return [*map(render_line, checks), f"{verdict}: {summary}"]


def as_json(checks: Sequence[Check]) -> dict[str, Any]:
    """``{"ok": bool, "checks": [{area, name, status, detail, fix}]}`` (secrets redacted)."""
    rows = [{k: redact(str(v)) for k, v in asdict(c).items()} for c in checks]
    return {"ok": not failed(checks), "checks": rows}

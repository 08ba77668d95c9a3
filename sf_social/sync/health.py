"""Health: is the sync keeping up? For ``sf-social health``, a container or systemd probe.

Four checks, each with what it saw, and what the sources refused:

- **passes**: every configured source and the push job finished a pass without error
  within ``max_pass_age`` (a daemon that stopped, hangs or keeps failing goes stale);
- **outbox**: the oldest planned write waited less than ``max_outbox_age`` (Salesforce
  unreachable, the API budget paused, a login refused...);
- **dead letters**: at most ``max_dead_letters`` (-1: not checked) wait for an operator;
- **writes**: the last push was not blocked (a login refused for good, the org lacking our
  fields or access): blocked, it fails at once, with what to fix;
- **rejected**: items each source refused at the input boundary in its last pass (shown,
  never a failure: hostile or broken input does not make the sync unhealthy).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sf_social.config.durations import format_duration
from sf_social.state import RunRecord, StateStore
from sf_social.sync.engine import PUSH_RUN, PUSH_STATUS


@dataclass(frozen=True)
class Check:
    """One check's verdict and what it saw."""

    name: str
    ok: bool
    detail: str


@dataclass
class HealthReport:
    """Every check; healthy when all pass."""

    checks: list[Check] = field(default_factory=list)

    @property
    def healthy(self) -> bool:
        return all(check.ok for check in self.checks)

    def render(self) -> str:
        """One ``ok``/``FAIL`` line per check, then the verdict."""
        lines = [f"{'ok  ' if c.ok else 'FAIL'}  {c.name}: {c.detail}" for c in self.checks]
        return "\n".join([*lines, "healthy" if self.healthy else "unhealthy"])


def last_good_pass(store: StateStore, job: str, *, scan: int = 50) -> datetime | None:
    """When the latest pass of ``job`` without error finished (``None``: not in the last
    ``scan`` runs)."""
    for run in store.runs(source=job, limit=scan):
        if run.finished_at is not None and run.error is None:
            return run.finished_at
    return None


def check_health(
    store: StateStore,
    sources: Sequence[str],
    *,
    max_pass_age: timedelta,
    max_outbox_age: timedelta,
    max_dead_letters: int,
    now: datetime,
) -> HealthReport:
    """The verdict on ``store`` for a daemon running ``sources`` and the push job."""
    report = HealthReport()
    for job in [*sources, PUSH_RUN]:
        last = last_good_pass(store, job)
        if last is None:
            report.checks.append(Check(f"pass {job}", False, "no successful pass recorded"))
            continue
        age = now - last
        detail = f"last successful pass {format_duration(age)} ago"
        limit = f" (limit {format_duration(max_pass_age)})"
        report.checks.append(Check(f"pass {job}", age <= max_pass_age, detail + limit))
    report.checks.append(_writes(store))
    status = store.status(now=now)
    report.checks.append(_rejected(status.last_runs, sources))
    oldest = status.oldest_outbox_age
    if oldest is None:
        report.checks.append(Check("outbox", True, "empty"))
    else:
        detail = (
            f"{status.outbox_depth} row(s)"
            + (f" ({status.outbox_held} held behind dead letters)" if status.outbox_held else "")
            + f", oldest waiting {format_duration(oldest)}"
            f" (limit {format_duration(max_outbox_age)})"
        )
        report.checks.append(Check("outbox", oldest <= max_outbox_age, detail))
    dead = sum(status.dead_letters_by_code.values())
    if max_dead_letters < 0:
        report.checks.append(Check("dead letters", True, f"{dead} (not checked)"))
    else:
        by_code = ", ".join(f"{c} {n}" for c, n in status.dead_letters_by_code.items())
        detail = f"{dead}{f' ({by_code})' if by_code else ''} (limit {max_dead_letters})"
        report.checks.append(Check("dead letters", dead <= max_dead_letters, detail))
    return report


def _writes(store: StateStore) -> Check:
    """Fails at once when the last push was blocked until an operator acts (a login refused
    for good, the org not set up for us): no later pass can succeed by itself."""
    state = store.source(PUSH_STATUS)
    blocked = state.status.get("blocked") if state and state.status else None
    if blocked:
        return Check("writes", False, f"blocked: {blocked}")
    return Check("writes", True, "not blocked")


def _rejected(last_runs: Mapping[str, RunRecord], sources: Sequence[str]) -> Check:
    """Items refused at the input boundary in each source's last pass: shown, never a
    failure (the daemon keeps up; a producer sends bad input, named in the log)."""
    counts = {s: run.counts.rejected for s in sources if (run := last_runs.get(s)) is not None}
    refused = {s: n for s, n in counts.items() if n}
    if not refused:
        return Check("rejected", True, "none in the last passes")
    listed = ", ".join(f"{s} {n:,}" for s, n in refused.items())
    return Check("rejected", True, f"{sum(refused.values()):,} in the last passes ({listed})")

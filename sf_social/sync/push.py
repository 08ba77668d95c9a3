"""Push: drain the outbox through the writer (design §3).

Claim due rows (per-key order, leases) unless the daily API budget is paused, read the
status of their threads' Cases from Salesforce (one query per batch; if that fails, the
batch waits for its next attempt unsent) and apply the threading decision, write, then
settle each row in one transaction: success → the ledger keeps the Salesforce Ids; a
transient failure → the row waits with exponential backoff and jitter; a permanent
failure, or too many attempts → dead letter with the code, message and fields.

A push that cannot go on until an operator acts — the login refused for good, the org
lacking our fields or access (``codes.SETUP_FIXES``) — is *blocked*: the rows go back
untried (no attempt spent, no lease left to expire), ``PushCounts.blocked`` says what to
fix, and ``health`` fails on it at once.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

from sf_social import crashpoints
from sf_social.errors import SalesforceApiError, SalesforceAuthError
from sf_social.plan import RecordPlan
from sf_social.playbook import Threading
from sf_social.records import CaseRecord
from sf_social.salesforce.api import Lookup, OrgApi
from sf_social.salesforce.codes import setup_fix
from sf_social.salesforce.delivery import Stop, budget_gate, failure_from
from sf_social.salesforce.results import PlanResult, RecordFailure, Status, WriteReport
from sf_social.salesforce.writer import Writer
from sf_social.state import (
    Completed,
    DeadLettered,
    Failure,
    OutboxRow,
    Outcome,
    Rescheduled,
    StateStore,
    ThreadState,
)
from sf_social.sync import threads as rules
from sf_social.sync.leases import default_worker_id, keep_leased, worker_is_dead

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class PushPolicy:
    """How the outbox is drained."""

    batch_size: int = 1_000
    per_key: int = 50
    """Rows of one thread (or person) one claim may take, in order: a long thread is one
    round, one Case read, one write call, not one each per reply."""
    lease: timedelta = timedelta(seconds=30)
    """How long a claim holds rows; renewed every third of it while their write is in flight,
    so a replica that dies frees its rows within this time (on one host: at once)."""
    max_attempts: int = 12
    backoff_base: timedelta = timedelta(seconds=30)
    backoff_max: timedelta = timedelta(hours=1)

    def next_attempt(
        self, attempts: int, now: datetime, hint: float | None, rng: random.Random
    ) -> datetime:
        """Exponential backoff with full jitter, never sooner than the server's hint."""
        ceiling = min(self.backoff_max, self.backoff_base * 2 ** max(attempts - 1, 0))
        delay = timedelta(seconds=rng.uniform(0.5, 1.0) * ceiling.total_seconds())
        if hint is not None:
            delay = max(delay, timedelta(seconds=hint))
        return now + delay


@dataclass
class PushCounts:
    """What push did in one pass."""

    claimed: int = 0
    written: int = 0
    """Plans written in full."""
    records: int = 0
    """Record writes of those plans that created or updated a Salesforce record (a plan
    has one or more; a record written by two plans counts twice)."""
    retried: int = 0
    dead: int = 0
    api_calls: int = 0
    stopped: str | None = None
    blocked: str | None = None
    """Why writes cannot go on until an operator acts (a login refused for good, the org
    not set up for us), with the fix; the claimed rows were given back untried."""
    dead_reasons: list[str] = field(default_factory=list)


class Push:
    """Drains the outbox of ``store`` through ``writer``."""

    def __init__(
        self,
        store: StateStore,
        writer: Writer,
        org: OrgApi,
        threading: Threading,
        policy: PushPolicy | None = None,
        worker_id: str | None = None,
        clock: Clock = utc_now,
        rng: random.Random | None = None,
    ) -> None:
        self.store = store
        self.writer = writer
        self.org = org
        self.threading = threading
        self.policy = policy or PushPolicy()
        self.worker_id = worker_id or default_worker_id()
        self.clock = clock
        self.rng = rng or random.Random()  # noqa: S311 (backoff jitter, not a secret)

    def run(
        self,
        should_stop: Callable[[], bool] = lambda: False,
        on_batch: Callable[[PushCounts], None] | None = None,
    ) -> PushCounts:
        """Send due rows until none is left, the writer stops, or ``should_stop()``.

        ``on_batch(counts)`` after each batch is settled (progress).
        """
        counts = PushCounts()
        calls_before = self.org.api_calls
        self._reclaim_from_dead_workers()
        self.writer.begin_pass()
        while not should_stop():
            try:
                budget_gate(self.org)  # a paused budget claims nothing: no attempt is spent
            except Stop as stop:
                counts.stopped = stop.reason
                break
            now = self.clock()
            rows = self.store.claim_outbox(
                self.worker_id,
                self.policy.batch_size,
                now,
                self.policy.lease,
                per_key=self.policy.per_key,
            )
            if not rows:
                break
            crashpoints.reached("push:claimed")
            counts.claimed += len(rows)
            try:
                plans, decided = self._thread_decisions(rows)
            except SalesforceAuthError as exc:
                self._block(rows, str(exc), counts)
                break
            except SalesforceApiError as exc:
                fix = setup_fix(exc.code)
                if fix is not None:
                    self._block(rows, f"{exc}: {fix}", counts)
                    break
                self._postpone(rows, failure_from(exc), counts)
                counts.stopped = f"reading the batch's Cases failed: {exc}"
                log.warning("writes stopped: %s", counts.stopped)
                break
            keys = {w.key for plan in plans for w in plan.writes} | {
                plan.identity.lead_key
                for plan in plans
                if plan.identity is not None and plan.identity.lead_key
            }
            with keep_leased(self.store, rows, self.policy.lease, self.clock):
                report = self.writer.write(plans, known_ids=self.store.known_ids(keys))
            crashpoints.reached("push:sent")
            counts.api_calls = self.org.api_calls - calls_before
            self._settle(rows, report, decided, counts)
            crashpoints.reached("push:settled")
            if on_batch is not None:
                on_batch(counts)
            if report.login_refused:
                self._block([], report.stopped or "Salesforce refused the login", counts)
                break
            if report.stopped:
                counts.stopped = report.stopped
                log.warning("writes stopped: %s", report.stopped)
                break
        return counts

    def _reclaim_from_dead_workers(self) -> None:
        """Free at once the rows whose holder died on this host (``kill -9``, a crash)."""
        dead = {w for w in self.store.lease_holders(self.clock()) if worker_is_dead(w)}
        if dead:
            freed = self.store.expire_leases(dead)
            log.info("freed %d outbox row(s) leased by dead process(es) %s", freed, sorted(dead))

    def _thread_decisions(
        self, rows: Sequence[OutboxRow]
    ) -> tuple[list[RecordPlan], dict[str, rules.Decision]]:
        """The rows' plans after the threading rules, and the decision per Case key sent."""
        keys = {w.key for row in rows for w in rules.case_writes(row.plan)}
        cases = self._read_cases(keys)
        plans: list[RecordPlan] = []
        decided: dict[str, rules.Decision] = {}
        for row in rows:
            plan = row.plan
            for write in rules.case_writes(plan):
                post_time = plan.posted_at or self.clock()
                decision = rules.decide(cases.get(write.key), post_time, self.threading.reopen_days)
                key = write.key
                if decision is rules.Decision.REOPEN:
                    plan = rules.reopen(plan, key, self.threading.reopen_status)
                elif decision is rules.Decision.NEXT_GENERATION:
                    root, generation = rules.split_case_key(key)
                    key = rules.case_key_for(root, generation + 1)
                    plan = rules.rekey_case(plan, write.key, key)
                decided[key] = decision
            plans.append(plan)
        return plans, decided

    def _read_cases(self, keys: set[str]) -> dict[str, rules.CaseState]:
        if not keys:
            return {}
        fields = ("Id", CaseRecord.key_field, "Status", "IsClosed", "ClosedDate")
        (found,) = self.org.find(
            [
                Lookup(
                    "Case",
                    fields,
                    {CaseRecord.key_field: tuple(sorted(keys))},
                    exact=frozenset({CaseRecord.key_field}),
                )
            ]
        )
        if found.error is not None:
            raise found.error  # deciding without the agents' closes could reopen nothing
        states = {}
        for row in found.rows:
            key, case_id = row.get(CaseRecord.key_field), row.get("Id")
            if isinstance(key, str) and isinstance(case_id, str):
                states[key] = rules.CaseState(
                    key,
                    case_id,
                    row.get("Status"),
                    row.get("IsClosed") is True,
                    _parse_time(row.get("ClosedDate")),
                )
        return states

    def _block(self, rows: Sequence[OutboxRow], reason: str, counts: PushCounts) -> None:
        """Stop writing until an operator acts: ``rows`` go back untried, at once."""
        self.store.release(rows)
        counts.blocked = counts.stopped = reason
        log.error("writes blocked until fixed: %s", reason)

    def _postpone(
        self, rows: Sequence[OutboxRow], failure: RecordFailure, counts: PushCounts
    ) -> None:
        """Nothing of the batch was sent: every row waits for its next attempt."""
        now = self.clock()
        outcomes: list[Outcome] = [
            Rescheduled(
                row,
                str(failure),
                self.policy.next_attempt(row.attempts, now, failure.retry_after, self.rng),
            )
            for row in rows
        ]
        self.store.settle(outcomes, now=now)
        counts.retried += len(rows)

    def _settle(
        self,
        rows: Sequence[OutboxRow],
        report: WriteReport,
        decided: dict[str, rules.Decision],
        counts: PushCounts,
    ) -> None:
        now = self.clock()
        outcomes: list[Outcome] = []
        written: list[PlanResult] = []
        untried: list[OutboxRow] = []
        for row, result in zip(rows, report.results, strict=True):
            if report.login_refused and not result.ok:
                untried.append(row)  # the login, not the row, failed: no attempt spent
            elif result.ok:
                ids = {o.key: o.id for o in result.outcomes if o.id is not None}
                outcomes.append(Completed(row, ids))
                written.append(result)
                counts.written += 1
                counts.records += sum(o.status in _LANDED for o in result.outcomes)
            elif result.retryable and row.attempts < self.policy.max_attempts:
                failures = [o.failure for o in result.failures if o.failure is not None]
                hint = max((f.retry_after or 0.0 for f in failures), default=0.0)
                at = self.policy.next_attempt(row.attempts, now, hint or None, self.rng)
                outcomes.append(Rescheduled(row, str(failures[0]), at))
                counts.retried += 1
            else:
                failure = _failure(result, row.attempts)
                outcomes.append(DeadLettered(row, failure))
                counts.dead += 1
                counts.dead_reasons.append(f"{row.post_key}: {failure.code}: {failure.message}")
        self.store.settle(outcomes, now=now)
        if untried:
            self.store.release(untried)
        threads = self._threads_after(written, decided)
        if threads:
            self.store.save_threads(threads, now=now)

    def _threads_after(
        self, written: list[PlanResult], decided: dict[str, rules.Decision]
    ) -> list[ThreadState]:
        """What Salesforce now has for the threads whose Cases were just written."""
        cases = [
            (o.write.record, o.id)
            for result in written
            for o in result.outcomes
            if isinstance(o.write.record, CaseRecord)
        ]
        roots = {rules.split_case_key(record.thread_key)[0] for record, _ in cases}
        states = self.store.threads(roots) if roots else {}
        for record, case_id in cases:
            assert isinstance(record, CaseRecord)
            root, generation = rules.split_case_key(record.thread_key)
            state = states.get(root) or ThreadState(root, generation, record.thread_key)
            if generation > state.generation:
                state = replace(state, generation=generation, case_key=record.thread_key)
            decision = decided.get(record.thread_key)
            if decision is rules.Decision.REOPEN:
                state = replace(state, status=self.threading.reopen_status, closed_at=None)
            elif decision in (rules.Decision.NEW, rules.Decision.NEXT_GENERATION):
                state = replace(state, status=None, closed_at=None)
            if record.first_response is not None and state.first_response_at is None:
                state = replace(state, first_response_at=record.first_response)
            if case_id is not None and record.thread_key == state.case_key:
                state = replace(state, case_id=case_id)
            states[root] = state
        return [states[root] for root in roots if root in states]


_LANDED = (Status.CREATED, Status.UPDATED)


def _failure(result: PlanResult, attempts: int) -> Failure:
    failing = result.failures[0].failure if result.failures else None
    if failing is None:
        return Failure("UNKNOWN", "the writer reported a failure without a reason")
    if failing.transient:
        return Failure(
            failing.code,
            f"gave up after {attempts} attempts; last: {failing.message}",
            failing.fields,
        )
    fix = setup_fix(failing.code)  # the org is not set up for this record: say how to fix it
    message = f"{failing.message} (fix: {fix})" if fix else failing.message
    return Failure(failing.code, message, failing.fields)


def _parse_time(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00").replace("+0000", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)

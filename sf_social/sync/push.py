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
from collections.abc import Callable, Mapping, Sequence
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
from sf_social.salesforce.times import parse_api_time
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
from sf_social.sync import notices, responses, severity, thread_rules
from sf_social.sync.leases import LeaseTracker, default_worker_id, keep_leased, worker_is_dead

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class PushPolicy:
    """How the outbox is drained."""

    batch_size: int = 1_000
    """Rows one claim takes. When there are fewer threads (or persons) than that, one
    thread's rows may fill the claim, in order: a reply flood in one thread costs no more
    calls than the same posts spread over many threads."""
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
        doublings = min(max(attempts - 1, 0), 64)  # no overflow however many attempts
        ceiling = min(
            self.backoff_max.total_seconds(), self.backoff_base.total_seconds() * 2.0**doublings
        )
        delay = timedelta(seconds=rng.uniform(0.5, 1.0) * ceiling)
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
    raised: int = 0
    """Severity raises sent to Cases (a later post of the thread escalated it)."""
    notified: int = 0
    """Queues notified of a raise (the playbook's ``escalation.notify_queue``)."""
    notify_failed: int = 0
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
        self.leases = LeaseTracker(store)
        """Claims, settles and releases through here: ``leases.release_all()`` at shutdown."""
        self.writer = writer
        self.org = org
        self.threading = threading
        self.policy = policy or PushPolicy()
        self.worker_id = worker_id or default_worker_id()
        self.clock = clock
        self.rng = rng or random.Random()  # noqa: S311 (backoff jitter, not a secret)
        self.notify = False
        """Notify the queue owning a Case whose severity a post raised (the playbook's
        ``escalation.notify_queue``)."""

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
            rows = self.leases.claim(
                self.worker_id,
                self.policy.batch_size,
                now,
                self.policy.lease,
                per_key=self.policy.batch_size,
            )
            if not rows:
                break
            crashpoints.reached("push:claimed")
            counts.claimed += len(rows)
            keys = _record_keys([row.plan for row in rows])
            known = self.store.known_ids(keys)
            try:
                plans, decided, raised = self._thread_decisions(rows, known)
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
            with keep_leased(self.store, rows, self.policy.lease, self.clock):
                later = _record_keys(plans) - keys  # a Case rekeyed to its next generation
                if later:
                    known = {**known, **self.store.known_ids(later)}
                report = self.writer.write(plans, known_ids=known)
            crashpoints.reached("push:sent")
            counts.raised += len(raised)
            if self.notify and raised:
                sent, failed = notices.send(self.org, notices.escalations(raised, report), "raised")
                counts.notified += sent
                counts.notify_failed += failed
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
        self, rows: Sequence[OutboxRow], known: Mapping[str, str]
    ) -> tuple[list[RecordPlan], dict[str, thread_rules.Decision], list[severity.Raised]]:
        """The rows' plans after the threading and severity rules, the decision per Case
        key sent, and the Cases the plans raise; ``known``: the ledger's Ids of their keys."""
        keys = {w.key for row in rows for w in thread_rules.case_writes(row.plan)}
        cases, severities = self._read_cases(keys, [row.plan for row in rows], known)
        escalations = severity.Escalations(severities)
        plans: list[RecordPlan] = []
        decided: dict[str, thread_rules.Decision] = {}
        for row in rows:
            plan = row.plan
            for write in thread_rules.case_writes(plan):
                post_time = plan.posted_at or self.clock()
                decision = thread_rules.decide(
                    cases.get(write.key), post_time, self.threading.reopen_days
                )
                key = write.key
                if decision is thread_rules.Decision.REOPEN:
                    plan = thread_rules.reopen(plan, key, self.threading.reopen_status)
                elif decision is thread_rules.Decision.NEXT_GENERATION:
                    root, generation = thread_rules.split_case_key(key)
                    key = thread_rules.case_key_for(root, generation + 1)
                    plan = thread_rules.rekey_case(plan, write.key, key)
                decided[key] = decision
                case = cases.get(key)
                is_open = case is None or not case.is_closed or decision is not _CONTINUE
                plan = escalations.follow(plan, key, is_open=is_open)
            plans.append(plan)
        return plans, decided, escalations.raised

    def _read_cases(
        self, keys: set[str], plans: Sequence[RecordPlan], known: Mapping[str, str]
    ) -> tuple[dict[str, thread_rules.CaseState], dict[str, severity.Severity]]:
        """The threads' Cases as Salesforce has them (their status, their severity), read in
        the same call as the lookups the writer needs for ``plans`` (``Writer.prefetch``)."""
        if not keys:
            return {}, {}
        fields = (
            "Id",
            CaseRecord.key_field,
            "Status",
            "IsClosed",
            "ClosedDate",
            *severity.FIELDS,
        )
        lookup = Lookup(
            "Case",
            fields,
            {CaseRecord.key_field: tuple(sorted(keys))},
            exact=frozenset({CaseRecord.key_field}),
        )
        (found,) = self.writer.prefetch(plans, known, [lookup])
        if found.error is not None:
            raise found.error  # deciding without the agents' closes could reopen nothing
        states = {}
        severities = {}
        for row in found.rows:
            key, case_id = row.get(CaseRecord.key_field), row.get("Id")
            if isinstance(key, str) and isinstance(case_id, str):
                states[key] = thread_rules.CaseState(
                    key,
                    case_id,
                    row.get("Status"),
                    row.get("IsClosed") is True,
                    parse_api_time(row.get("ClosedDate")),
                )
                severities[key] = severity.Severity.read(row)
        return states, severities

    def _block(self, rows: Sequence[OutboxRow], reason: str, counts: PushCounts) -> None:
        """Stop writing until an operator acts: ``rows`` go back untried, at once."""
        self.leases.release(rows)
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
        self.leases.settle(outcomes, now=now)
        counts.retried += len(rows)

    def _settle(
        self,
        rows: Sequence[OutboxRow],
        report: WriteReport,
        decided: dict[str, thread_rules.Decision],
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
        self.leases.settle(outcomes, now=now)
        if untried:
            self.leases.release(untried)
        threads, read = self._threads_after(written, decided)
        if threads:
            self.store.save_threads(threads, read=read, now=now)

    def _threads_after(
        self, written: list[PlanResult], decided: dict[str, thread_rules.Decision]
    ) -> tuple[list[ThreadState], dict[str, ThreadState]]:
        """What Salesforce now has for the threads whose Cases were just written, and the
        states that was worked out from."""
        cases = [
            (o.write.record, o.id, result.plan)
            for result in written
            for o in result.outcomes
            if isinstance(o.write.record, CaseRecord)
        ]
        roots = {thread_rules.split_case_key(record.thread_key)[0] for record, _, _ in cases}
        states = self.store.threads(roots) if roots else {}
        read = dict(states)
        for record, case_id, plan in cases:
            assert isinstance(record, CaseRecord)
            root, generation = thread_rules.split_case_key(record.thread_key)
            state = states.get(root) or ThreadState(root, generation, record.thread_key)
            if generation > state.generation:  # the next generation's Case opens with this post
                state = replace(state, generation=generation, case_key=record.thread_key)
                state = responses.opened(
                    replace(state, first_response_at=None, overdue_at=None),
                    record,
                    plan.classification.team,
                    plan.posted_at,
                )
            decision = decided.get(record.thread_key)
            if decision is thread_rules.Decision.REOPEN:
                state = replace(state, status=self.threading.reopen_status, closed_at=None)
            elif decision in (thread_rules.Decision.NEW, thread_rules.Decision.NEXT_GENERATION):
                state = replace(state, status=None, closed_at=None)
            if record.first_response is not None and state.first_response_at is None:
                state = replace(state, first_response_at=record.first_response)
            if case_id is not None and record.thread_key == state.case_key:
                state = replace(state, case_id=case_id)
            states[root] = state
        return [states[root] for root in roots if root in states], read


_LANDED = (Status.CREATED, Status.UPDATED)

_CONTINUE = thread_rules.Decision.CONTINUE


def _record_keys(plans: Sequence[RecordPlan]) -> set[str]:
    """The keys of every record the plans write or point at (their Ids may be known)."""
    return {w.key for plan in plans for w in plan.writes} | {
        plan.identity.lead_key
        for plan in plans
        if plan.identity is not None and plan.identity.lead_key
    }


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

"""Lead form reconciliation: prove that nothing the networks hold was missed.

``sf-social leads reconcile --since 7d`` reads back every response the networks hold for the
window (:class:`~sf_social.sources.facebook.lead_pull.MetaLeadPull`,
:class:`~sf_social.sources.linkedin_api.lead_pull.LinkedInLeadPull`) through the usual pass:
:class:`Tally` counts, per form, the responses known to the network, those the ledger had
never seen (written now, by the same pass) and the test leads; the ledger drops the rest.
The networks keep responses about 90 days: a longer window is cut there and the report says
which days could not be checked.

With the webhook spools at hand (:func:`~sf_social.sources.lead_deliveries.spool_deliveries`:
when each notification arrived),
the webhooks' part is told apart: a response whose notification never arrived was **missed**
by the webhooks; one whose notification arrived after the pull had found it, or more than
``late_after`` (default 1 h) after its submission, was delivered **late**.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from sf_social.lead_forms import LeadFormResponse, LeadFormRules, from_post
from sf_social.posts import Network
from sf_social.sources.base import Cursor, Source, SourceBatch
from sf_social.sources.lead_deliveries import LATE_AFTER, RETENTION, Deliveries
from sf_social.state import LedgerEntry, PostRef


class LedgerReader(Protocol):
    """The part of the state store a tally reads."""

    def ledger(self, refs: Iterable[PostRef]) -> dict[PostRef, LedgerEntry]: ...


def window(since: timedelta, now: datetime) -> tuple[datetime, str | None]:
    """The start of the window and, when ``since`` reaches past retention, the gap."""
    if since <= RETENTION:
        return now - since, None
    start = now - RETENTION
    gap = (
        f"responses before {start:%Y-%m-%d} cannot be checked: the networks keep them"
        f" {RETENTION.days} days (asked for {since.days} days)"
    )
    return start, gap


@dataclass
class FormTally:
    """One form's responses in the window."""

    known: int = 0
    """Responses the network holds."""
    missing: int = 0
    """Of them, never seen before: written by this pass."""
    tests: int = 0
    """Test submissions (the network's flag, the playbook's test forms and addresses)."""
    missed: int = 0
    """Real responses whose notification never arrived (webhook spools known only)."""
    late: int = 0
    """Real responses whose notification arrived after the pull found them, or late."""


@dataclass
class ReconcileReport:
    """What the reconciliation found, per ``<network>:<form id>``."""

    since: datetime
    gap: str | None = None
    forms: dict[str, FormTally] = field(default_factory=dict)
    late_after: timedelta = LATE_AFTER
    deliveries_known: bool = False
    """Whether the webhook spools told when each notification arrived."""
    found_refs: set[PostRef] = field(default_factory=set)
    """The responses written now that the webhooks never delivered."""
    late_refs: set[PostRef] = field(default_factory=set)

    @property
    def found(self) -> int:
        """Responses the webhooks missed and the pull found (written now)."""
        return sum(t.missing for t in self.forms.values())

    @property
    def missed(self) -> int:
        return sum(t.missed for t in self.forms.values())

    @property
    def late(self) -> int:
        return sum(t.late for t in self.forms.values())

    def lines(self) -> list[str]:
        """The report, one line per form, then the totals."""
        out = []
        for form, t in sorted(self.forms.items()):
            line = (
                f"{form}: {t.known} at the network, {t.missing} missing (written now),"
                f" {t.tests} test lead(s)"
            )
            if self.deliveries_known:
                line += f"; webhooks: {t.missed} never delivered, {t.late} late"
            out.append(line)
        out.append(
            f"{self.found} response(s) missed by the webhooks found"
            f" since {self.since:%Y-%m-%d %H:%M}"
        )
        if self.deliveries_known:
            out.append(
                f"webhooks: {self.missed} never delivered, {self.late} delivered late (after"
                f" the pull found them or over {_span(self.late_after)} after submission)"
            )
        else:
            out.append("webhooks: no spool to read, late and missed deliveries not told apart")
        if self.gap:
            out.append(f"gap: {self.gap}")
        return out

    def to_json(self) -> dict[str, Any]:
        """The report as JSON-ready data (``leads reconcile --json``)."""
        return {
            "since": self.since.isoformat(),
            "gap": self.gap,
            "found": self.found,
            "webhooks": {
                "known": self.deliveries_known,
                "missed": self.missed,
                "late": self.late,
                "late_after_seconds": self.late_after.total_seconds(),
            },
            "forms": {name: vars(t) for name, t in sorted(self.forms.items())},
        }


def _span(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    return f"{minutes // 60} h" if minutes % 60 == 0 else f"{minutes} min"


class Tally:
    """A pull source, counted per form against the ledger (and the webhook spools, when
    ``deliveries`` is given) as its batches pass through."""

    def __init__(
        self,
        inner: Source,
        store: LedgerReader,
        report: ReconcileReport,
        rules: LeadFormRules,
        deliveries: Deliveries | None = None,
    ) -> None:
        self.inner = inner
        self.store = store
        self.report = report
        self.rules = rules
        """The playbook's: a test is the network's flag or a test form or address."""
        self.deliveries = deliveries
        report.deliveries_known = deliveries is not None

    @property
    def name(self) -> str:
        return self.inner.name

    def pull(self, cursor: Cursor | None) -> Iterator[SourceBatch]:
        for batch in self.inner.pull(cursor):
            refs = [(p.network.value, p.id) for p in batch.posts]
            entries = self.store.ledger(refs)
            responses = [from_post(post) for post in batch.posts]
            arrived = self._arrived(responses)
            for response, ref in zip(responses, refs, strict=True):
                self._count(response, ref, entries.get(ref), arrived)
            yield batch

    def _arrived(
        self, responses: list[LeadFormResponse]
    ) -> dict[tuple[Network, str], datetime | None]:
        """(network, id) → when its notification arrived, None if never; networks whose
        deliveries are unknown are absent."""
        if self.deliveries is None:
            return {}
        by_network: dict[Network, list[str]] = {}
        for response in responses:
            by_network.setdefault(response.network, []).append(response.id)
        arrived: dict[tuple[Network, str], datetime | None] = {}
        for network, ids in by_network.items():
            found = self.deliveries(network, ids)
            if found is not None:
                arrived.update({(network, rid): found.get(rid) for rid in ids})
        return arrived

    def _count(
        self,
        response: LeadFormResponse,
        ref: PostRef,
        entry: LedgerEntry | None,
        arrived: Mapping[tuple[Network, str], datetime | None],
    ) -> None:
        tally = self.report.forms.setdefault(
            f"{response.network.value}:{response.form_id}", FormTally()
        )
        tally.known += 1
        if self.rules.test_reason(response) is not None:
            tally.tests += 1
            return
        if entry is None:
            tally.missing += 1
        if (response.network, response.id) not in arrived:
            return
        at = arrived[(response.network, response.id)]
        if at is None:
            tally.missed += 1
            if entry is None:
                self.report.found_refs.add(ref)
            return
        after_pull = entry is not None and at > entry.first_seen  # a webhook sync sees it later
        submitted = response.submitted_at
        lagging = submitted is not None and at - submitted > self.report.late_after
        if after_pull or lagging:
            tally.late += 1
            self.report.late_refs.add(ref)

"""What the lead webhooks delivered, and when: read from the webhook spools.

``webhook serve`` stores each lead notification in its network's spool with the time it
arrived (Meta's ``leadgen:<id>``, LinkedIn's ``CREATED:<response URN>``).
:func:`spool_deliveries` answers, for response ids, when their notification came; a pull
of the responses the networks hold then tells the webhooks' part apart: never delivered
(**missed**), or delivered after the pull had found the response or more than
``late_after`` after its submission (**late**).

:class:`WatchedPull` is the daemon's scheduled pull (``[[sources]] type = "lead_forms"``,
``mode = "pull"``) with that count: each response counted once per process, a response not
delivered yet counted missed only once it is ``late_after`` old (the notification may
still be on its way), late when it comes after (so a response can count both: missed when
found, late when its notification came at last). What it counts goes to the store's source
status (``sf-social status``) and from there to the daemon's metrics
(``sf_social_lead_webhook_missed_total``, ``sf_social_lead_webhook_late_total``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sf_social.lead_forms import LeadFormRules, from_post
from sf_social.posts import Network
from sf_social.sources.base import Cursor, Source, SourceBatch
from sf_social.sources.facebook.spool import WebhookSpool

RETENTION = timedelta(days=90)
"""How long the networks keep responses: no pull reads one older."""
LATE_AFTER = timedelta(hours=1)
"""A notification arriving this long after the submission is late."""

Deliveries = Callable[[Network, Sequence[str]], Mapping[str, datetime] | None]
"""Response ids → when the webhook delivered each (those it never delivered are absent);
None when the network's deliveries cannot be known (no spool)."""


def event_ids(network: Network, response_id: str) -> tuple[str, ...]:
    """The spool's event ids of a response's notification."""
    if network is Network.LINKEDIN:
        return (f"CREATED:urn:li:leadGenFormResponse:{response_id}", f"CREATED:{response_id}")
    return (f"leadgen:{response_id}",)


def spool_deliveries(spools: Mapping[Network, Path]) -> Deliveries | None:
    """When each response's notification reached ``webhook serve``, from its spool; None
    when no spool exists (deliveries unknown), and a network without one is not told. A
    file that is no spool is refused now (``StateError`` naming it)."""
    present = {network: path for network, path in spools.items() if path.exists()}
    if not present:
        return None
    for path in present.values():
        WebhookSpool(path).close()

    def delivered(network: Network, ids: Sequence[str]) -> dict[str, datetime] | None:
        path = present.get(network)
        if path is None:
            return None
        if not ids:
            return {}
        wanted = {e: i for i in ids for e in event_ids(network, i)}
        spool = WebhookSpool(path)
        try:
            found = spool.received(list(wanted))
        finally:
            spool.close()
        out: dict[str, datetime] = {}
        for event_id, at in found.items():
            rid = wanted[event_id]
            out[rid] = min(at, out.get(rid, at))
        return out

    return delivered


class WatchedPull:
    """A pull source, its responses checked against the webhook spools (see the module
    docstring); ``report(name, status)`` stores the counts."""

    def __init__(
        self,
        inner: Source,
        rules: LeadFormRules,
        deliveries: Deliveries,
        report: Callable[[str, dict[str, Any]], None],
        *,
        late_after: timedelta = LATE_AFTER,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.inner = inner
        self.rules = rules
        self.deliveries = deliveries
        self.report = report
        self.late_after = late_after
        self.clock = clock
        self.missed_total = 0
        self.late_total = 0
        self._waiting: dict[tuple[Network, str], datetime] = {}
        """Counted missed: when the pull found them (a notification after it is late)."""
        self._done: dict[tuple[Network, str], datetime] = {}
        """Counted for good, with their submission time (forgotten after retention)."""

    @property
    def name(self) -> str:
        return self.inner.name

    def pull(self, cursor: Cursor | None) -> Iterator[SourceBatch]:
        now = self.clock()
        counts = {"known": 0, "missed": 0, "late": 0, "tests": 0}
        for batch in self.inner.pull(cursor):
            self._count(batch, now, counts)
            yield batch
        old = now - RETENTION
        self._done = {ref: at for ref, at in self._done.items() if at >= old}
        self._waiting = {ref: at for ref, at in self._waiting.items() if at >= old}
        self.missed_total += counts["missed"]
        self.late_total += counts["late"]
        self.report(
            self.name,
            {
                "lead_webhooks": {
                    "last_pull_at": now.isoformat(),
                    "last_pull": counts,
                    "missed_total": self.missed_total,
                    "late_total": self.late_total,
                    "late_after_seconds": self.late_after.total_seconds(),
                }
            },
        )

    def _count(self, batch: SourceBatch, now: datetime, counts: dict[str, int]) -> None:
        responses = [from_post(p) for p in batch.posts]
        by_network: dict[Network, list[str]] = {}
        for response in responses:
            by_network.setdefault(response.network, []).append(response.id)
        arrived = {n: self.deliveries(n, ids) for n, ids in by_network.items()}
        for response in responses:
            counts["known"] += 1
            ref = (response.network, response.id)
            found = arrived.get(response.network)
            if self.rules.test_reason(response) is not None:
                counts["tests"] += 1
                continue
            if found is None or ref in self._done:
                continue
            at = found.get(response.id)
            submitted = response.submitted_at or now
            if at is None:
                if ref not in self._waiting and now - submitted > self.late_after:
                    self._waiting[ref] = now
                    counts["missed"] += 1
                continue
            pulled = self._waiting.pop(ref, None)
            if (pulled is not None and at > pulled) or at - submitted > self.late_after:
                counts["late"] += 1
            self._done[ref] = submitted

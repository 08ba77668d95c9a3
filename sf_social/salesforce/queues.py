"""Queue names (``DeveloperName``, from the playbook's routing) resolved to owner Ids.

One query for all the names a batch needs —
``SELECT Id, DeveloperName FROM Group WHERE Type = 'Queue' AND DeveloperName IN (...)`` —
and only when a record is about to be *created* (the owner is insert-only). Found Ids are
kept for the writer's lifetime; names not found are remembered for the pass only, so a
queue an admin creates meanwhile is picked up on the next pass.

An unknown queue is a permanent failure of the records routed to it (``UNKNOWN_QUEUE``,
naming the queue) — not a silent fallback to the integration user, where nobody would see
the Case: the admin creates the queue (or fixes ``routing.teams``) and retries them with
``sf-social dead-letters retry --code UNKNOWN_QUEUE``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sf_social.salesforce.api import Lookup


class QueueCache:
    """DeveloperName → Group Id."""

    def __init__(self) -> None:
        self._ids: dict[str, str] = {}
        self._unknown: set[str] = set()

    def new_pass(self) -> None:
        """Forget the names not found (they may exist now)."""
        self._unknown.clear()

    def missing(self, names: Iterable[str]) -> list[str]:
        return sorted({n for n in names if n not in self._ids and n not in self._unknown})

    @staticmethod
    def lookup(names: Sequence[str]) -> Lookup:
        return Lookup(
            sobject="Group",
            fields=("Id", "DeveloperName"),
            any_in={"DeveloperName": tuple(names)},
            where={"Type": "Queue"},
        )

    def absorb(self, names: Sequence[str], rows: Iterable[Mapping[str, Any]]) -> None:
        by_name = {
            str(r.get("DeveloperName", "")).casefold(): str(r["Id"]) for r in rows if r.get("Id")
        }
        for name in names:
            found = by_name.get(name.casefold())
            if found:
                self._ids[name] = found
            else:
                self._unknown.add(name)

    def resolve(self, name: str) -> str | None:
        """The queue's Id, or None when the org has no such queue."""
        return self._ids.get(name)

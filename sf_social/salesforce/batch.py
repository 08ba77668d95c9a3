"""A batch of planned writes turned into records to send: merged by key, ordered, shaped.

- One :class:`Slot` per (sObject, key): writes sharing a key are merged first
  (``SObjectRecord.merge``: insert-only fields are the creating write's, sync-owned
  fields take the newest), so a call never carries one key twice (design rule 1).
- Parents before children: Leads, Contacts and Cases before the Tasks that point at them
  (:func:`waves`: the parents go together, then the Tasks).
- A record known to exist is sent with its sync-owned fields only (rule 7), plus the
  engine's explicit ``PlannedWrite.overrides`` (a reopened Case's Status); a new one with
  everything, its owner queue and its references.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sf_social.plan import PlannedWrite, WriteMode
from sf_social.records import SYNC, AnyRecord, Reference, SObjectRecord, TaskRecord

ORDER = ("Lead", "Contact", "Case", "Task")
"""Send order: every sObject before those that may reference it."""


@dataclass
class Slot:
    """One record to send, standing for one or more planned writes (``members``)."""

    record: AnyRecord
    mode: WriteMode
    owner_queue: str | None
    members: list[tuple[int, int]] = field(default_factory=list)
    overrides: dict[str, Any] = field(default_factory=dict)
    """API field → value the engine sets even on an existing record (newest write wins)."""

    @property
    def sobject(self) -> str:
        return self.record.sobject

    @property
    def key_field(self) -> str:
        return self.record.key_field

    @property
    def key(self) -> str:
        return self.record.key

    def absorb(self, write: PlannedWrite, member: tuple[int, int]) -> None:
        """Merge a newer write for the same key into this slot."""
        creates = self.mode is WriteMode.UPDATE_ONLY and write.mode is WriteMode.UPSERT
        merged = self.record.merge(write.record, newer_creates=creates)
        assert isinstance(merged, type(self.record))
        self.record = merged
        if creates:
            self.mode = WriteMode.UPSERT
            self.owner_queue = write.owner_queue
        self.overrides.update(write.overrides)
        self.members.append(member)


def merge(writes: list[tuple[tuple[int, int], PlannedWrite]]) -> dict[tuple[str, str], Slot]:
    """Slots by (sObject, key), in first-seen order; ``writes`` in plan order."""
    slots: dict[tuple[str, str], Slot] = {}
    for member, write in writes:
        at = (write.sobject, write.key)
        slot = slots.get(at)
        if slot is None:
            slots[at] = Slot(
                write.record, write.mode, write.owner_queue, [member], dict(write.overrides)
            )
        else:
            slot.absorb(write, member)
    return slots


def by_order(slots: Mapping[tuple[str, str], Slot]) -> list[tuple[str, list[Slot]]]:
    """Slots grouped by sObject, parents first (unknown sObjects last, by name)."""
    groups: dict[str, list[Slot]] = {}
    for slot in slots.values():
        groups.setdefault(slot.sobject, []).append(slot)
    rank = {name: n for n, name in enumerate(ORDER)}
    return sorted(groups.items(), key=lambda item: (rank.get(item[0], len(ORDER)), item[0]))


def waves(groups: list[tuple[str, list[Slot]]]) -> list[list[tuple[str, list[Slot]]]]:
    """``by_order``'s groups in waves sent one after the other: a group whose records
    reference others (Tasks) starts a new wave, after the parents' Ids are known."""
    found: list[list[tuple[str, list[Slot]]]] = []
    for sobject, group in groups:
        if not found or any(references(slot.record) for slot in group):
            found.append([])
        found[-1].append((sobject, group))
    return found


def attributes(sobject: str) -> dict[str, Any]:
    return {"attributes": {"type": sobject}}


def full_payload(slot: Slot) -> dict[str, Any]:
    """Every field of a new record (references as the record gives them), overrides last."""
    return {**attributes(slot.sobject), **slot.record.api_fields(), **slot.overrides}


def sync_values(record: SObjectRecord) -> dict[str, Any]:
    """The sync-owned values of ``record``, without its key."""
    values = record.api_fields(only=SYNC)
    values.pop(record.key_field, None)
    return values


def refresh_values(slot: Slot) -> dict[str, Any]:
    """What an existing record gets: sync-owned values and the engine's overrides."""
    return {**sync_values(slot.record), **slot.overrides}


def update_payload(slot: Slot, record_id: str) -> dict[str, Any]:
    """An update by Id carrying the sync-owned fields (and overrides) only."""
    return {**attributes(slot.sobject), "Id": record_id, **refresh_values(slot)}


def sync_upsert_payload(slot: Slot) -> dict[str, Any]:
    """An upsert by key carrying the sync-owned fields (and overrides) only: it exists."""
    return {**attributes(slot.sobject), slot.key_field: slot.key, **refresh_values(slot)}


def references(record: AnyRecord) -> list[tuple[str, Reference]]:
    """(relationship name, reference) of a Task's Who/What."""
    if not isinstance(record, TaskRecord):
        return []
    found: list[tuple[str, Reference]] = []
    if record.who is not None:
        found.append(("Who", record.who))
    if record.what is not None:
        found.append(("What", record.what))
    return found

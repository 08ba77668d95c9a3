"""Merge our picklist values into the org's current list, never losing what the org has.

Deploying a standard value set or a picklist deactivates every value missing from the file,
so a deploy sends the *union*: ``merge_values(org, ours)``. The rules:

- Every org value is kept, in the org's order, with all its attributes (label, default,
  colour, description, ...). Nothing is deactivated, dropped, renamed or reordered.
- The org's default value stays the default; ours never sets one.
- A value of ours that the org already has is reused as the org spells it. It matches when
  its API name or label equals an org value's API name or label, ignoring case and URL
  encoding (retrieved metadata spells ``1,000+`` as ``1%2C000%2B``). An exact API-name
  match wins over a case-insensitive one, which wins over a label match.
- A reused value that is inactive in the org is re-activated: the integration writes it, and
  a restricted picklist rejects an inactive value. Re-activations are reported.
- Reuse other than an exact API-name match is reported, so the admin sees that the
  integration's value is stored under the org's spelling.
- Our other values are appended at the end, in our order, active, not default.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import unquote


@dataclass(frozen=True)
class PicklistValue:
    """One value of a picklist or standard value set.

    ``extra`` keeps every other element the org returned (``color``, ``description``,
    ``closed``, ...) as ``(tag, text)`` pairs, so a deploy sends them back unchanged.
    """

    full_name: str
    label: str = ""
    default: bool = False
    active: bool = True
    extra: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        if not self.label:
            object.__setattr__(self, "label", self.full_name)


class MatchKind(StrEnum):
    """How one of our values was found among the org's."""

    EXACT = "exact"
    CASE = "case"
    LABEL = "label"


@dataclass(frozen=True)
class Reuse:
    """One of our values that the org already has (``org_name`` is the org's API name)."""

    ours: str
    org_name: str
    how: MatchKind
    reactivated: bool


@dataclass(frozen=True)
class ValueSetMerge:
    """The merged list of one value set, and what the merge did to the org's list.

    ``sorted`` is the org's "sort alphabetically" flag, kept as it is; the first
    ``org_count`` values are the org's.
    """

    name: str
    values: tuple[PicklistValue, ...]
    added: tuple[str, ...] = ()
    reused: tuple[Reuse, ...] = ()
    sorted: bool = False
    org_count: int = 0

    @property
    def reactivated(self) -> tuple[str, ...]:
        """Org API names that the merge turns active again."""
        return tuple(r.org_name for r in self.reused if r.reactivated)

    @property
    def respelled(self) -> tuple[Reuse, ...]:
        """Values of ours stored under a different org spelling (case or label match)."""
        return tuple(r for r in self.reused if r.how is not MatchKind.EXACT)

    @property
    def org_only(self) -> tuple[str, ...]:
        """Active org values that are not ours: a deploy of our file alone deactivates them."""
        ours = {r.org_name for r in self.reused}
        org = self.values[: self.org_count]
        return tuple(v.full_name for v in org if v.active and v.full_name not in ours)

    @property
    def changes_org(self) -> bool:
        """Whether deploying ``values`` changes the org's list at all."""
        return bool(self.added or self.reactivated)


def match_key(text: str) -> str:
    """The form two spellings of one value share: URL-decoded, trimmed, case-folded."""
    return unquote(text).strip().casefold()


def find_match(
    candidates: Sequence[PicklistValue], ours: PicklistValue
) -> tuple[int, MatchKind] | None:
    """Index and kind of the best match of ``ours`` among ``candidates``, if any.

    Priority: exact API name, then API name ignoring case, then label (either way round);
    within one priority an active value wins over an inactive one, then the first.
    """
    name_key = match_key(ours.full_name)
    keys = {name_key, match_key(ours.label)}
    tests: tuple[tuple[MatchKind, Callable[[PicklistValue], bool]], ...] = (
        (MatchKind.EXACT, lambda v: v.full_name == ours.full_name),
        (MatchKind.CASE, lambda v: match_key(v.full_name) == name_key),
        (MatchKind.LABEL, lambda v: bool({match_key(v.full_name), match_key(v.label)} & keys)),
    )
    for kind, test in tests:
        found = [i for i, v in enumerate(candidates) if test(v)]
        if found:
            active = [i for i in found if candidates[i].active]
            return (active or found)[0], kind
    return None


def merge_values(
    name: str,
    org: Sequence[PicklistValue],
    ours: Sequence[PicklistValue],
    *,
    sorted: bool = False,
) -> ValueSetMerge:
    """The org's values with ours merged in, following the module rules."""
    merged = list(org)
    added: list[str] = []
    reused: list[Reuse] = []
    for value in ours:
        found = find_match(merged, value)
        if found is None:
            merged.append(PicklistValue(value.full_name, value.label, default=False, active=True))
            added.append(value.full_name)
            continue
        index, how = found
        existing = merged[index]
        if index >= len(org):
            continue  # a repeat of one of ours, already appended
        reactivate = not existing.active
        if reactivate:
            merged[index] = dataclasses.replace(existing, active=True)
        if not any(r.org_name == existing.full_name for r in reused):
            reused.append(Reuse(value.full_name, existing.full_name, how, reactivate))
    return ValueSetMerge(name, tuple(merged), tuple(added), tuple(reused), sorted, len(org))

"""Reading many records: a :class:`Selection` (a structure, not SOQL text) and the small
port that reads it, by the query API page by page or by a Bulk API 2.0 query job.

``SELECT fields FROM sobject WHERE f != null AND g >= <time> AND h < <time> AND s IN (...)``:
what ``labels export`` reads (our records modified since a date), what the reply job reads
(the replies in a status). Names go through
:func:`~sf_social.salesforce.soql.identifier` and times are rendered by us, so no text
from outside ever reaches the statement.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol, runtime_checkable

from sf_social.salesforce import soql


@dataclass(frozen=True)
class Selection:
    """The records of ``sobject`` whose ``not_null`` fields are set, whose ``since``
    fields are at or after their time, whose ``before`` fields are before theirs and whose
    ``one_of`` fields hold one of their values (escaped literals)."""

    sobject: str
    fields: tuple[str, ...]
    not_null: tuple[str, ...] = ()
    since: Mapping[str, datetime] = field(default_factory=dict)
    before: Mapping[str, datetime] = field(default_factory=dict)
    one_of: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def soql(self, *, count: bool = False) -> str:
        """The statement (``SELECT COUNT()`` with ``count``)."""
        head = "COUNT()" if count else ", ".join(soql.identifier(f) for f in self.fields)
        terms = [f"{soql.identifier(f)} != null" for f in self.not_null]
        terms += [f"{soql.identifier(f)} >= {soql_time(t)}" for f, t in self.since.items()]
        terms += [f"{soql.identifier(f)} < {soql_time(t)}" for f, t in self.before.items()]
        terms += [
            f"{soql.identifier(f)} IN ({', '.join(map(soql.quote, values))})"
            for f, values in self.one_of.items()
        ]
        where = f" WHERE {' AND '.join(terms)}" if terms else ""
        sobject = soql.identifier(self.sobject)
        return f"SELECT {head} FROM {sobject}{where}"  # noqa: S608 (names checked, values escaped)

    def matches(self, row: Mapping[str, Any], time_of: Any) -> bool:
        """Whether ``row`` is selected (for in-memory twins); ``time_of`` parses a value."""
        if any(row.get(f) in (None, "") for f in self.not_null):
            return False
        for name, at in self.since.items():
            value = time_of(row.get(name))
            if value is None or value < at:
                return False
        for name, at in self.before.items():
            value = time_of(row.get(name))
            if value is None or value >= at:
                return False
        return all(row.get(name) in values for name, values in self.one_of.items())


def soql_time(at: datetime) -> str:
    """A SOQL dateTime literal (UTC, unquoted): ``2026-11-20T10:00:00Z``."""
    if at.tzinfo is None:
        raise ValueError(f"a SOQL time needs a time zone: {at!r}")
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@runtime_checkable
class RecordReader(Protocol):
    """Reads selections of records; every call counts against the org's API budget."""

    @property
    def api_calls(self) -> int:
        """API calls made so far."""
        ...

    def count(self, selection: Selection) -> int:
        """How many records ``selection`` holds (one call)."""
        ...

    def select(self, selection: Selection, *, bulk: bool = False) -> Iterator[dict[str, Any]]:
        """The records, page by page (query API: 2,000 a call), or through one Bulk API
        2.0 query job with ``bulk`` (a handful of calls for any number). Bulk rows hold
        text: ``""`` for empty, ``"true"``/``"false"`` for checkboxes."""
        ...

"""The small port the writer talks to: find rows, upsert/update records, bulk-upsert.

Two adapters implement it: :class:`~sf_social.salesforce.rest.RestOrgApi` (the real org,
through a :class:`~sf_social.salesforce.connection.Connection`) and
:class:`~sf_social.testing.memory_org.InMemoryOrg` (a dictionary, for fast tests). The
writer's logic — merging, existence, identity, queues, retries — is the same for both.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from sf_social.errors import SalesforceApiError
from sf_social.salesforce.budget import ApiBudget

MAX_COLLECTION = 200
"""Records in one sObject Collections call."""
RECORD_ID = re.compile(r"^[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?$")
"""A Salesforce record Id: 15 or 18 letters and digits."""
MAX_COMPOSITE_HEAVY = 5
"""Query or sObject Collections subrequests in one Composite call (of 25 subrequests)."""


@dataclass(frozen=True)
class Lookup:
    """``SELECT fields FROM sobject WHERE [k = v AND ...] (f IN (...) OR g IN (...))``.

    A structure, not SOQL text: the REST adapter renders it through
    :mod:`sf_social.salesforce.soql` (escaped, split to the length limits), the in-memory
    adapter evaluates it directly. Text comparisons are case-insensitive, as in SOQL, except
    on the fields named in ``exact``: our external ids (unique, case-sensitive), where
    ``abc`` and ``ABC`` are two records and both must be asked for.
    """

    sobject: str
    fields: tuple[str, ...]
    any_in: Mapping[str, tuple[str, ...]]
    where: Mapping[str, str] = field(default_factory=dict)
    exact: frozenset[str] = frozenset()

    @property
    def empty(self) -> bool:
        return not any(self.any_in.values())


@dataclass(frozen=True)
class Found:
    """The rows of one :class:`Lookup`, or the error that prevented reading them."""

    rows: tuple[Mapping[str, Any], ...] = ()
    error: SalesforceApiError | None = None


@dataclass(frozen=True)
class ErrorDetail:
    """One entry of a result's ``errors``: ``statusCode``, ``message``, ``fields``."""

    code: str
    message: str
    fields: tuple[str, ...] = ()


@dataclass(frozen=True)
class RecordResult:
    """One record's result of a write call, in the order the records were sent."""

    success: bool
    id: str | None = None
    created: bool | None = None
    errors: tuple[ErrorDetail, ...] = ()

    @property
    def error(self) -> ErrorDetail | None:
        return self.errors[0] if self.errors else None


@dataclass(frozen=True)
class CollectionCall:
    """One sObject Collections write: an upsert by ``key_field``, or (``None``) an update
    by Id; up to 200 records of ``sobject``."""

    sobject: str
    key_field: str | None
    records: Sequence[Mapping[str, Any]]
    allow_duplicates: bool = False


CallAnswer = list[RecordResult] | SalesforceApiError
"""A collections call's results, one per record, or the error that failed the whole call."""


class OrgApi(Protocol):
    """What the writer needs from an org."""

    @property
    def budget(self) -> ApiBudget:
        """The org's API usage, as last seen."""
        ...

    @property
    def api_calls(self) -> int:
        """API calls made so far (each counts against the org's daily limit)."""
        ...

    @property
    def org_id(self) -> str | None:
        """The org's id (``00D...``) as the login told it, ``None`` if it cannot be known."""
        ...

    def read_limits(self) -> None:
        """Read the org's limits into :attr:`budget`."""
        ...

    def find(self, lookups: Sequence[Lookup]) -> list[Found]:
        """Run the lookups (batched into as few calls as possible), one ``Found`` each."""
        ...

    def upsert(
        self,
        sobject: str,
        key_field: str,
        records: Sequence[Mapping[str, Any]],
        *,
        allow_duplicates: bool = False,
    ) -> list[RecordResult]:
        """Upsert up to 200 records by external id in one call (``allOrNone`` false)."""
        ...

    def update(
        self, sobject: str, records: Sequence[Mapping[str, Any]], *, allow_duplicates: bool = False
    ) -> list[RecordResult]:
        """Update up to 200 records by ``Id`` in one call (``allOrNone`` false)."""
        ...

    def create(self, records: Sequence[Mapping[str, Any]]) -> list[RecordResult]:
        """Insert up to 200 records, each naming its sObject in ``attributes``, in one call
        (``allOrNone`` false): for objects without an external id of ours (Individual)."""
        ...

    def delete(self, ids: Sequence[str]) -> list[RecordResult]:
        """Delete up to 200 records by Id in one call (``allOrNone`` false): one result per
        Id, in order. Deleted records go to the org's Recycle Bin."""
        ...

    def write(self, calls: Sequence[CollectionCall]) -> list[CallAnswer]:
        """Make ``calls``, packed five to a Composite call (one API call each), in order:
        one answer per call."""
        ...

    def bulk_upsert(
        self, sobject: str, key_field: str, records: Sequence[Mapping[str, Any]]
    ) -> list[RecordResult]:
        """Upsert any number of records through Bulk API 2.0; one result per record, in order."""
        ...

    def bulk_insert(
        self, sobject: str, key_field: str, records: Sequence[Mapping[str, Any]]
    ) -> list[RecordResult]:
        """Insert through Bulk API 2.0; a row whose key exists fails with DUPLICATE_VALUE."""
        ...

    def unique_key(self, sobject: str, key_field: str) -> bool:
        """True when ``key_field`` is a unique external id of ``sobject`` (so an insert can
        never make a second record with the same key)."""
        ...

"""Writing record plans to Salesforce: batched, idempotent, retried, within the API budget.

The sync engine needs three names::

    from sf_social.salesforce import SalesforceWriter, WriterConfig

    writer = SalesforceWriter.connect(settings.salesforce, WriterConfig(...))
    writer.begin_pass()                           # once per sync pass
    report = writer.write(plans, known_ids=ledger_ids)
    for result in report.results:                 # one per plan, in order
        if result.ok: ...                         # report.ids: key -> Salesforce Id
        elif result.retryable: ...                # every failure transient: later
        else: ...                                 # dead letter: result.failures say why

and, for its own tests, ``sf_social.testing.InMemoryWriter`` (same logic on an in-memory org).

Modules, one concept each: ``auth`` (logins), ``connection`` (REST calls), ``soql``
(escaping, query splitting), ``codes`` (error code → what to do), ``retry`` (which calls
are retried, with ``sf_social.retry.RetryPolicy``'s timings), ``budget`` (daily API usage),
``api`` (the port), ``rest`` and ``bulk`` (the real org), ``memory`` (the in-memory org),
``identity``, ``queues``, ``batch`` (merge, order, payloads), ``delivery`` (send,
per-record retries), ``results``, ``writer``.
"""

from sf_social.salesforce.api import Lookup, OrgApi, RecordResult
from sf_social.salesforce.auth import OrgSession, open_session
from sf_social.salesforce.budget import ApiBudget, BudgetPolicy
from sf_social.salesforce.bulk import BulkPolicy
from sf_social.salesforce.codes import Disposition
from sf_social.salesforce.connection import Connection
from sf_social.salesforce.rest import RestOptions, RestOrgApi
from sf_social.salesforce.results import (
    PlanResult,
    RecordFailure,
    Status,
    WriteOutcome,
    WriteReport,
)
from sf_social.salesforce.retry import RetryPolicy
from sf_social.salesforce.writer import SalesforceWriter, Writer, WriterConfig

__all__ = [
    "ApiBudget",
    "BudgetPolicy",
    "BulkPolicy",
    "Connection",
    "Disposition",
    "Lookup",
    "OrgApi",
    "OrgSession",
    "PlanResult",
    "RecordFailure",
    "RecordResult",
    "RestOptions",
    "RestOrgApi",
    "RetryPolicy",
    "SalesforceWriter",
    "Status",
    "WriteOutcome",
    "WriteReport",
    "Writer",
    "WriterConfig",
    "open_session",
]

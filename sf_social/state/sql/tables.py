"""The current schema, as the queries see it: ``schema_v1`` and the migrations after it."""

from __future__ import annotations

from sqlalchemy import Column, Index, Integer, MetaData, Table, Text

from sf_social.state.sql import schema_v1
from sf_social.state.sql.types import UtcDateTime

metadata = MetaData()

schema_version = schema_v1.schema_version(metadata)
ledger = schema_v1.ledger(metadata)
record_ids = schema_v1.record_ids(metadata)
sources = schema_v1.sources(metadata)
outbox = schema_v1.outbox(metadata)
dead_letters = schema_v1.dead_letters(metadata)
threads = schema_v1.threads(metadata)
runs = schema_v1.runs(metadata)
runs.append_column(Column("rejected", Integer, nullable=False, default=0))  # migration 3

THREAD_RESPONSE_COLUMNS = (  # migration 4: what response times are computed from
    Column("opened_at", UtcDateTime),
    Column("response_due_at", UtcDateTime),
    Column("segment", Text),
    Column("team", Text),
    Column("network", Text),
    Column("tier", Text),
)
for _column in THREAD_RESPONSE_COLUMNS:
    threads.append_column(_column)
threads_opened = Index("threads_opened", threads.c.opened_at)
threads.append_column(Column("overdue_at", UtcDateTime))  # migration 5
threads_due = Index("threads_due", threads.c.response_due_at)

threads.append_column(Column("opened_by", Text))  # migration 7: the post that opened the Case

# migration 6: privacy (design rule 11)
ledger.append_column(Column("author", Text))  # digest of the author's handle
ledger_author = Index("ledger_author", ledger.c.author)
suppressions = Table(
    "suppressions",
    metadata,
    Column("digest", Text, primary_key=True),  # sf_social.privacy digest, never the value
    Column("created_at", UtcDateTime, nullable=False),
)
audit = Table(
    "audit",
    metadata,
    Column("id", schema_v1.RowId, primary_key=True, autoincrement=True),
    Column("at", UtcDateTime, nullable=False),
    Column("action", Text, nullable=False),
    Column("detail", Text, nullable=False),  # JSON: counts and options, no personal data
    sqlite_autoincrement=True,
)

"""The current schema, as the queries see it: ``schema_v1`` and the migrations after it."""

from __future__ import annotations

from sqlalchemy import Column, Integer, MetaData

from sf_social.state.sql import schema_v1

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

"""Open the state store a URL names (``SF_SOCIAL_DB``)."""

from __future__ import annotations

from sf_social import crashpoints
from sf_social.state.memory import MemoryStateStore
from sf_social.state.port import StateStore

MEMORY_URL = "memory://"
"""A store that lives as long as the process: for tests and dry runs."""


def open_store(url: str, *, schema: str | None = None) -> StateStore:
    """The store for ``url``, migrated: ``memory://``, ``sqlite:///FILE``, ``postgresql+psycopg://``.

    A PostgreSQL URL needs the ``postgres`` extra (psycopg 3). The store's transactions
    pass the crash points of :mod:`sf_social.crashpoints`.
    """
    if url == MEMORY_URL:
        return MemoryStateStore(checkpoint=crashpoints.reached)
    from sf_social.state.sql import SqlStateStore  # SQLAlchemy only when needed

    return SqlStateStore(url, schema=schema, checkpoint=crashpoints.reached)

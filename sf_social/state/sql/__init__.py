"""The SQL adapter of the state store: SQLite by default, PostgreSQL with the ``postgres`` extra."""

from sf_social.state.sql.store import SqlStateStore

__all__ = ["SqlStateStore"]

"""PostgreSQL session-level advisory locks: one replica polls a source at a time.

The lock lives as long as the connection that took it, which this object keeps checked
out of the pool; if the process dies, PostgreSQL drops the session and the lock with it.
"""

from __future__ import annotations

from sqlalchemy import Connection, Engine, func, select

from sf_social.state.locks import HeldLock
from sf_social.state.sql.engine import lock_key


class AdvisoryLock(HeldLock):
    """A held ``pg_try_advisory_lock``; ``release()`` unlocks and returns the connection."""

    def __init__(self, conn: Connection, key: int, name: str) -> None:
        self._conn: Connection | None = conn
        self.key = key
        self.name = name

    @classmethod
    def try_acquire(cls, engine: Engine, namespace: str, name: str) -> AdvisoryLock | None:
        """The lock for ``name`` (within ``namespace``), or ``None`` if another session has it."""
        key = lock_key(namespace, "source", name)
        conn = engine.connect()
        try:
            got = bool(conn.execute(select(func.pg_try_advisory_lock(key))).scalar())
            conn.commit()  # end the transaction; a session-level lock outlives it
        except BaseException:
            conn.close()
            raise
        if not got:
            conn.close()
            return None
        return cls(conn, key, name)

    @property
    def held(self) -> bool:
        return self._conn is not None

    def release(self) -> None:
        conn, self._conn = self._conn, None
        if conn is None:
            return
        try:
            conn.execute(select(func.pg_advisory_unlock(self.key)))
            conn.commit()
        except Exception:
            conn.invalidate()  # the session is gone or broken: its locks go with it
            raise
        finally:
            conn.close()

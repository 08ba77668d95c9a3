"""Locks that keep sync work single-writer where it must be.

- ``FileLock``: an exclusive ``flock`` on ``<db>.lock`` beside a SQLite file, holding the
  holder's PID, so a second daemon on the same file refuses to start (SQLite means one
  process).
- ``NamedLock``: an in-process lock per name (sources polled by one thread at a time when
  there is no database-side lock: SQLite, memory).
- ``NullLock``: nothing to hold (PostgreSQL replicas need no process lock).

The PostgreSQL advisory lock lives with the SQL adapter (``sf_social.state.sql.advisory``).
"""

from __future__ import annotations

import fcntl
import os
import threading
from pathlib import Path
from types import TracebackType
from typing import ClassVar, Self

from sf_social.errors import StoreLockedError
from sf_social.private_files import open_private


class HeldLock:
    """A lock this process holds until ``release()`` (or the end of a ``with`` block)."""

    def release(self) -> None:
        """Give the lock up; calling it again does nothing."""

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()


class NullLock(HeldLock):
    """Holds nothing: where there is nothing to exclude."""


class NamedLock(HeldLock):
    """One holder per name within this process."""

    _held: ClassVar[set[str]] = set()
    _guard: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self, name: str) -> None:
        self.name = name
        self._released = False

    @classmethod
    def try_acquire(cls, name: str) -> NamedLock | None:
        """The lock for ``name``, or ``None`` when someone in this process holds it."""
        with cls._guard:
            if name in cls._held:
                return None
            cls._held.add(name)
        return cls(name)

    def release(self) -> None:
        with self._guard:
            if not self._released:
                self._released = True
                self._held.discard(self.name)


class FileLock(HeldLock):
    """An exclusive ``flock`` on a lock file that records the holder's PID."""

    def __init__(self, fd: int, path: Path) -> None:
        self._fd: int | None = fd
        self.path = path

    @classmethod
    def acquire(cls, database: Path) -> FileLock:
        """Lock ``<database>.lock``; ``StoreLockedError`` naming the file and holder if taken.

        The lock belongs to the open file, so it vanishes when the process dies, even on
        ``kill -9``: a stale lock file never blocks a restart.
        """
        path = database.with_name(database.name + ".lock")
        fd = open_private(path, "lock file")
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            pid = _read_pid(fd)
            os.close(fd)
            raise StoreLockedError(str(database), str(path), pid) from None
        except BaseException:
            os.close(fd)
            raise
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        return cls(fd, path)

    def release(self) -> None:
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        try:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)


def _read_pid(fd: int) -> int | None:
    """The PID written in a lock file, if it holds one."""
    text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    return int(text) if text.isdigit() else None

"""Outbox leases: who holds them, keeping them while a write is in flight, giving them back.

- ``default_worker_id`` names this process (``host:pid@pidns``) and ``worker_is_dead``
  says whether a holder on this host is gone, so its rows are freed at once (``kill -9``);
- ``keep_leased`` renews a claim's short lease while its write is in flight, so a replica
  on another host that dies frees its rows within one lease;
- :class:`LeaseTracker` claims, settles and releases rows for the push and knows which rows
  this process holds, so a shutdown can give them back.

When the daemon must leave before a write in flight comes back (SIGTERM with a short
bound), its leases would otherwise block those rows until they expire: the tracker
remembers the rows each claim returned and forgets them as they are settled or released,
and ``release_all()`` hands back whatever is still held.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta

from sf_social.errors import SfSocialError
from sf_social.state import OutboxRow, Outcome, StateStore

log = logging.getLogger(__name__)


def default_worker_id() -> str:
    """``host:pid`` (``host:pid@pidns`` where the PID namespace is known): tells replicas'
    leases apart, and says which process to look for when one seems dead."""
    namespace = _pid_namespace()
    return f"{socket.gethostname()}:{os.getpid()}" + (f"@{namespace}" if namespace else "")


def worker_is_dead(worker_id: str) -> bool:
    """Whether ``worker_id`` names a process of this host (and PID namespace) that is gone.

    Workers of other hosts or namespaces are never judged: their leases run out instead.
    """
    host, _, rest = worker_id.rpartition(":")
    pid, _, namespace = rest.partition("@")
    if host != socket.gethostname() or namespace != (_pid_namespace() or "") or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except (PermissionError, OverflowError):
        return False  # alive as another user (or not a pid at all): not ours to judge
    return False


def _pid_namespace() -> str | None:
    try:
        return str(os.stat("/proc/self/ns/pid").st_ino)
    except OSError:
        return None


@contextmanager
def keep_leased(
    store: StateStore,
    rows: Sequence[OutboxRow],
    lease: timedelta,
    clock: Callable[[], datetime],
) -> Iterator[None]:
    """Renew the lease of ``rows`` every third of ``lease`` while the block runs."""
    done = threading.Event()

    def beat() -> None:
        while not done.wait(lease.total_seconds() / 3):
            try:
                store.extend_leases(rows, clock() + lease)
            except SfSocialError as exc:  # the lease may lapse: the fence keeps it safe
                log.warning("could not renew the outbox leases: %s", exc)

    thread = threading.Thread(target=beat, name="lease-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join()


class LeaseTracker:
    """The outbox rows this process leased from ``store`` and has not settled yet."""

    def __init__(self, store: StateStore) -> None:
        self.store = store
        self._held: dict[int, OutboxRow] = {}
        self._lock = threading.Lock()

    @property
    def held(self) -> list[OutboxRow]:
        """Rows leased through this tracker and not settled yet."""
        with self._lock:
            return list(self._held.values())

    def claim(
        self,
        worker_id: str,
        limit: int,
        now: datetime,
        lease: timedelta,
        *,
        per_key: int = 1,
    ) -> list[OutboxRow]:
        """``StateStore.claim_outbox``, remembering the rows."""
        rows = self.store.claim_outbox(worker_id, limit, now, lease, per_key=per_key)
        with self._lock:
            self._held.update((row.id, row) for row in rows)
        return rows

    def settle(self, outcomes: Sequence[Outcome], *, now: datetime | None = None) -> list[bool]:
        """``StateStore.settle``, forgetting the rows."""
        held = self.store.settle(outcomes, now=now)
        self._drop([outcome.row for outcome in outcomes])
        return held

    def release(self, rows: Sequence[OutboxRow]) -> int:
        """``StateStore.release``, forgetting the rows."""
        count = self.store.release(rows)
        self._drop(rows)
        return count

    def release_all(self) -> int:
        """Give back every row still held; how many were still ours."""
        rows = self.held
        return self.release(rows) if rows else 0

    def _drop(self, rows: Sequence[OutboxRow]) -> None:
        with self._lock:
            for row in rows:
                self._held.pop(row.id, None)

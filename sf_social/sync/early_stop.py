"""A stop signal while the daemon starts: remembered, so start-up ends with exit 0.

Before the daemon installs its own handlers (``Daemon.run``) the process opens the store,
loads the model and runs the start-up checks against the org: seconds on a slow org.
SIGTERM's default action there killed the process (exit -15, a failed unit for systemd;
seen when one of two replicas was stopped while still starting). ``EarlyStop`` catches
SIGTERM/SIGINT from the start: the first is logged and remembered, start-up goes on to the
next safe point (nothing has been taken in or written yet) and the process exits 0; a
second leaves at once. Read-only work (the start-up checks, a call per check) runs under
``interruptibly``: there the first signal ends it at once. Used as a context manager, it
puts the handlers it found back on leaving (a daemon run inside a longer-lived process, a
test's, must not leave them behind: a forked worker would inherit them and ignore the
SIGTERM that ends it).
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from types import FrameType, TracebackType
from typing import Any, TypeVar

from sf_social.logs import event

log = logging.getLogger(__name__)

T = TypeVar("T")


class _Interrupted(BaseException):
    """Raised by the handler inside ``interruptibly`` (a BaseException: the checks catch
    Exception to report each failure, and must not report this one)."""


class EarlyStop:
    """SIGTERM/SIGINT caught from the process's start until the daemon takes them over."""

    def __init__(self) -> None:
        self.reason: str | None = None
        """The signal's name once one came."""
        self._interruptible = False
        self._previous: dict[int, Any] = {}

    def __enter__(self) -> EarlyStop:
        """Catch the signals (only the main thread can)."""
        if threading.current_thread() is threading.main_thread():
            for number in (signal.SIGTERM, signal.SIGINT):
                self._previous[number] = signal.signal(number, self._on_signal)
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Put back the handlers found on entering."""
        for number, handler in self._previous.items():
            signal.signal(number, handler)
        self._previous.clear()

    def _on_signal(self, number: int, frame: FrameType | None) -> None:
        name = signal.Signals(number).name
        if self.reason is not None:
            event(log, "daemon stopping now", logging.WARNING, reason=name, starting=True)
            raise SystemExit(0)
        self.reason = name
        event(log, "daemon stopping", reason=name, starting=True)
        if self._interruptible:
            raise _Interrupted(name)

    def interruptibly(self, work: Callable[[], T]) -> T | None:
        """``work()``, which a signal ends at once (None then, ``reason`` set): only for
        work that writes nothing."""
        if self.reason is not None:
            return None
        self._interruptible = True
        try:
            try:
                return work()
            finally:
                self._interruptible = False
        except _Interrupted:  # also when the signal lands in the line above
            return None

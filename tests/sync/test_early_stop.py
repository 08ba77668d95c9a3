"""Signals while the daemon starts (``sf_social.sync.early_stop``), in this process."""

from __future__ import annotations

import os
import signal
import threading

import pytest

from sf_social.sync.early_stop import EarlyStop


def _sigterm() -> None:
    os.kill(os.getpid(), signal.SIGTERM)
    threading.Event().wait(0.05)  # the handler runs in the main thread, between bytecodes


def test_the_first_signal_is_remembered_the_second_leaves_and_handlers_are_put_back() -> None:
    before = signal.getsignal(signal.SIGTERM)
    seen: list[object] = []

    def twice() -> None:
        with EarlyStop() as early:
            seen.append(signal.getsignal(signal.SIGTERM))
            _sigterm()
            seen.append(early.reason)
            _sigterm()
            seen.append("not reached")

    with pytest.raises(SystemExit) as left:
        twice()
    assert left.value.code == 0
    assert seen[0] is not before and seen[1:] == ["SIGTERM"]
    assert signal.getsignal(signal.SIGTERM) is before


def test_interruptible_work_ends_at_the_first_signal() -> None:
    steps: list[int] = []

    def checks() -> bool:
        for step in range(3):
            steps.append(step)
            _sigterm()
        return True

    with EarlyStop() as early:
        assert early.interruptibly(checks) is None
        assert early.reason == "SIGTERM" and steps == [0]
        assert early.interruptibly(checks) is None  # already stopping: not run at all
    assert steps == [0]

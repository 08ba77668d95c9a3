"""Progress of long work on stderr: a live bar in a terminal, a line every 10% elsewhere.

In a terminal (stderr is a TTY) tqdm draws the bar: done of total, percent, rate, ETA,
then the counts last given (posts, plans, records). Log lines and :meth:`Progress.echo`
lines go above it. Elsewhere (a pipe, a log file, CI) one plain line per 10% step::

    feed.jsonl: 30% (3.00MB of 10.0MB), 1.20MB/s, ETA 00:05; posts 4,512, plans 4,498

A feed's total is its size in bytes (``unit="B"``), its progress the cursor's offset.
"""

from __future__ import annotations

import logging
import sys
import time
from types import TracebackType
from typing import TYPE_CHECKING, Never, TextIO, cast

import click
from tqdm import tqdm

from sf_social import logs

if TYPE_CHECKING:  # `train` shows progress too, without importing the sync machinery
    from sf_social.sync.engine import StopCheck, SyncEngine
    from sf_social.sync.push import PushCounts

STEP = 10
"""Percent between two plain lines."""


class Progress:
    """``update(done, **counts)`` as work goes; a context manager (closes the bar)."""

    def __init__(self, what: str, total: int, unit: str, *, initial: int = 0) -> None:
        self.what, self.total, self.unit = what, max(total, 0), unit
        self.initial = self.done = min(max(initial, 0), self.total)
        self.started = time.monotonic()
        self.counts: dict[str, int] = {}
        self._printed = self._step()
        self._bar: tqdm[Never] | None = None
        self._streams: list[tuple[logging.StreamHandler[TextIO], TextIO]] = []
        if self.total and sys.stderr.isatty():
            self._bar = tqdm(
                desc=what,
                total=self.total,
                initial=self.initial,
                unit=unit,
                unit_scale=unit == "B",
                file=sys.stderr,
                dynamic_ncols=True,
                mininterval=0.2,
            )
            self._lines_above()

    def __enter__(self) -> Progress:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def update(self, done: int | None = None, **counts: int) -> None:
        """``done`` so far (absolute) and the counts to show beside it."""
        self.counts.update(counts)
        if done is not None:
            self.done = min(max(done, self.done), self.total)
        if self._bar is not None:
            self._bar.set_postfix_str(self._counts(), refresh=False)
            self._bar.update(self.done - self._bar.n)
        elif self.total and self._step() > self._printed:
            self._printed = self._step()
            click.echo(self.line(), err=True)

    def echo(self, line: str) -> None:
        """Print ``line`` on stderr (above the bar, if one is shown)."""
        if self._bar is not None:
            self._bar.write(line, file=sys.stderr)
        else:
            click.echo(line, err=True)

    def line(self) -> str:
        """Percent, done of total, rate and ETA, counts: the plain line."""
        elapsed = max(time.monotonic() - self.started, 1e-6)
        rate = (self.done - self.initial) / elapsed
        eta = tqdm.format_interval((self.total - self.done) / rate) if rate > 0 else "?"
        percent = 100 * self.done // self.total
        line = (
            f"{self.what}: {percent}% ({self._amount(self.done)} of {self._amount(self.total)}),"
            f" {self._amount(rate)}/s, ETA {eta}"
        )
        return f"{line}; {self._counts()}" if self.counts else line

    def close(self) -> None:
        """Take the bar away and give logging its stream back."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None
        for handler, stream in self._streams:
            handler.setStream(stream)
        self._streams = []

    def _step(self) -> int:
        return 100 * self.done // self.total // STEP if self.total else 0

    def _amount(self, value: float) -> str:
        if self.unit == "B":
            return tqdm.format_sizeof(value, "B")
        return f"{value:,.0f} {self.unit}s" if value != 1 else f"1 {self.unit}"

    def _counts(self) -> str:
        return ", ".join(f"{name} {value:,}" for name, value in self.counts.items())

    def _lines_above(self) -> None:
        """Root log handlers writing to stderr write above the bar meanwhile."""
        above = cast(TextIO, _Above(self))
        for handler in logging.getLogger().handlers:
            if isinstance(handler, logging.StreamHandler) and handler.stream is sys.stderr:
                self._streams.append((handler, handler.stream))
                handler.setStream(above)


def push_shown(
    engine: SyncEngine, *, should_stop: StopCheck | None = None, records: int = 0
) -> PushCounts:
    """``push_pass`` with progress: plans sent of those due, written, records (``records``
    before plus this push's). Dead letters are not logged: the caller prints each."""
    from sf_social.sync.engine import never
    from sf_social.sync.passes import push_pass

    with (
        logs.echoed("dead letter"),
        Progress("sending", engine.store.status().outbox_due, "plan") as sending,
    ):

        def shown(counts: PushCounts) -> None:
            done = counts.written + counts.retried + counts.dead
            sending.update(done, written=counts.written, records=records + counts.records)

        return push_pass(engine, should_stop=should_stop or never, on_batch=shown)


class _Above:
    """A stream whose lines the bar prints above itself."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress

    def write(self, text: str) -> int:
        if text.strip():
            self.progress.echo(text.rstrip("\n"))
        return len(text)

    def flush(self) -> None:
        pass

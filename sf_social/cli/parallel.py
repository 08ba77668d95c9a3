"""A feed file planned or classified on every core, its output in the input's order.

The main process reads the file's lines (:func:`sf_social.feed.raw_lines`: the same
numbering and the same errors for long and incomplete lines as one process) and hands
chunks of ``CHUNK`` lines to worker processes (a ``ProcessPoolExecutor``; the ``terminate``
of ``multiprocessing.Pool`` can deadlock). The workers are forked once the pipeline is
built, so each has it without pickling; each parses and renders its chunk and returns the
output and the rejection messages, which the main process writes in the input's order:
stdout and stderr hold byte for byte what one process writes. At most two chunks per worker
are in flight, so memory stays bounded whatever the file's size.

Where processes cannot be forked (not Linux), or for one job, the feed is read in this
process, line by line (a live ``--input -`` pipe sees each line's output at once).
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from typing import BinaryIO

from sf_social.errors import FeedLineError
from sf_social.feed import parse_line, raw_lines, read_feed
from sf_social.posts import SocialPost

CHUNK = 1_000
"""Lines a worker takes at a time."""
PARALLEL_FROM = 1 << 20
"""A file this large (bytes) or larger is worth the workers' start-up."""

Render = Callable[[SocialPost], bytes]
Done = tuple[bytes, list[str], int]
"""A chunk's output (UTF-8), its rejection messages and its accepted posts."""

_render: Render | None = None
"""The worker's render, set in the parent just before the fork."""


def auto_jobs(path: str) -> int:
    """Jobs for ``--jobs 0``: the usable cores for a file of ``PARALLEL_FROM`` bytes or more,
    else one (stdin, small files)."""
    if path == "-" or not os.path.isfile(path) or os.path.getsize(path) < PARALLEL_FROM:
        return 1
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1


def results(stream: BinaryIO, source: str, render: Render, jobs: int) -> Iterator[Done]:
    """Each chunk's (or, on one job, each line's) output, rejections and accepted count."""
    if jobs > 1 and "fork" in multiprocessing.get_all_start_methods():
        yield from _parallel(stream, source, render, jobs)
        return
    for item in read_feed(stream, source):
        if isinstance(item, FeedLineError):
            yield b"", [f"rejected {item}"], 0
        else:
            yield render(item), [], 1


def _parallel(stream: BinaryIO, source: str, render: Render, jobs: int) -> Iterator[Done]:
    global _render
    _render = render
    fork = multiprocessing.get_context("fork")
    pending: deque[Future[Done]] = deque()
    try:
        with ProcessPoolExecutor(jobs, mp_context=fork, initializer=_default_sigterm) as pool:
            try:
                for chunk in _chunks(stream, source):
                    pending.append(pool.submit(_run_chunk, source, chunk))
                    if len(pending) >= 2 * jobs:
                        yield pending.popleft().result()
                while pending:
                    yield pending.popleft().result()
            finally:  # a worker failed or the reader stopped: the chunks not started never are
                for future in pending:
                    future.cancel()
    finally:
        _render = None


def _default_sigterm() -> None:
    """In a worker: SIGTERM ends it, whatever handler the parent had."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _chunks(stream: BinaryIO, source: str) -> Iterator[list[tuple[int, bytes | str]]]:
    """The file's lines in chunks: each line's number and bytes, or its rejection."""
    chunk: list[tuple[int, bytes | str]] = []
    for line_no, raw in raw_lines(stream, source):
        chunk.append((line_no, f"rejected {raw}" if isinstance(raw, FeedLineError) else raw))
        if len(chunk) == CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _run_chunk(source: str, chunk: list[tuple[int, bytes | str]]) -> Done:
    """In a worker: parse and render one chunk."""
    assert _render is not None, "forked before the render was set"
    out: list[bytes] = []
    rejected: list[str] = []
    for line_no, raw in chunk:
        item = raw if isinstance(raw, str) else parse_line(raw, source, line_no)
        if isinstance(item, str):
            rejected.append(item)
        elif isinstance(item, FeedLineError):
            rejected.append(f"rejected {item}")
        else:
            out.append(_render(item))
    return b"".join(out), rejected, len(out)

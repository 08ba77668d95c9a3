"""A JSONL file of SocialPost lines as a source, resumable at the byte after the last batch."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from sf_social.errors import FeedLineError, IncompleteLineError, InputError
from sf_social.feed import numbered_lines
from sf_social.posts import SocialPost
from sf_social.sources.base import Cursor, SourceBatch

log = logging.getLogger(__name__)


class JsonlSource:
    """Reads ``path`` in batches of ``batch_size`` lines.

    The cursor holds the byte offset after the last batch, the line number there and the
    file's identity (device, inode). Rotation is followed like ``tail -F``: a file replaced
    by another one (a move-and-create rotation, a new export) is read from its start, and
    so is the same file once it shrank below the offset (a copy-truncate rotation), with a
    warning naming the file, the old offset and the new size.

    The feed is tailed: a last line still being written (no newline, not one complete JSON
    value) is not read and the cursor stays before it; ``incomplete`` then names it until a
    later pull finds it complete.
    """

    def __init__(self, path: Path, batch_size: int = 500, name: str | None = None) -> None:
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, not {batch_size}")
        self.path = path
        self.batch_size = batch_size
        self._name = name or f"jsonl:{path.resolve()}"
        self.incomplete: IncompleteLineError | None = None

    @property
    def name(self) -> str:
        return self._name

    def pull(self, cursor: Cursor | None) -> Iterator[SourceBatch]:
        try:
            stream = self.path.open("rb")
        except OSError as exc:
            raise InputError(f"{self.path}: cannot open the feed: {exc.strerror}") from None
        with stream:
            stat = os.fstat(stream.fileno())
            identity = [stat.st_dev, stat.st_ino]
            offset, line_no = self._resume(cursor, identity, stat.st_size)
            start_line = line_no
            stream.seek(_past_late_newline(stream, offset))
            posts: list[SocialPost] = []
            rejected: list[FeedLineError] = []
            self.incomplete = None
            lines = numbered_lines(stream, str(self.path), lines_before=start_line, tail=True)
            for number, item in lines:
                if isinstance(item, IncompleteLineError):
                    self.incomplete = item  # the last line; the stream is back before it
                    break
                line_no = number
                if isinstance(item, FeedLineError):
                    rejected.append(item)
                else:
                    posts.append(item)
                if len(posts) + len(rejected) >= self.batch_size:
                    yield SourceBatch(posts, _cursor(stream.tell(), line_no, identity), rejected)
                    posts, rejected = [], []
            if posts or rejected:
                yield SourceBatch(posts, _cursor(stream.tell(), line_no, identity), rejected)

    def _resume(self, cursor: Cursor | None, identity: list[int], size: int) -> tuple[int, int]:
        if not cursor or cursor.get("file") != identity:
            return 0, 0
        offset, line_no = cursor.get("offset"), cursor.get("line")
        if not isinstance(offset, int) or not isinstance(line_no, int):
            raise InputError(f"{self.path}: stored cursor {cursor!r} is not this source's")
        if offset > size:
            log.warning(
                "%s: truncated to %s bytes, below the stored position (byte %s, line %s):"
                " reading it from its start",
                self.path,
                f"{size:,}",
                f"{offset:,}",
                f"{line_no:,}",
            )
            return 0, 0
        return offset, line_no


def _cursor(offset: int, line_no: int, file: list[int]) -> Cursor:
    return {"offset": offset, "line": line_no, "file": file}


def _past_late_newline(stream: BinaryIO, offset: int) -> int:
    """``offset``, or past the newline that finished the line before it after it was read.

    A complete last line is read before its newline is written; that newline, when it
    comes, ends that line: it is not a line of its own (the line numbers stay right).
    """
    if offset == 0:
        return 0
    stream.seek(offset - 1)
    before, after = stream.read(1), stream.read(2)
    if before == b"\n":
        return offset
    if after.startswith(b"\n"):
        return offset + 1
    return offset + 2 if after == b"\r\n" else offset

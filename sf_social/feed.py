"""Read SocialPost JSON lines, one post per line, streaming.

Every bad line becomes a ``FeedLineError`` naming the line and the field; the lines after
it are still read. Blank lines are skipped; a UTF-8 byte-order mark is ignored. Lines longer
than ``MAX_LINE_BYTES`` are rejected without being held in memory.

A last line without its newline is read when it is one complete JSON value; otherwise it
is an ``IncompleteLineError`` (a writer may still be appending to it): a one-shot read
rejects it, a tailed read (``tail=True``) leaves the stream before it, to read it later.
"""

from __future__ import annotations

import io
import json
import os
import re
from collections.abc import Iterator
from typing import Any, BinaryIO

from pydantic import ValidationError

from sf_social.boundary import UNTRUSTED_FAILURES, describe, rejection
from sf_social.errors import FeedLineError, IncompleteLineError
from sf_social.posts import SocialPost

MAX_LINE_BYTES = 4 * 1024 * 1024
_SURROGATE = re.compile("[\ud800-\udfff]")
_JSON_KINDS = {
    list: "an array",
    str: "a string",
    int: "a number",
    float: "a number",
    bool: "true/false",
    type(None): "null",
}


def read_feed(
    feed: str | os.PathLike[str] | BinaryIO, source: str | None = None
) -> Iterator[SocialPost | FeedLineError]:
    """Yield each line's post, or the error that kept it out, in order.

    ``feed`` is a file's path (``str`` or ``Path``: opened and closed here) or a binary
    stream (``open(path, "rb")``, ``sys.stdin.buffer``, ``io.BytesIO``); ``source`` names it
    in errors (default: the path, else ``<stdin>``). A text stream is refused with a
    ``TypeError`` saying to open it in binary mode.
    """
    if isinstance(feed, str | os.PathLike):
        with open(feed, "rb") as stream:
            yield from read_feed(stream, source or os.fspath(feed))
        return
    if isinstance(feed, io.TextIOBase):
        raise TypeError("read_feed reads bytes: open the feed with open(path, 'rb')")
    for _, item in numbered_lines(feed, source or "<stdin>"):
        yield item


def numbered_lines(
    stream: BinaryIO, source: str, lines_before: int = 0, *, tail: bool = False
) -> Iterator[tuple[int, SocialPost | FeedLineError]]:
    """Each non-blank line's number and post (or error), from the stream's position.

    ``lines_before`` is how many lines precede that position (a resumed read numbers its
    lines from there). Between two items, ``stream.tell()`` is just after the line of the
    item last yielded. With ``tail``, an incomplete last line ends the read with an
    ``IncompleteLineError`` and ``stream.tell()`` just before that line (a blank one ends
    it silently), so that it is read once its writer has finished it.
    """
    for line_no, raw in raw_lines(stream, source, lines_before, tail=tail):
        yield line_no, raw if isinstance(raw, FeedLineError) else parse_line(raw, source, line_no)


def raw_lines(
    stream: BinaryIO, source: str, lines_before: int = 0, *, tail: bool = False
) -> Iterator[tuple[int, bytes | FeedLineError]]:
    """What :func:`numbered_lines` reads, each line still to parse (``parse_line``): the
    line's bytes, or the error of a line too long or incomplete."""
    line_no = lines_before
    while True:
        start = stream.tell() if tail else 0
        raw = stream.readline(MAX_LINE_BYTES + 1)
        if not raw:
            return
        line_no += 1
        if len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n"):
            if not _skip_rest_of_line(stream) and tail:
                stream.seek(start)
                yield line_no, IncompleteLineError(source, line_no)
                return
            message = f"line is longer than {MAX_LINE_BYTES:,} bytes: skipped"
            yield line_no, FeedLineError(source, line_no, "", message)
            continue
        if not raw.endswith(b"\n") and not _complete(raw):
            if tail:
                stream.seek(start)
                if raw.strip():
                    yield line_no, IncompleteLineError(source, line_no)
                return
            if raw.strip():
                error = parse_line(raw, source, line_no)
                reason = error.message if isinstance(error, FeedLineError) else "?"
                message = f"last line incomplete (no newline at its end, and {reason})"
                yield line_no, FeedLineError(source, line_no, "", message)
            return
        if raw.strip():
            yield line_no, raw


def _complete(raw: bytes) -> bool:
    """Whether an unterminated last line is one complete JSON value (a finished post)."""
    try:
        json.loads(raw.decode("utf-8").removeprefix("\ufeff"))
    except (ValueError, RecursionError):  # UnicodeDecodeError and JSONDecodeError included
        return False
    return True


def parse_line(raw: bytes, source: str, line_no: int) -> SocialPost | FeedLineError:
    """One line as a post, or the error saying what is wrong with it."""
    try:  # the usual case, parsed and validated in one pass
        return SocialPost.model_validate_json(raw)
    except ValueError:
        pass  # read it again step by step, to say exactly what is wrong (or to accept what
        # json.loads accepts and pydantic's stricter JSON parser does not: lone surrogates)
    data = decode_line(raw, source, line_no)
    if isinstance(data, FeedLineError):
        return data
    return validate_post(data, source, line_no)


def decode_line(raw: bytes, source: str, line_no: int) -> dict[str, Any] | FeedLineError:
    """One line as a JSON object (lone surrogate escapes as U+FFFD), or what is wrong."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return FeedLineError(
            source,
            line_no,
            "",
            f"invalid UTF-8 at byte {exc.start} ({raw[exc.start : exc.start + 4]!r}): "
            "save the feed as UTF-8",
        )
    text = text.removeprefix("\ufeff")  # a byte-order mark (Windows tools, concatenated files)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        return FeedLineError(
            source, line_no, "", f"malformed JSON at character {exc.pos + 1}: {exc.msg}"
        )
    except RecursionError:
        return FeedLineError(source, line_no, "", "JSON nested too deeply to be a post")
    except ValueError as exc:  # e.g. a number of more than 4,300 digits
        reason = str(exc).split(":")[0]
        return FeedLineError(source, line_no, "", f"unreadable JSON value ({reason})")
    if not isinstance(data, dict):
        return FeedLineError(
            source, line_no, "", f"expected a JSON object, got {_JSON_KINDS[type(data)]}"
        )
    try:
        return dict(_without_lone_surrogates(data))
    except RecursionError:
        return FeedLineError(source, line_no, "", "JSON nested too deeply to be a post")


def validate_post(
    data: object, source: str, line_no: int, prefix: str = ""
) -> SocialPost | FeedLineError:
    """``data`` as a post, or the error naming its field (``prefix`` + the field's path)."""
    try:
        return SocialPost.model_validate(data)
    except ValidationError as exc:
        field, message = describe(exc, prefix)
        post_id = data.get("id") if isinstance(data, dict) else None
        if post_id is not None and field != f"{prefix}id":
            message += f" [post id {post_id}]"
        return FeedLineError(source, line_no, field, message)
    except UNTRUSTED_FAILURES as exc:  # the same boundary as every other source's
        return rejection(source, line_no, prefix, exc)


def _without_lone_surrogates(value: Any) -> Any:
    """``value`` with each lone surrogate escape (``"\\ud83d"`` alone) as U+FFFD: no UTF-8
    text (a Subject, an API call) can carry one."""
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value)
    if isinstance(value, dict):
        return {key: _without_lone_surrogates(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_without_lone_surrogates(item) for item in value]
    return value


def _skip_rest_of_line(stream: BinaryIO) -> bool:
    """Read past the rest of a long line; False when the file ended before its newline."""
    while True:
        chunk = stream.readline(MAX_LINE_BYTES)
        if not chunk:
            return False
        if chunk.endswith(b"\n"):
            return True

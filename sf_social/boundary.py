"""The one boundary between untrusted input and intake.

Every source (a JSONL feed, X, LinkedIn, Facebook) turns each foreign item into a post
through ``admit``: the post model enforces the bounds (ids without control characters,
string lengths, dates from 1990 to 2099, counts up to 10^12, ``raw`` nesting), and
anything that goes wrong while a source reads one item, a ``ValidationError`` or a
payload of an unexpected shape (``"from": "str"``, a timestamp past year 9999), becomes
a ``FeedLineError`` naming the item: a rejected post, counted and shown, while the items
beside it go on. Nothing a stranger writes stops a source.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from pydantic import ValidationError

from sf_social.deletions import PostDeletion
from sf_social.errors import FeedLineError
from sf_social.posts import SocialPost

T = TypeVar("T", bound=SocialPost | PostDeletion | FeedLineError | None)

UNTRUSTED_FAILURES = (
    ValueError,  # ValidationError, a date out of range, a malformed number
    TypeError,  # a string where an object was expected, and the reverse
    AttributeError,  # ``"from": "str"``: .get on a string
    LookupError,  # a missing key or index
    OverflowError,  # a timestamp or a number past what datetime and float hold
    RecursionError,  # nesting deeper than Python's stack
    OSError,  # datetime.fromtimestamp past the platform's range
)
"""What reading one foreign item may raise; each is that item's fault, never the source's."""


def admit(source: str, where: int, ref: str, build: Callable[[], T]) -> T | FeedLineError:
    """``build()`` (a source reading one item), or the rejection saying why it failed.

    ``source`` and ``where`` place the item (a file and line, a spool and sequence, a stream
    and position); ``ref`` names it when known (an event id), else the field at fault.
    """
    try:
        return build()
    except UNTRUSTED_FAILURES as exc:
        return rejection(source, where, ref, exc)


def rejection(source: str, where: int, ref: str, exc: Exception) -> FeedLineError:
    """The ``FeedLineError`` for ``exc``, raised while reading the item at ``where``."""
    if isinstance(exc, ValidationError):
        field, message = describe(exc)
        return FeedLineError(source, where, field, f"{ref}: {message}" if ref else message)
    reason = (str(exc).splitlines() or [""])[0][:300] or type(exc).__name__
    if type(exc) is not ValueError:  # a plain ValueError says what is wrong on its own
        reason = f"unreadable ({type(exc).__name__}: {reason})"
    return FeedLineError(source, where, ref, reason)


def describe(exc: ValidationError, prefix: str = "") -> tuple[str, str]:
    """The field path (after ``prefix``) of a validation failure and what is wrong there."""
    first, *rest = exc.errors(include_url=False)
    field = prefix + (".".join(str(p) for p in first["loc"]) or "(post)")
    message = _message(first)
    if rest:
        message += (
            f" (and {len(rest)} more: "
            + ", ".join(prefix + ".".join(str(p) for p in e["loc"]) for e in rest)
            + ")"
        )
    return field, message


def _message(error: object) -> str:
    assert isinstance(error, dict)
    kind = error["type"]
    if kind == "missing":
        return "required field is missing"
    if kind == "extra_forbidden":
        return "unknown field (check its spelling; see SocialPost for the accepted fields)"
    message = str(error["msg"])
    return message.removeprefix("Value error, ")

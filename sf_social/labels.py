"""Labelled posts: the file format ``train`` learns from and ``evaluate`` measures on.

One JSON object per line::

    {"post": {...SocialPost...}, "segment": "Request", "complaint": true, "sentiment": "Negative"}

Any subset of the three labels may be given. A missing key (or ``null`` complaint or
sentiment) is *unlabelled*, not "no"; ``segment`` ``null`` or ``"None"`` means no action.
Label values match case-insensitively. Other keys (``note``, ``source``) are ignored.

Labels are kept as canonical strings per task (``"Request"``, ``"None"``, ``"true"``,
``"Negative"``), so training and scoring treat the three tasks alike.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from sf_social.classification import Classification, Segment, Sentiment
from sf_social.errors import FeedLineError
from sf_social.feed import MAX_LINE_BYTES, decode_line, validate_post
from sf_social.posts import SocialPost


class Task(StrEnum):
    """What a label (and a model's head) says about a post."""

    SEGMENT = "segment"
    COMPLAINT = "complaint"
    SENTIMENT = "sentiment"


NO_ACTION = "None"
"""The segment label of a post that needs no action."""

LABELS: dict[Task, tuple[str, ...]] = {
    Task.SEGMENT: (*(s.value for s in Segment), NO_ACTION),
    Task.COMPLAINT: ("true", "false"),
    Task.SENTIMENT: tuple(s.value for s in Sentiment),
}
"""Every label value of each task, in canonical spelling and report order."""

_CANONICAL = {task: {value.lower(): value for value in values} for task, values in LABELS.items()}


@dataclass(frozen=True, slots=True)
class LabelledPost:
    """A post and the labels given for it (only the tasks that were labelled)."""

    post: SocialPost
    labels: dict[Task, str]
    source: str = ""
    line_no: int = 0


def predicted_labels(c: Classification) -> dict[Task, str]:
    """A classification's values as labels, comparable with a ``LabelledPost``'s."""
    return {
        Task.SEGMENT: c.segment.value if c.segment else NO_ACTION,
        Task.COMPLAINT: "true" if c.complaint else "false",
        Task.SENTIMENT: c.sentiment.value,
    }


def read_labelled(path: Path) -> Iterator[LabelledPost | FeedLineError]:
    """Each non-blank line's labelled post, or the error naming its line and field."""
    source = str(path)
    with path.open("rb") as stream:
        line_no = 0
        while raw := stream.readline(MAX_LINE_BYTES + 1):
            line_no += 1
            if len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n"):
                while (rest := stream.readline(MAX_LINE_BYTES)) and not rest.endswith(b"\n"):
                    pass
                message = f"line is longer than {MAX_LINE_BYTES:,} bytes: skipped"
                yield FeedLineError(source, line_no, "", message)
            elif raw.strip():
                yield parse_labelled(raw, source, line_no)


def parse_labelled(raw: bytes, source: str, line_no: int) -> LabelledPost | FeedLineError:
    """One line as a labelled post, or the error saying what is wrong with it."""
    data = decode_line(raw, source, line_no)
    if isinstance(data, FeedLineError):
        return data
    if "post" not in data:
        return FeedLineError(source, line_no, "post", "required field is missing")
    labels: dict[Task, str] = {}
    for task in Task:
        if task not in data or (data[task] is None and task is not Task.SEGMENT):
            continue
        label = _label(task, data[task])
        if label is None:
            allowed = ", ".join(LABELS[task])
            message = f"{data[task]!r} is not a {task} label: use one of {allowed}"
            if task is not Task.COMPLAINT:
                message += " (or leave the key out: unlabelled)"
            return FeedLineError(source, line_no, task, message + _post_id(data["post"]))
        labels[task] = label
    if not labels:
        message = "no label: give segment, complaint or sentiment"
        return FeedLineError(source, line_no, "", message + _post_id(data["post"]))
    post = validate_post(data["post"], source, line_no, prefix="post.")
    if isinstance(post, FeedLineError):
        return post
    return LabelledPost(post, labels, source, line_no)


def _label(task: Task, value: Any) -> str | None:
    if task is Task.SEGMENT and value is None:
        return NO_ACTION
    if task is Task.COMPLAINT and isinstance(value, bool):
        return "true" if value else "false"
    if not isinstance(value, str):
        return None
    return _CANONICAL[task].get(value.strip().lower())


def _post_id(post: object) -> str:
    post_id = post.get("id") if isinstance(post, dict) else None
    return f" [post id {post_id}]" if post_id is not None else ""

"""Shared plumbing of the commands that read a JSONL feed: input, errors, progress."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, TypeVar, cast

import click
import orjson

from sf_social.cli.parallel import results
from sf_social.cli.params import FilePath, input_file
from sf_social.errors import FeedLineError
from sf_social.labels import LabelledPost, read_labelled
from sf_social.pipeline import Pipeline, classifier_for
from sf_social.playbook import Playbook, load_playbook
from sf_social.posts import SocialPost
from sf_social.userpaths import file_problem

if TYPE_CHECKING:
    from sf_social.config import Config

playbook_option = click.option(
    "--playbook",
    type=input_file(),
    help="Playbook YAML (default: $SF_SOCIAL_PLAYBOOK, else the bundled one).",
)


F = TypeVar("F", bound=Callable[..., Any])


def model_option_for(default: str) -> Callable[[F], F]:
    """The ``--model`` option, its help naming where the model comes from without it."""
    return click.option(
        "--model",
        type=FilePath(dir_okay=False),
        help=f"Trained model (sf-social train) deciding what it learned (default: {default}).",
    )


model_option = model_option_for("$SF_SOCIAL_MODEL, else rules only")


def resolve_playbook(path: Path | None) -> Playbook:
    """The playbook from ``--playbook``, else the configuration's, else the bundled one."""
    return load_playbook(path or _configured().playbook)


def resolve_pipeline(playbook: Path | None, model: Path | None) -> Pipeline:
    """The pipeline of ``--playbook`` and ``--model`` (each falling back to the configuration)."""
    book = resolve_playbook(playbook)
    return Pipeline(book, classifier_for(book, model or _configured().model))


def _configured() -> Config:
    """The configuration (``$SF_SOCIAL_CONFIG`` and the environment), loaded when needed."""
    from sf_social.config import load_config

    return load_config()


@contextmanager
def open_input(path: str) -> Iterator[tuple[BinaryIO, str]]:
    """The feed as a binary stream and its name for messages; ``-`` is stdin."""
    if path == "-":
        yield sys.stdin.buffer, "<stdin>"
        return
    problem = file_problem(Path(path))
    if problem is not None:
        raise click.BadParameter(problem, param_hint="'--input'")
    try:
        with open(path, "rb") as stream:
            yield stream, path
    except OSError as exc:
        raise click.FileError(path, hint=exc.strerror) from None


class FeedRun:
    """Writes ``render(post)`` for every post of a feed on stdout, reporting rejected lines
    and progress on stderr; on ``jobs`` processes (:mod:`sf_social.cli.parallel`)."""

    def __init__(self, every_seconds: float = 5.0) -> None:
        self.every_seconds = every_seconds
        self.accepted = 0
        self.rejected = 0

    def run(
        self, stream: BinaryIO, source: str, render: Callable[[SocialPost], bytes], jobs: int = 1
    ) -> None:
        started = last = time.monotonic()
        write = _stdout_bytes()
        for text, rejected, accepted in results(stream, source, render, jobs):
            if text:
                write(text)
            for message in rejected:
                click.echo(message, err=True)
            self.accepted += accepted
            self.rejected += len(rejected)
            now = time.monotonic()
            if now - last >= self.every_seconds:
                last = now
                rate = (self.accepted + self.rejected) / (now - started)
                done = f"{self.accepted:,} posts, {self.rejected:,} rejected"
                click.echo(f"... {done} ({rate:,.0f} lines/s)", err=True)

    def finish(self, verb: str) -> None:
        """Print the summary and exit 1 when any line was rejected."""
        click.echo(f"{verb} {self.accepted:,} posts, rejected {self.rejected:,} lines", err=True)
        if self.rejected:
            sys.exit(1)


def _stdout_bytes() -> Callable[[bytes], object]:
    """Writes UTF-8 output on stdout: its byte layer, or its text when it has none (a
    ``StringIO`` in its place)."""
    sys.stdout.flush()
    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is not None:
        return cast(Callable[[bytes], object], buffer.write)
    return lambda data: sys.stdout.write(data.decode())


_OPTIONS = orjson.OPT_APPEND_NEWLINE | orjson.OPT_PASSTHROUGH_DATETIME
# The stdlib's encoder, compact too, for what orjson refuses (ASCII: a lone surrogate is
# escaped, not an encoding error).
_encode = json.JSONEncoder(default=str, check_circular=False, separators=(",", ":")).encode


def json_line(obj: dict[str, Any]) -> bytes:
    """One JSON object as a compact UTF-8 line; values JSON has no type for as ``str()``.

    orjson (~4 us for a plan; the stdlib's encoder ~20); what orjson refuses (an integer
    beyond 64 bits, a lone surrogate) goes through the stdlib's.
    """
    try:
        return orjson.dumps(obj, default=str, option=_OPTIONS)
    except orjson.JSONEncodeError:
        return (_encode(obj) + "\n").encode()


jobs_option = click.option(
    "--jobs",
    type=click.IntRange(min=0, max=256),
    default=0,
    show_default=True,
    help="Processes for a feed file (0: every core for a file of 1 MiB or more, else one).",
)


def read_labelled_files(paths: Sequence[Path]) -> list[LabelledPost]:
    """Every labelled post of ``paths``; each bad line is reported on stderr and skipped.

    An unreadable file is a usage error (exit 2).
    """
    examples: list[LabelledPost] = []
    skipped = 0
    for path in paths:
        try:
            for item in read_labelled(path):
                if isinstance(item, FeedLineError):
                    skipped += 1
                    click.echo(f"skipped {item}", err=True)
                else:
                    examples.append(item)
        except OSError as exc:
            raise click.UsageError(f"cannot read {path}: {exc.strerror or exc}") from None
    if skipped:
        click.echo(f"skipped {skipped:,} bad line(s); read {len(examples):,} posts", err=True)
    return examples

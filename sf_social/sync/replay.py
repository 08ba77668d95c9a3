"""Replay: run a window of the sync again (``sf-social replay --since``).

How: the posts the ledger marked done (written or skipped) since ``since`` are forgotten
(``StateStore.forget_posts``), the sources that delivered them are rewound, read again and
pushed. The forgotten posts are planned again with today's playbook and sent again; the
writer upserts by external id and knows the records' Ids, so existing records only get
their sync-owned fields (agents' edits stay) and nothing is created twice. Posts still
waiting in the outbox or in the dead letters are left alone (``dead-letters retry`` is for
those).

Rewinding: a source that has a ``rewind(since) -> cursor`` method says itself where to
start reading to cover ``since`` (the X source can map it to a start time); any other is
read again from its beginning (cursor ``{}``), the ledger skipping what was not forgotten.
Sources that were imported with ``sf-social import`` (named ``jsonl:<path>``) can be
replayed by that name while their file is still there.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sf_social.errors import ConfigError
from sf_social.sources.base import Cursor, Source
from sf_social.sources.jsonl import JsonlSource
from sf_social.state import StateStore

JSONL_PREFIX = "jsonl:"


def rewind_cursor(source: Source, since: datetime) -> Cursor:
    """The cursor to read ``source`` again from, so that ``since`` is covered."""
    rewind = getattr(source, "rewind", None)
    if callable(rewind):
        cursor = rewind(since)
        if isinstance(cursor, dict):
            return cursor
    return {}


def pick_sources(
    configured: Sequence[Source], names: Sequence[str], store: StateStore
) -> list[Source]:
    """The sources to replay: ``names`` (configured, or imported JSONL files), else all."""
    if not names:
        return list(configured)
    by_name = {s.name: s for s in configured}
    chosen: list[Source] = []
    unknown: list[str] = []
    for name in names:
        if name in by_name:
            chosen.append(by_name[name])
        elif name.startswith(JSONL_PREFIX) and store.source(name) is not None:
            path = Path(name.removeprefix(JSONL_PREFIX))
            if not path.is_file():
                raise ConfigError(f"cannot replay {name}: {path} is not there any more")
            chosen.append(JsonlSource(path, name=name))
        else:
            unknown.append(name)
    if unknown:
        known = ", ".join(sorted(by_name)) or "none configured"
        raise ConfigError(
            f"unknown source(s) {', '.join(unknown)}: name a configured source ({known}) or"
            " an imported file as `sf-social status` lists it (jsonl:/path/to/file)"
        )
    return chosen


@dataclass
class Rewound:
    """What a replay rewound and forgot, before reading again."""

    forgotten: dict[str, int] = field(default_factory=dict)
    sources: list[Source] = field(default_factory=list)


def rewind(store: StateStore, sources: Sequence[Source], since: datetime) -> Rewound:
    """Rewind the sources, then forget their done posts since ``since``.

    In that order: a crash in between leaves sources that read again what the ledger
    still knows (harmless), never forgotten posts that nothing reads again.
    """
    for source in sources:
        store.commit_batch(source.name, rewind_cursor(source, since), [], [])
    forgotten = store.forget_posts(since, sources=[s.name for s in sources])
    return Rewound(forgotten, list(sources))

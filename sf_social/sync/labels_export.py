"""``labels export``: agents' corrections read back from the org as training labels.

Reads the Cases and Tasks we created (``Social_Model__c`` set) modified since a time: one
``COUNT()`` query per sObject, then the records through the query API, 2,000 a page, or —
above ``bulk_threshold`` records — one Bulk API 2.0 query job (a handful of calls for any
number). Every call counts against the org's API budget, and no records are read while
the budget is paused. :mod:`sf_social.corrections` decides which records are
corrections (or confirmations); the lines go to a file in the ``train`` format, written
atomically.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from sf_social.corrections import (
    CASE_FIELDS,
    MODEL,
    TASK_FIELDS,
    Example,
    Tally,
    Verdicts,
    examples,
)
from sf_social.playbook import Playbook
from sf_social.salesforce.selection import RecordReader, Selection

BULK_THRESHOLD = 10_000
"""Records of one sObject above which the export reads through a Bulk API 2.0 query."""


@dataclass(frozen=True)
class ExportSettings:
    """What to read: records modified since ``since``; confirmations after ``confirm_after``."""

    since: datetime
    confirm_after: timedelta | None = None
    bulk_threshold: int = BULK_THRESHOLD


@dataclass
class ExportReport:
    """What the export read and found, and what it cost."""

    examples: list[Example]
    tally: Tally
    api_calls: int = 0
    read_by: dict[str, str] = field(default_factory=dict)
    """sObject → "query" or "bulk": how its records were read."""


def export_labels(
    reader: RecordReader,
    playbook: Playbook,
    settings: ExportSettings,
    *,
    now: datetime,
    org_id: str | None,
    gate: Callable[[], None] = lambda: None,
) -> ExportReport:
    """The labelled examples of the org's corrected (and, optionally, confirmed) records.

    ``gate()`` is asked before the records of each sObject are read, once the count told
    the org's API usage: it raises to stop (the daily budget is paused)."""
    calls = reader.api_calls
    read_by: dict[str, str] = {}
    rows = {}
    for sobject, fields in (("Case", CASE_FIELDS), ("Task", TASK_FIELDS)):
        selection = Selection(
            sobject, fields, not_null=(MODEL,), since={"LastModifiedDate": settings.since}
        )
        bulk = reader.count(selection) > settings.bulk_threshold
        gate()
        read_by[sobject] = "bulk" if bulk else "query"
        rows[sobject] = list(reader.select(selection, bulk=bulk))
    verdicts = Verdicts(
        not_an_issue=frozenset(playbook.labels.not_an_issue),
        wrong_segment=frozenset(playbook.labels.wrong_segment),
        confirm_before=now - settings.confirm_after if settings.confirm_after else None,
    )
    tally = Tally()
    found = examples(rows["Case"], rows["Task"], verdicts, org_id, tally)
    return ExportReport(found, tally, reader.api_calls - calls, read_by)


def write_lines(path: Path, found: Sequence[Example]) -> None:
    """The examples as JSON lines at ``path``, replaced atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            for example in found:
                out.write(json.dumps(example.line, ensure_ascii=False) + "\n")
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise

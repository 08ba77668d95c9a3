"""Agents' corrections as training labels (design rule 9; ``sf-social labels export``).

Every Case and Task the sync creates carries what it predicted (``Social_Predicted_*__c``,
``Social_Model__c``) beside the values agents own (``Social_Segment__c``, and on Cases
``Social_Complaint__c``, ``Social_Sentiment__c``). A record whose owned value differs from
the prediction is an agent's **correction**; a Case closed with a Case Reason the playbook
names as "not an issue" (``labels.not_an_issue``) says the post needed no action and was
no complaint. Optionally, records nobody corrected for ``confirm_after`` are
**confirmations**: the prediction stood.

Each becomes one line of the ``train`` format (:mod:`sf_social.labels`) with where it came
from under ``source``: the org, the record, what was predicted, by which model. A Case and
the Task of the post that opened it are one post: the line is written once, the Case's
correction first. Pure functions over rows as the org returns them (REST JSON or Bulk CSV
text alike): no Salesforce client here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from sf_social.labels import NO_ACTION, Task
from sf_social.mapping import post_text
from sf_social.posts import Network

PREDICTED = {
    Task.SEGMENT: ("Social_Segment__c", "Social_Predicted_Segment__c"),
    Task.COMPLAINT: ("Social_Complaint__c", "Social_Predicted_Complaint__c"),
    Task.SENTIMENT: ("Social_Sentiment__c", "Social_Predicted_Sentiment__c"),
}
"""Per task: (the field agents own, the field holding our prediction)."""
MODEL = "Social_Model__c"
COMMON = (
    "Id",
    "Description",
    "Social_Network__c",
    "Social_Post_URL__c",
    "CreatedDate",
    "LastModifiedDate",
    MODEL,
)
CASE_FIELDS = (
    *COMMON,
    "Social_Thread_Key__c",
    "Social_Handle__c",
    "IsClosed",
    "Reason",
    *(name for pair in PREDICTED.values() for name in pair),
)
TASK_FIELDS = (*COMMON, "Social_Post_Key__c", "Social_Direction__c", *PREDICTED[Task.SEGMENT])
"""What the export reads of each Case and Task."""


class Kind(StrEnum):
    """Why a record is a labelled example."""

    CORRECTED = "corrected"
    NOT_AN_ISSUE = "closed as not an issue"
    CONFIRMED = "confirmed"


@dataclass(frozen=True)
class Verdicts:
    """How the export reads records: the playbook's closing reasons, the confirmation age."""

    not_an_issue: frozenset[str] = frozenset()
    wrong_segment: frozenset[str] = frozenset()
    confirm_before: datetime | None = None
    """Records created before this and never corrected are confirmations (None: none)."""


@dataclass(frozen=True)
class Example:
    """One labelled post read from the org."""

    post_key: str
    kind: Kind
    line: dict[str, Any]


@dataclass
class Tally:
    """What the export found, by kind, and what it skipped and why."""

    read: int = 0
    kinds: dict[str, int] = field(default_factory=dict)
    skipped: dict[str, int] = field(default_factory=dict)

    def skip(self, reason: str) -> None:
        self.skipped[reason] = self.skipped.get(reason, 0) + 1


def examples(
    cases: Iterable[Mapping[str, Any]],
    tasks: Iterable[Mapping[str, Any]],
    verdicts: Verdicts,
    org_id: str | None,
    tally: Tally,
) -> list[Example]:
    """The labelled examples of the org's Cases and Tasks, one per post, Cases first."""
    found: dict[str, Example] = {}
    for sobject, rows in (("Case", cases), ("Task", tasks)):
        for row in rows:
            tally.read += 1
            example = _example(sobject, row, verdicts, org_id, tally)
            if example is None:
                continue
            earlier = found.get(example.post_key)
            if earlier is not None and not (
                earlier.kind is Kind.CONFIRMED and example.kind is not Kind.CONFIRMED
            ):
                tally.skip("the post's Case gave its labels already")
                continue
            found[example.post_key] = example
    for example in found.values():
        tally.kinds[example.kind] = tally.kinds.get(example.kind, 0) + 1
    return list(found.values())


def _example(
    sobject: str,
    row: Mapping[str, Any],
    verdicts: Verdicts,
    org_id: str | None,
    tally: Tally,
) -> Example | None:
    if sobject == "Task" and _text(row.get("Social_Direction__c")) == "Outbound":
        tally.skip("our own reply")
        return None
    tasks = (Task.SEGMENT,) if sobject == "Task" else tuple(PREDICTED)
    predicted = {t: _value(t, row.get(PREDICTED[t][1])) for t in tasks}
    owned = {t: _value(t, row.get(PREDICTED[t][0])) for t in tasks}
    # an emptied complaint flag or sentiment says nothing (an empty segment: no action)
    labels = {t: v for t, v in owned.items() if v is not None and v != predicted[t]}
    kind = Kind.CORRECTED
    reason = _text(row.get("Reason"))
    closed = _flag(row.get("IsClosed")) is True
    if closed and reason in verdicts.not_an_issue:
        labels, kind = {Task.SEGMENT: NO_ACTION, Task.COMPLAINT: "false"}, Kind.NOT_AN_ISSUE
    elif closed and reason in verdicts.wrong_segment and Task.SEGMENT not in labels:
        tally.skip("closed as the wrong segment, the right one not given")
        return None
    elif not labels:
        created = _time(row.get("CreatedDate"))
        if verdicts.confirm_before is None or created is None:
            return None
        if created >= verdicts.confirm_before:
            tally.skip("not corrected, younger than the confirmation age")
            return None
        labels = {t: v for t, v in predicted.items() if v is not None}
        kind = Kind.CONFIRMED
    post = _post(sobject, row)
    if post is None:
        tally.skip("no post text or key on the record")
        return None
    key = f"{post['network']}:{post['id']}"
    line: dict[str, Any] = {"post": post}
    for task, label in labels.items():
        line[task.value] = _as_json(task, label)
    line["source"] = {
        "org": org_id,
        "sobject": sobject,
        "id": row.get("Id"),
        "kind": kind.value,
        "changed": sorted(t.value for t in labels) if kind is Kind.CORRECTED else [],
        "predicted": {t.value: _as_json(t, v) for t, v in predicted.items()},
        "model": _text(row.get(MODEL)),
        "modified": _text(row.get("LastModifiedDate")),
    }
    return Example(key, kind, line)


def _post(sobject: str, row: Mapping[str, Any]) -> dict[str, Any] | None:
    """The post as the ``train`` format holds it, rebuilt from the record."""
    description = _text(row.get("Description"))
    key = _text(row.get("Social_Thread_Key__c" if sobject == "Case" else "Social_Post_Key__c"))
    if not description or not key or not post_text(description).strip():
        return None
    network_name, _, rest = key.partition(":")
    try:
        network = Network(network_name)
    except ValueError:
        return None
    if sobject == "Case":  # the thread's root post opened generation 1; later ones: by key
        root, _, generation = rest.removeprefix("thread:").partition("#")
        post_id = root if not generation else f"{root}-case{generation}"
    else:
        post_id = rest
    post: dict[str, Any] = {"network": network.value, "id": post_id}
    post["text"] = post_text(description)
    if created := _text(row.get("CreatedDate")):
        post["created_at"] = created
    if url := _text(row.get("Social_Post_URL__c")):
        post["url"] = url
    if handle := _text(row.get("Social_Handle__c")):
        post["author"] = {"handle": handle}
    return post


def _value(task: Task, value: Any) -> str | None:
    """A field's value as a label (``None``: empty)."""
    if task is Task.COMPLAINT:
        flag = _flag(value)
        return None if flag is None else ("true" if flag else "false")
    text = _text(value)
    if task is Task.SEGMENT:
        return text or NO_ACTION
    return text


def _as_json(task: Task, label: str | None) -> Any:
    if task is Task.COMPLAINT:
        return None if label is None else label == "true"
    if task is Task.SEGMENT and label == NO_ACTION:
        return None
    return label


def _flag(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return None


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _time(value: Any) -> datetime | None:
    text = _text(value)
    if text is None:
        return None
    try:
        return datetime.fromisoformat(text.replace("+0000", "+00:00").replace("Z", "+00:00"))
    except ValueError:
        return None

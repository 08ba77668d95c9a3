"""An org where agents corrected the sync: labelled posts synced, then some of their
records set right by hand, as agents do in Salesforce (``labels export`` tests, bench).

The posts are the labelled corpus of ``tests/data/labelled`` under fresh ids (one thread
each); an "agent" corrects a record whose prediction differs from the post's label, or
closes a Case whose post needed no action with the Case Reason "Not an Issue".
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sf_social.testing import LocalOrg

LABELLED = Path(__file__).parent / "data" / "labelled"
OWNED = {
    "segment": ("Social_Segment__c", "Social_Predicted_Segment__c"),
    "complaint": ("Social_Complaint__c", "Social_Predicted_Complaint__c"),
    "sentiment": ("Social_Sentiment__c", "Social_Predicted_Sentiment__c"),
}


@dataclass(frozen=True)
class Correction:
    """What an agent did to one record."""

    sobject: str
    id: str
    post_id: str
    labels: dict[str, Any]
    closed: bool = False


def corpus(limit: int = 2_000) -> list[dict[str, Any]]:
    """``limit`` labelled posts as inbound X mentions, ids ``1``, ``2``, ... (one thread each)."""
    lines: list[dict[str, Any]] = []
    for path in sorted(LABELLED.glob("*.jsonl")):
        for raw in path.read_text(encoding="utf-8").splitlines():
            if raw.strip():
                lines.append(json.loads(raw))
    out = []
    for n, line in enumerate(lines[:limit], start=1):
        post = dict(line["post"])
        post.update(
            network="twitter",
            id=str(n),
            conversation_id=str(n),
            in_reply_to_id=None,
            direction="inbound",
            kind="mention",
            url=f"https://x.com/someone/status/{n}",
        )
        post.pop("account", None)
        out.append({**line, "post": post})
    return out


def correct(
    org: LocalOrg, lines: list[dict[str, Any]], count: int, seed: int = 17
) -> list[Correction]:
    """Up to ``count`` corrections of records whose prediction the post's labels contradict;
    a tenth of them Cases closed as "Not an Issue" (their post needed no action)."""
    truth = {line["post"]["id"]: line for line in lines}
    cases = {c["Social_Thread_Key__c"].split(":")[-1]: c for c in org.records("Case")}
    tasks = [
        t
        for t in org.records("Task")
        if t["Social_Post_Key__c"].split(":")[-1] not in cases
        and t.get("Social_Direction__c") == "Inbound"
    ]
    candidates: list[tuple[str, dict[str, Any], str]] = [("Case", c, i) for i, c in cases.items()]
    candidates += [("Task", t, t["Social_Post_Key__c"].split(":")[-1]) for t in tasks]
    random.Random(seed).shuffle(candidates)
    closes = count // 10
    done: list[Correction] = []
    for sobject, record, post_id in candidates:
        if len(done) >= count:
            break
        line = truth[post_id]
        needed_nothing = "segment" in line and line["segment"] is None
        if sobject == "Case" and closes and needed_nothing and line.get("complaint") is not True:
            org.update_record("Case", record["Id"], Status="Closed", Reason="Not an Issue")
            done.append(Correction("Case", record["Id"], post_id, {"segment": None}, True))
            closes -= 1
            continue
        changed = _changes(sobject, record, line)
        if changed:
            org.update_record(sobject, record["Id"], **{OWNED[t][0]: v for t, v in changed.items()})
            done.append(Correction(sobject, record["Id"], post_id, changed))
    return done


def _changes(sobject: str, record: dict[str, Any], line: dict[str, Any]) -> dict[str, Any]:
    """The labels of ``line`` that the record's prediction gets wrong (what an agent fixes)."""
    tasks = ("segment",) if sobject == "Task" else tuple(OWNED)
    changed = {}
    for task in tasks:
        if task not in line or (line[task] is None and task != "segment"):
            continue
        if record.get(OWNED[task][1]) != line[task]:
            changed[task] = line[task]
    return changed

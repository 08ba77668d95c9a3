"""Property-based fuzzing of every source's boundary: whatever a stranger puts in one item,
no exception escapes the source and every good item beside it is read (issue 12)."""

from __future__ import annotations

import copy
import json
from functools import partial
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sf_social.boundary import admit
from sf_social.deletions import PostDeletion
from sf_social.errors import FeedLineError
from sf_social.playbook import load_playbook
from sf_social.posts import PostKind, SocialPost
from sf_social.sources.jsonl import JsonlSource
from sf_social.sources.linkedin.archive import open_export
from sf_social.sources.linkedin.events import read_events
from sf_social.sources.linkedin_api.normalize import Notification, PageContext, normalize
from sf_social.sources.x.normalize import Context, Page, normalize_page
from tests.sources.fuzz import hostile_text, json_values
from tests.sources.linkedin import exports as ex
from tests.sources.linkedin_api import conftest as li
from tests.sources.x import conftest as x

FUZZ = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
X_CTX = Context("mentions:@northwindhelp", load_playbook(), "NorthwindHelp", PostKind.MENTION)
LI_CTX = PageContext("linkedin_page", li.ORG, frozenset({li.MEMBER}), li.ORG)


hostile_cells = (
    hostile_text
    | st.sampled_from(
        [
            "https://www.linkedin.com/in/x\u0000y",
            "https://www.linkedin.com/in/" + "a" * 300,
            "31 Feb 2024",
        ]
    )
).map(
    lambda cell: cell.encode("utf-8", "replace").decode("utf-8")
)  # a file holds no lone surrogate


def good(i: int) -> str:
    return json.dumps({"network": "twitter", "id": f"good{i}", "text": f"post {i}"})


@FUZZ
@given(junk=st.lists(json_values | st.binary(max_size=60), min_size=1, max_size=4))
def test_jsonl_feed(tmp_path: Path, junk: list[Any]) -> None:
    lines = [good(0)]
    for n, value in enumerate(junk, 1):
        raw = value if isinstance(value, bytes) else json.dumps(value).encode()
        lines += [raw.replace(b"\n", b" ").decode("utf-8", "replace"), good(n)]
    feed = tmp_path / "feed.jsonl"
    feed.write_text("\n".join(lines) + "\n", encoding="utf-8", errors="surrogatepass")
    batches = list(JsonlSource(feed, batch_size=3).pull(None))
    ids = {p.id for b in batches for p in b.posts}
    assert {f"good{n}" for n in range(len(junk) + 1)} <= ids


@FUZZ
@given(junk=json_values, key=st.sampled_from(["text", "created_at", "author_id", "lang", "id"]))
def test_x_page(junk: Any, key: str) -> None:
    body = x.payload("mentions_page1.json")
    expected = {p.id for p in normalize_page(Page.parse(copy.deepcopy(body)), X_CTX)[0]}
    hostile = copy.deepcopy(body["data"][0])
    hostile["id"] = "1999999999999999999"
    hostile[key] = junk
    body["data"].append(hostile)
    users = body.get("includes", {}).get("users", [])
    if users:
        users.append({**users[0], "id": "1999", "public_metrics": junk, "username": junk})
        hostile["author_id"] = "1999"
    posts, _ = normalize_page(Page.parse(body), X_CTX)
    assert expected <= {p.id for p in posts}


@FUZZ
@given(junk=json_values, key=st.sampled_from(["action", "lastModifiedAt", "generatedActivity"]))
def test_linkedin_api_notifications(junk: Any, key: str) -> None:
    elements = li.payload("notifications_page1.json")["elements"]
    hostile = {**copy.deepcopy(elements[0]), "notificationId": 1, key: junk}
    items: list[SocialPost | PostDeletion | FeedLineError | None] = []
    for n, element in enumerate([*elements, hostile, junk], 1):  # as the source's loop
        note = Notification.parse(element)
        items.append(admit("linkedin:page", n, "", partial(normalize, note, LI_CTX, n)))
    read = [i.id for i in items if isinstance(i, SocialPost)]
    expected = [
        p.id
        for e in elements
        if isinstance(p := normalize(Notification.parse(e), LI_CTX), SocialPost)
    ]
    assert read[: len(expected)] == expected


def _csv(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'


@FUZZ
@given(cells=st.lists(hostile_cells, min_size=7, max_size=7))
def test_linkedin_export_rows(tmp_path: Path, cells: list[str]) -> None:
    baseline = {
        p.id for p in read_events(open_export(ex.write_export(tmp_path / "a", ex.FULL))).posts
    }
    hostile = ",".join(_csv(c) for c in cells)
    files = {**ex.FULL, "Connections.csv": ex.CONNECTIONS + hostile + "\n"}
    got = read_events(open_export(ex.write_export(tmp_path / "b", files)))
    assert baseline <= {p.id for p in got.posts}

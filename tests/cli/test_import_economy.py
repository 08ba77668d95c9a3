"""API calls of ``sf-social import`` against the local org: counts, not timings."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sf_social.testing import LocalOrg
from tests.cli.conftest import COMPLAINT, Ops, org_env, seeded_org, tweet

FOLLOW_UP = "@NorthwindHelp still not working, tried again just now"
ANSWER = "@user1 Sorry about that! Please send us a DM and we'll check."
BRAND = {"id": "b2", "handle": "NorthwindHelp", "name": "Northwind Help", "followers": 52000}


def flood(posts: int) -> list[dict[str, Any]]:
    """One thread: a complaint, then our answers and the customer's follow-ups in turn."""
    thread = [tweet("1", created_at="2026-11-20T08:00:00Z")]
    customer = thread[0]["author"]
    for n in range(2, posts + 1):
        ours = n % 2 == 0
        thread.append(
            tweet(
                str(n),
                ANSWER if ours else FOLLOW_UP,
                created_at=f"2026-11-20T08:{n // 60:02d}:{n % 60:02d}Z",
                kind="reply",
                conversation_id="1",
                in_reply_to_id=str(n - 1),
                author=BRAND if ours else customer,
                direction="outbound" if ours else "inbound",
            )
        )
    return thread


def in_threads_of(size: int, posts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The same posts in threads of ``size``, each opened by the customer's complaint."""
    spread = []
    for at in range(0, len(posts), size):
        root = posts[at]["id"]
        for n, post in enumerate(posts[at : at + size]):
            post = {**post, "conversation_id": root}
            if n == 0:
                post.pop("in_reply_to_id", None)
                post.update(kind="mention", text=COMPLAINT)
            spread.append(post)
    return spread


def import_calls(tmp: Path, name: str, posts: list[dict[str, Any]]) -> tuple[int, dict[str, int]]:
    """API calls of one import of ``posts`` into a fresh org, and the records it holds."""
    org: LocalOrg = seeded_org()
    folder = tmp / name
    folder.mkdir()
    ops = Ops(org, folder, org_env(org, folder, SF_SOCIAL_PUSH_BATCH_SIZE="200"))
    with org.mock():
        result = ops.run("import", str(ops.feed("posts.jsonl", *posts)))
    assert result.exit_code == 0, result.output
    return org.api_calls, ops.counts()


def test_a_reply_flood_costs_no_more_calls_than_the_same_posts_in_many_threads(
    tmp_path: Path,
) -> None:
    thread = flood(600)
    one, in_one = import_calls(tmp_path, "one", thread)
    many, in_many = import_calls(tmp_path, "many", in_threads_of(4, thread))
    assert in_one == {"Case": 1, "Lead": 0, "Task": 600}
    assert in_many == {"Case": 150, "Lead": 0, "Task": 600}
    # 3 claims of 200 rows, each: 1 Composite call reading the Case with the lookups, 1 for
    # the Case, 1 for its Tasks; plus the limits read at start
    assert one == 1 + 3 * 3
    assert one <= many


def test_writes_of_a_claim_share_composite_calls(tmp_path: Path) -> None:
    posts = [tweet(str(n), created_at="2026-11-20T08:00:00Z") for n in range(1, 401)]
    calls, records = import_calls(tmp_path, "many", posts)
    assert records == {"Case": 400, "Lead": 0, "Task": 400}
    # 2 claims of 200 rows: the Cases read with the lookups in one Composite call, then the
    # Cases in one call and the Tasks in another (parents first); plus the limits read
    assert calls == 1 + 2 * 3

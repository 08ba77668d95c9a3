"""Issue 12's target: real posts with hostile lines between them and a half-written last line.

Every good post reaches the org exactly as in a clean run, every hostile line is named on
stderr, and the last post is written once its line is complete.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sf_social.testing.mock import mock_org
from tests.cli.conftest import Ops, org_env, seeded_org, tweet

LABELLED = Path(__file__).resolve().parents[1] / "data" / "labelled"
STAMPED = {"attributes", "CaseNumber", "CompletedDateTime", "CreatedDate", "LastModifiedDate"}
"""What the org stamps on a record (with the Ids): differs from one run to the next."""


def real_posts(count: int) -> list[dict[str, Any]]:
    """Held-out airline and brand tweets (tests/data/labelled, see its README) as feed posts."""
    texts: list[str] = []
    for name in ("airline.heldout.jsonl", "brands.heldout.jsonl"):
        lines = (LABELLED / name).read_text(encoding="utf-8").splitlines()
        texts += [json.loads(line)["post"]["text"] for line in lines[: count // 2]]
    posts = [tweet(f"{i}", text) for i, text in enumerate(texts, 1)]
    # accepted, however odd: a single 99,000-character token, a lone surrogate
    posts.append(tweet("long", "@NorthwindHelp " + "a" * 99_000))
    posts.append(tweet("surrogate", "my card was charged twice \ud83d please help"))
    return posts


def hostile_lines() -> dict[str, str]:
    """Lines no producer should write, each rejected on its own line."""
    deep = '{"network":"twitter","id":"d","text":"x","raw":{"a":' + "[" * 5000 + "]" * 5000 + "}}"
    return {
        "deep nesting": deep,
        "year 1": json.dumps(tweet("y1", created_at="0001-01-01T00:00:00+05:00")),
        "year 9999": json.dumps(tweet("y9", created_at="9999-12-31T23:59:59-05:00")),
        "NUL id": json.dumps(tweet("h\u0000x")),
        "absurd followers": json.dumps(tweet("f", author={"id": "u", "followers": 1e100})),
        "100,001-character text": json.dumps(tweet("t", "b" * 100_001)),
        "100,000 brackets": "[" * 100_000,
        "huge integer": '{"network":"twitter","id":"n","text":"x","author":{"id":"u",'
        '"followers":' + "9" * 5000 + "}}",
        "not UTF-8": '{"network":"twitter","id":"b","text":"\xff\xfe"}'.encode("latin-1").decode(
            "utf-8", "surrogateescape"
        ),
    }


def records(ops: Ops) -> list[str]:
    """Every record the org holds, without what the org stamps (Ids, numbers, times)."""
    rendered = []
    for sobject in ("Case", "Lead", "Task", "Contact"):
        for record in ops.org.records(sobject):
            kept = {
                k: v
                for k, v in record.items()
                if k not in STAMPED and not k.endswith("Id") and k != "SystemModstamp"
            }
            rendered.append(json.dumps([sobject, kept], sort_keys=True, default=str))
    return sorted(rendered)


def write_lines(path: Path, lines: list[str], tail: str = "") -> None:
    data = "".join(line + "\n" for line in lines) + tail
    path.write_bytes(data.encode("utf-8", "surrogateescape"))


def run_import(tmp: Path, lines: list[str], tail: str = "", again: str | None = None) -> Any:
    org = seeded_org()
    with mock_org(org):
        ops = Ops(org, tmp, org_env(org, tmp))
        feed = tmp / "feed.jsonl"
        write_lines(feed, lines, tail)
        first = ops.run("import", str(feed))
        second = None
        if again is not None:
            with feed.open("a", encoding="utf-8") as out:
                out.write(again)
            second = ops.run("import", str(feed))
        return ops, feed, first, second


def test_hostile_lines_between_real_posts_change_nothing_for_the_good_ones(
    tmp_path: Path,
) -> None:
    posts = [json.dumps(p) for p in real_posts(40)]
    clean_dir, hostile_dir = tmp_path / "clean", tmp_path / "hostile"
    clean_dir.mkdir()
    hostile_dir.mkdir()
    clean, _, clean_run, _ = run_import(clean_dir, posts)
    assert clean_run.exit_code == 0, clean_run.output

    hostile = hostile_lines()
    mixed: list[str] = []
    expected_bad: dict[int, str] = {}
    bad = iter(hostile.items())
    for i, line in enumerate(posts[:-1]):
        mixed.append(line)
        if i % 4 == 1 and (entry := next(bad, None)) is not None:
            mixed.append(entry[1])
            expected_bad[len(mixed)] = entry[0]
    assert len(expected_bad) == len(hostile)  # every kind of hostile line is in the feed
    last = posts[-1]
    ops, feed, first, second = run_import(hostile_dir, mixed, last[:25], again=last[25:] + "\n")

    assert first.exit_code == 1, first.output
    for line_no, kind in expected_bad.items():
        assert f"rejected {feed}:{line_no}:" in first.stderr, kind
    assert first.stderr.count(f"rejected {feed}:") == len(hostile)
    assert f"{feed}:{len(mixed) + 1}: last line incomplete, not read" in first.stderr
    assert "Traceback" not in first.output

    assert second is not None and second.exit_code == 0, second.output
    assert "1 line read, 1 new posts" in second.stdout  # only the completed line
    assert records(ops) == records(clean)

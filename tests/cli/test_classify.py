"""The classify / plan / demo commands, run as a user runs them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from sf_social.cli.main import cli
from sf_social.posts import SocialPost

GOOD = {
    "network": "twitter",
    "id": "123",
    "text": "@NorthwindHelp app keeps crashing #fail",
    "created_at": "2017-10-31T22:10:47Z",
    "author": {"id": "115712", "handle": "someone", "name": "Some One", "followers": 120},
    "direction": "inbound",
    "kind": "mention",
    "conversation_id": "100",
    "in_reply_to_id": "99",
    "url": "https://x.com/someone/status/123",
}


def write_feed(tmp_path: Path, lines: list[bytes]) -> Path:
    feed = tmp_path / "posts.jsonl"
    feed.write_bytes(b"\n".join(lines) + b"\n")
    return feed


def test_classify_text_explains_itself() -> None:
    result = CliRunner().invoke(cli, ["classify", "still waiting for my refund, day 6 #fail"])
    assert result.exit_code == 0, result.output
    assert "(complaint)" in result.output
    assert "evidence:" in result.output and "complaint=true" in result.output


def test_classify_input_writes_one_object_per_line(tmp_path: Path) -> None:
    second = {**GOOD, "id": "124", "text": "love it, thank you!"}
    feed = write_feed(tmp_path, [json.dumps(GOOD).encode(), json.dumps(second).encode()])
    result = CliRunner().invoke(cli, ["classify", "--input", str(feed)])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["id"] for r in rows] == ["123", "124"]
    for key in ("id", "segment", "complaint", "sentiment", "priority", "team", "evidence"):
        assert key in rows[0]
    assert rows[0]["segment"] == "Request" and rows[0]["complaint"] is True
    assert rows[1]["segment"] == "Praise"


def test_bad_lines_are_reported_and_the_rest_processed(tmp_path: Path) -> None:
    lines = [
        json.dumps(GOOD).encode(),
        b'{"network": "twitter", "id": "2"',
        json.dumps({"network": "twitter", "id": "3"}).encode(),
        json.dumps({**GOOD, "id": "4", "text": ""}).encode(),
        b"\xff\xfe bad bytes",
        json.dumps({**GOOD, "id": "6", "text": "x" * 1_100_000}).encode(),
        json.dumps({**GOOD, "id": "7", "text": "😀😀"}).encode(),
        json.dumps({**GOOD, "id": "8", "text": "a\u0000b \u200f\u05e9\u05dc\u05d5\u05dd"}).encode(),
    ]
    result = CliRunner().invoke(cli, ["classify", "--input", str(write_feed(tmp_path, lines))])
    assert result.exit_code == 1
    assert [json.loads(line)["id"] for line in result.stdout.splitlines()] == ["123", "7", "8"]
    errors = result.stderr
    assert "posts.jsonl:2: malformed JSON" in errors
    assert "posts.jsonl:3: text: required field is missing" in errors
    assert "posts.jsonl:4: text: text is empty" in errors
    assert "posts.jsonl:5: invalid UTF-8" in errors
    assert "posts.jsonl:6: text: text is 1,100,000 characters" in errors
    assert "classified 3 posts, rejected 5 lines" in errors


def test_plan_writes_record_plans(tmp_path: Path) -> None:
    feed = write_feed(tmp_path, [json.dumps(GOOD).encode()])
    result = CliRunner().invoke(cli, ["plan", "--input", str(feed)])
    assert result.exit_code == 0, result.output
    (row,) = [json.loads(line) for line in result.stdout.splitlines()]
    assert [w["sobject"] for w in row["writes"]] == ["Case", "Task"]
    assert row["writes"][0]["key"] == "twitter:thread:100"
    assert row["writes"][1]["fields"]["Social_Post_Key__c"] == "twitter:123"


def test_playbook_option_and_clear_playbook_errors(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: 1\nbrand:\n  name: X\n  acounts: []\n", encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "sf_social", "classify", "--playbook", str(bad), "hello"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert f"{bad}:4: brand.acounts: unknown key" in result.stderr


def test_demo_dry_run_prints_the_table() -> None:
    result = CliRunner().invoke(cli, ["demo", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "records planned:" in result.output
    assert "twitter:1001" in result.output and "Case + Task" in result.output


def test_long_inputs_report_progress_on_stderr(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from sf_social.cli.feedio import FeedRun

    feed = write_feed(tmp_path, [json.dumps({**GOOD, "id": str(n)}).encode() for n in range(5)])
    seen: list[str] = []

    def render(post: SocialPost) -> bytes:
        seen.append(post.id)
        return b""

    run = FeedRun(every_seconds=0.0)  # a progress line after every post
    with feed.open("rb") as stream:
        run.run(stream, str(feed), render)
    captured = capsys.readouterr()
    assert seen == ["0", "1", "2", "3", "4"] and captured.out == ""
    assert captured.err.count("... ") == 5 and "5 posts, 0 rejected" in captured.err


@pytest.mark.parametrize("text", ["", "   "])
def test_classify_empty_text_is_a_usage_error_not_a_traceback(text: str) -> None:
    result = CliRunner().invoke(cli, ["classify", text])
    assert result.exit_code == 2
    assert "Invalid value for TEXT" in result.output and "empty" in result.output
    assert "Traceback" not in result.output


def test_plan_goes_on_past_lines_whose_keys_would_not_fit(tmp_path: Path) -> None:
    good = {"network": "twitter", "id": "2", "text": "@NorthwindHelp app crashes, please help"}
    lines = [
        json.dumps({**good, "id": "9" * 255}),
        json.dumps({**good, "text": "app crashes \ud83d again"}),
        json.dumps(good),
    ]
    feed = tmp_path / "feed.jsonl"
    feed.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["plan", "--input", str(feed)])
    assert result.exit_code == 1, result.output  # one line rejected, the others planned
    plans = [json.loads(line) for line in result.stdout.splitlines()]
    assert [p["id"] for p in plans] == ["2", "2"]
    assert "feed.jsonl:1: id:" in result.stderr

"""``sf-social labels export`` on a local org where agents corrected what the sync wrote."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from sf_social.labels import read_labelled
from sf_social.testing import LocalOrg
from tests.cli.conftest import Ops, org_env
from tests.cli.test_sync_status import configure
from tests.corrections import Correction, corpus, correct


@pytest.fixture(scope="module")
def lines() -> list[dict[str, Any]]:
    return corpus(2_000)


def synced(ops: Ops, lines: list[dict[str, Any]], corrections: int) -> list[Correction]:
    configure(ops, ops.feed("posts.jsonl", *(line["post"] for line in lines)))
    assert ops.run("sync", "--once").exit_code == 0
    return correct(ops.org, lines, corrections)


def exported(ops: Ops, *args: str) -> tuple[list[dict[str, Any]], str]:
    out = ops.tmp / "labels.jsonl"
    result = ops.run("labels", "export", "--output", str(out), *args)
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    return rows, result.stderr


def test_the_export_holds_exactly_the_corrections(ops: Ops, lines: list[dict[str, Any]]) -> None:
    done = synced(ops, lines, 300)
    assert len(done) == 300
    assert ops.org.count("Task") + ops.org.count("Case") > 2_000
    calls = ops.org.api_calls

    rows, err = exported(ops, "--since", "90d")

    assert {r["source"]["id"] for r in rows} == {c.id for c in done}  # no false one
    by_id = {r["source"]["id"]: r for r in rows}
    for correction in done:
        row = by_id[correction.id]
        assert row["post"]["id"] == correction.post_id
        for task, label in correction.labels.items():
            assert row[task] == label, (correction, row)
        kind = "closed as not an issue" if correction.closed else "corrected"
        assert row["source"]["kind"] == kind
        assert row["source"]["model"] == "rules"
    # 2 COUNT() queries, then one query call per 2,000 records
    assert ops.org.api_calls - calls <= 2 + 3
    assert "in 5 API calls" in err or "in 4 API calls" in err
    # the train format, as `train` and `evaluate` read it
    path = ops.tmp / "labels.jsonl"
    assert all(not isinstance(x, Exception) and x.labels for x in read_labelled(path))
    assert len(list(read_labelled(path))) == 300


def test_bulk_query_above_the_threshold_reads_the_same(
    ops: Ops, lines: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    done = synced(ops, lines[:300], 40)
    by_query, _ = exported(ops)
    monkeypatch.setattr("sf_social.salesforce.bulk_query.PAGE_RECORDS", 100)  # several pages
    calls = ops.org.api_calls
    by_bulk, err = exported(ops, "--bulk-threshold", "10")
    assert "Case by bulk, Task by bulk" in err
    assert sorted(json.dumps(r, sort_keys=True) for r in by_bulk) == sorted(
        json.dumps(r, sort_keys=True) for r in by_query
    )
    assert {r["source"]["id"] for r in by_bulk} == {c.id for c in done}
    cases, tasks = ops.org.count("Case"), ops.org.count("Task")
    pages = -(-cases // 100) + -(-tasks // 100)
    # per sObject: count, create, 2 polls (the local org says InProgress once); the pages
    assert ops.org.api_calls - calls == 2 * 4 + pages


def test_confirmations_after_an_age(ops: Ops, lines: list[dict[str, Any]]) -> None:
    done = synced(ops, lines[:100], 10)
    none_old, _ = exported(ops, "--confirm-after", "30d")  # every record is younger
    assert {r["source"]["id"] for r in none_old} == {c.id for c in done}
    for sobject in ("Case", "Task"):  # the records were made 40 days ago
        for record in ops.org.records(sobject):
            ops.org.update_record(sobject, record["Id"], CreatedDate="2026-01-01T00:00:00Z")
    rows, err = exported(ops, "--confirm-after", "30d", "--since", "1d")
    confirmed = [r for r in rows if r["source"]["kind"] == "confirmed"]
    assert {r["source"]["id"] for r in rows if r not in confirmed} == {c.id for c in done}
    assert confirmed and f"{len(confirmed)} confirmed" in err
    assert all(r["segment"] == r["source"]["predicted"]["segment"] for r in confirmed)
    assert len({r["post"]["id"] for r in rows}) == len(rows)  # a post once, Case or Task


def test_a_paused_budget_reads_nothing(ops: Ops, tmp_path: Path) -> None:
    configure(ops)
    ops.org.api_usage = 14_900  # of 15,000: past the 90% pause
    result = ops.run("labels", "export", "--output", str(tmp_path / "x.jsonl"))
    assert result.exit_code == 1, result.output
    assert "not exported" in result.stderr
    assert not (tmp_path / "x.jsonl").exists()


def test_an_org_without_our_fields_says_how_to_set_it_up(tmp_path: Path) -> None:
    org = LocalOrg(custom_fields=False)
    with org.mock():
        ops = Ops(org, tmp_path, org_env(org, tmp_path))
        configure(ops)
        result = ops.run("labels", "export", "--output", str(tmp_path / "x.jsonl"))
    assert result.exit_code == 2
    assert "INVALID_FIELD" in result.stderr and "sf-social metadata deploy" in result.stderr

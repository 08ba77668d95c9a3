"""``sf-social report response-times`` against a computation from the org's records."""

from __future__ import annotations

import csv
import io
import json
import math
import statistics
from datetime import UTC, datetime
from typing import Any

from sf_social.state import open_store
from tests.cli.conftest import Ops
from tests.cli.test_sync_status import configure
from tests.traffic import day_of_traffic


def parse(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)


def expected(
    cases: list[dict[str, Any]], opened: dict[str, datetime], now: datetime
) -> dict[str, Any]:
    """The report's figures, computed from the org's Cases and the posts that opened them."""
    minutes = []
    within = known = overdue = 0
    for case in cases:
        start = opened[case["Social_Thread_Key__c"]]
        due = parse(case["Social_Response_Due__c"])
        answered = case.get("Social_First_Response__c")
        if answered is not None:
            taken = math.floor((parse(answered) - start).total_seconds() / 60)
            assert case["Social_Response_Minutes__c"] == taken  # the Case has it too
            minutes.append(taken)
            known += 1
            within += parse(answered) <= due
        elif due < now:
            known += 1
            overdue += not case.get("IsClosed")
    minutes.sort()
    return {
        "cases": len(cases),
        "answered": len(minutes),
        "median_minutes": statistics.median(minutes) if minutes else None,
        "p90_minutes": minutes[math.ceil(0.9 * len(minutes)) - 1] if minutes else None,
        "within_target": within / known if known else None,
        "overdue_now": overdue,
    }


def test_response_times_match_the_orgs_records(ops: Ops) -> None:
    now = datetime.now(UTC)
    day = day_of_traffic(now)
    configure(ops, ops.feed("day.jsonl", *day.posts))
    assert ops.run("sync", "--once").exit_code == 0
    calls = ops.org.call_count()

    result = ops.run("report", "response-times", "--since", "2d", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert ops.org.call_count() == calls  # from the local state only
    cases = ops.org.records("Case")
    assert len(cases) > 50
    (row,) = report["rows"]
    assert row == {"group": "all", **expected(cases, day.opened, now)}
    assert 0 < row["answered"] < row["cases"] and row["overdue_now"] > 0

    by = json.loads(ops.run("report", "response-times", "--by", "segment", "--json").stdout)
    segments = sorted({c["Social_Segment__c"] for c in cases})
    assert [r["group"] for r in by["rows"]] == segments
    for found in by["rows"]:
        mine = [c for c in cases if c["Social_Segment__c"] == found["group"]]
        assert found == {"group": found["group"], **expected(mine, day.opened, now)}


def test_the_table_and_csv_show_the_same_figures(ops: Ops) -> None:
    day = day_of_traffic(datetime.now(UTC), threads=30)
    configure(ops, ops.feed("day.jsonl", *day.posts))
    ops.run("sync", "--once")
    data = json.loads(ops.run("report", "response-times", "--by", "network", "--json").stdout)
    (row,) = data["rows"]
    assert row["group"] == "Twitter"

    table = ops.run("report", "response-times", "--by", "network").stdout
    assert "median min" in table and "Twitter" in table
    assert f"{row['within_target']:.1%}" in table

    rows = list(csv.DictReader(io.StringIO(ops.run("report", "response-times", "--csv").stdout)))
    assert rows[0]["cases"] == str(row["cases"]) and rows[0]["p90_minutes"] == str(
        row["p90_minutes"]
    )


def test_a_fresh_install_reports_no_case(ops: Ops) -> None:
    result = ops.run("report", "response-times")
    assert result.exit_code == 0
    assert "no state database" in result.stdout and "all" in result.stdout
    both = ops.run("report", "response-times", "--json", "--csv")
    assert both.exit_code == 2 and "--json and --csv" in both.output
    store = open_store(f"sqlite:///{ops.db}")
    store.close()
    empty = json.loads(ops.run("report", "response-times", "--json").stdout)
    assert empty["rows"] == [
        {
            "group": "all",
            "cases": 0,
            "answered": 0,
            "median_minutes": None,
            "p90_minutes": None,
            "within_target": None,
            "overdue_now": 0,
        }
    ]

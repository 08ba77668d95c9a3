"""Documented request/response pairs (``tests/data/salesforce``) and a shape comparison."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).resolve().parent.parent / "data" / "salesforce"

COMPARED_VALUES = frozenset(
    {
        "success", "created", "errorCode", "statusCode", "fields", "message", "state", "done",
        "totalSize", "token_type", "httpStatusCode", "referenceId", "operation", "object",
        "contentType", "lineEnding", "columnDelimiter", "jobType", "concurrencyMode",
        "numberRecordsProcessed", "numberRecordsFailed", "type", "error", "error_description",
        "Name",
    }
)  # fmt: skip
"""Keys whose values must match too (codes, flags, states); others only by type."""


@dataclass(frozen=True)
class Fixture:
    """One documented exchange."""

    name: str
    source: str
    method: str
    path: str
    headers: dict[str, str]
    body: Any
    status: int
    answer: Any


def load_fixtures() -> list[Fixture]:
    """Every fixture, sorted by file name (so ``bulk_*`` come in order)."""
    found = []
    for path in sorted(FIXTURES.glob("*.json")):
        data = json.loads(path.read_text())
        request, response = data["request"], data["response"]
        found.append(
            Fixture(
                name=path.stem,
                source=data["source"],
                method=request["method"],
                path=request["path"],
                headers=request.get("headers", {}),
                body=request.get("body"),
                status=response["status"],
                answer=response["body"],
            )
        )
    return found


def differences(expected: Any, actual: Any, where: str = "$") -> list[str]:
    """How ``actual`` differs in shape from ``expected`` (empty when they match)."""
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return [f"{where}: expected an object, got {type(actual).__name__}"]
        found = []
        if set(expected) != set(actual):
            found.append(
                f"{where}: keys differ: missing {sorted(set(expected) - set(actual))},"
                f" extra {sorted(set(actual) - set(expected))}"
            )
        for key in set(expected) & set(actual):
            found += differences(expected[key], actual[key], f"{where}.{key}")
            scalar = not isinstance(expected[key], dict | list)
            if key in COMPARED_VALUES and scalar and expected[key] != actual[key]:
                found.append(f"{where}.{key}: {actual[key]!r} != {expected[key]!r}")
        return found
    if isinstance(expected, list):
        if not isinstance(actual, list):
            return [f"{where}: expected a list, got {type(actual).__name__}"]
        if len(expected) != len(actual):
            return [f"{where}: {len(actual)} items instead of {len(expected)}"]
        found = []
        for i, (e, a) in enumerate(zip(expected, actual, strict=True)):
            found += differences(e, a, f"{where}[{i}]")
            if not isinstance(e, dict | list) and where.endswith(".fields") and e != a:
                found.append(f"{where}[{i}]: {a!r} != {e!r}")
        return found
    kinds = {bool: (bool,), int: (int, float), float: (int, float), str: (str,)}
    if expected is None:
        return [] if actual is None else [f"{where}: expected null, got {actual!r}"]
    allowed = kinds.get(type(expected), (type(expected),))
    if isinstance(actual, bool) and bool not in allowed:
        return [f"{where}: expected {type(expected).__name__}, got bool"]
    if not isinstance(actual, allowed):
        return [f"{where}: expected {type(expected).__name__}, got {type(actual).__name__}"]
    return []


def csv_differences(expected: str, actual: str) -> list[str]:
    """How a results CSV differs: header, row count, sf__Created and error codes."""
    want = list(csv.reader(io.StringIO(expected)))
    got = list(csv.reader(io.StringIO(actual)))
    found = []
    if expected.splitlines()[0] != actual.splitlines()[0]:
        found.append(f"header {actual.splitlines()[0]!r} != {expected.splitlines()[0]!r}")
    if len(want) != len(got):
        return [*found, f"{len(got) - 1} rows instead of {len(want) - 1}"]
    for row_want, row_got in zip(want[1:], got[1:], strict=True):
        if len(row_want) != len(row_got):
            found.append(f"row {row_got} has {len(row_got)} cells, not {len(row_want)}")
        elif want[0][1] == "sf__Created" and row_want[1] != row_got[1]:
            found.append(f"sf__Created {row_got[1]} != {row_want[1]}")
        elif want[0][1] == "sf__Error" and row_want[1].split(":")[0] != row_got[1].split(":")[0]:
            found.append(f"sf__Error {row_got[1]} != {row_want[1]}")
    return found

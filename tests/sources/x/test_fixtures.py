"""The X fixtures keep the shapes their README documents (tests/data/x/README.md)."""

from __future__ import annotations

import pytest

from tests.sources.x.conftest import DATA, payload


@pytest.mark.parametrize("name", ["error_401.json", "error_403.json", "error_429.json"])
def test_error_bodies_are_v2_problems(name: str) -> None:
    body = payload(name)
    assert "errors" not in body, "a v1.1 error body, not what the v2 endpoints answer"
    assert {"title", "type", "status"} <= body.keys()
    assert body["status"] == int(name[6:9])


def test_one_to_one_conversation_ids_are_smaller_id_then_larger() -> None:
    seen = 0
    for path in sorted(DATA.glob("dm_events*.json")):
        for event in payload(path.name)["data"]:
            first, dash, second = event["dm_conversation_id"].partition("-")
            if dash:
                seen += 1
                assert int(first) < int(second), f"{path.name}: {event['dm_conversation_id']}"
    assert seen

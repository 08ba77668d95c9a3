"""The state checks: reachable, schema current, bound to this org, no other writer."""

from __future__ import annotations

from pathlib import Path

from sf_social.doctor.report import Status
from sf_social.doctor.state import state_checks
from sf_social.state.binding import bind_to_org
from sf_social.state.locks import FileLock
from sf_social.state.sql import SqlStateStore

ORG_A, ORG_B = "00D8d0000000001", "00D8d0000000002"


def statuses(url: str, org_id: str | None, starting: bool = False) -> dict[str, tuple[Status, str]]:
    return {
        c.name: (c.status, c.detail) for c in state_checks(url, None, org_id, starting=starting)
    }


def test_a_store_bound_to_another_org_fails_and_names_both(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'state.db'}"
    store = SqlStateStore(url)
    bind_to_org(store, "state.db", ORG_A)
    store.close()

    assert statuses(url, ORG_A + "EAA")["org"] == (Status.OK, f"bound to this org ({ORG_A})")
    status, detail = statuses(url, ORG_B)["org"]
    assert (status, detail) == (Status.FAIL, f"bound to org {ORG_A}, but the login is org {ORG_B}")
    assert statuses(url, None)["org"][0] is Status.WARN
    assert statuses(url, ORG_A)["schema"][0] is Status.OK


def test_a_held_lock_is_fine_for_a_preflight_but_not_for_a_starting_daemon(
    tmp_path: Path,
) -> None:
    path = tmp_path / "state.db"
    SqlStateStore(f"sqlite:///{path}").close()
    url = f"sqlite:///{path}"
    assert statuses(url, ORG_A)["writer"] == (Status.OK, "no other process holds it")

    with FileLock.acquire(path):
        held = statuses(url, ORG_A)["writer"]
        starting = statuses(url, ORG_A, starting=True)["writer"]

    assert held[0] is Status.OK and held[1].startswith("in use (a running daemon is fine)")
    assert starting[0] is Status.FAIL and "in use by another sf-social process" in starting[1]


def test_an_unreachable_database_fails_and_a_new_one_is_fine(tmp_path: Path) -> None:
    missing = statuses(f"sqlite:///{tmp_path / 'new.db'}", ORG_A)
    down = statuses("postgresql+psycopg://u@127.0.0.1:1/db", ORG_A)

    assert (
        missing["reachable"][0] is Status.OK
        and "the first run creates it" in missing["reachable"][1]
    )
    assert down["reachable"][0] is Status.FAIL

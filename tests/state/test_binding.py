"""State belongs to one org: recorded on first use, refused elsewhere, rebound on request."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from pydantic import SecretStr

from sf_social.errors import OtherOrgError
from sf_social.salesforce.auth import OrgSession
from sf_social.state import Completed, StateStore, ThreadState
from sf_social.state.binding import Binding, bind_to_org, bound_org
from tests.cli.conftest import Ops, org_env, seeded_org, tweet
from tests.state.plans import LEASE, T0, post, queued

ORG_A = "00D8d0000000001"
ORG_B = "00D5e000000XyZq"


def _written(store: StateStore, post_id: str) -> None:
    store.commit_batch("feed", {"n": post_id}, [post(post_id)], [queued(post_id)], now=T0)
    (row,) = store.claim_outbox("w", 10, T0, LEASE)
    store.settle([Completed(row, {f"twitter:{post_id}": f"00T{post_id}"})], now=T0)


def test_the_org_id_comes_from_the_session_id_at_no_call() -> None:
    session = OrgSession("https://x.my.salesforce.com", SecretStr(f"{ORG_A}AAQ!AR8AQJXg5o.x"))
    assert session.org_id == ORG_A
    assert OrgSession("https://x", SecretStr(f"{ORG_B}!AR8AQ")).org_id == ORG_B
    assert OrgSession("https://x", SecretStr("an-opaque-token")).org_id is None


def test_first_use_binds_and_the_same_org_passes(store: StateStore) -> None:
    assert bound_org(store) is None
    assert bind_to_org(store, "db", ORG_A + "AAQ") is Binding.BOUND  # 18 characters: same org
    assert bound_org(store) == ORG_A
    assert bind_to_org(store, "db", ORG_A) is Binding.SAME


def test_another_org_is_refused_naming_both(store: StateStore) -> None:
    bind_to_org(store, "state.db", ORG_A)
    with pytest.raises(OtherOrgError, match=f"belongs to org {ORG_A}.*org {ORG_B}.*--rebind"):
        bind_to_org(store, "state.db", ORG_B)
    assert bound_org(store) == ORG_A


def test_rebind_forgets_the_old_org_and_binds_the_new(store: StateStore) -> None:
    bind_to_org(store, "db", ORG_A)
    _written(store, "1")
    store.save_threads([ThreadState("twitter:thread:1", 0, "twitter:thread:1", "500A")], now=T0)
    store.commit_batch("feed", {"n": "2"}, [post("2")], [queued("2")], now=T0)  # waiting
    assert bind_to_org(store, "db", ORG_B, rebind=True) is Binding.REBOUND
    assert bound_org(store) == ORG_B
    assert store.seen([("twitter", "1"), ("twitter", "2")]) == {("twitter", "2")}
    assert store.known_ids(["twitter:1"]) == {}  # an Id of the old org
    assert store.threads(["twitter:thread:1"]) == {}
    assert store.status(now=T0).outbox_depth == 1  # what waits is sent to the new org
    assert store.source("feed") is not None  # the cursor stays


def test_an_unknown_org_id_leaves_the_store_unbound_with_a_warning(
    store: StateStore, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        assert bind_to_org(store, "state.db", None) is Binding.UNKNOWN
    assert bound_org(store) is None
    assert "is not bound to an org" in caplog.text


def test_import_into_another_org_exits_2_until_rebound(tmp_path: Path) -> None:
    """Pointed at a fresh org, the old state would have skipped what it wrote before."""
    first, second = seeded_org(), seeded_org(org_id=ORG_B + "AAA")
    feed = tmp_path / "feed.jsonl"
    with first.mock():
        ops = Ops(first, tmp_path, org_env(first, tmp_path))
        ops.feed("feed.jsonl", tweet("1"))
        assert ops.run("import", str(feed)).exit_code == 0
    ops.feed("feed.jsonl", tweet("1"), tweet("2"))
    with second.mock():
        ops = Ops(second, tmp_path, org_env(second, tmp_path))
        refused = ops.run("import", str(feed))
        assert refused.exit_code == 2, refused.output
        assert f"belongs to org {first.org_id[:15]}" in refused.stderr
        assert second.count("Task") == 0

        rebound = ops.run("import", "--rebind", str(feed))
        assert rebound.exit_code == 0, rebound.output
        assert second.count("Task") == 1  # the new line; the old one waits for a replay
        replayed = ops.run("replay", "--since", "1h", "--source", f"jsonl:{feed}")
        assert replayed.exit_code == 0, replayed.output
        assert second.count("Task") == 2

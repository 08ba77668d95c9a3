"""Contract: erasure, suppression and the audit log (design rule 11), on every backend."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from sf_social.plan import AuthorIdentity, PlannedWrite, RecordPlan
from sf_social.posts import Network
from sf_social.privacy import Person, email_digest, handle_digest
from sf_social.records import CaseRecord, Reference, TaskRecord
from sf_social.state import (
    Completed,
    DeadLettered,
    Failure,
    LedgerStatus,
    QueuedPlan,
    SeenPost,
    StateStore,
    ThreadState,
)
from sf_social.state.privacy import PersonMatch
from sf_social.state.sql import SqlStateStore
from sf_social.state.sql import tables as t
from tests.state.conftest import Backend
from tests.state.plans import _CLASSIFICATION, LEASE, T0

ANA = Person(network=Network.TWITTER, handle="Ana_Lima", email="ana@example.com")
TRACES = ("ana_lima", "ana@example.com", "ana lima", "twitter:user:7")


def _seen(post_id: str, handle: str) -> SeenPost:
    return SeenPost(
        "twitter", post_id, f"twitter:{post_id}", author=handle_digest(Network.TWITTER, handle)
    )


def _plan(post_id: str, handle: str, user_id: str, text: str, *, thread: str) -> QueuedPlan:
    case_key = f"twitter:thread:{thread}"
    email = "ana@example.com" if handle == "Ana_Lima" else None
    identity = AuthorIdentity(
        network=Network.TWITTER,
        user_id=user_id,
        handle=handle,
        email=email,
        lead_key=f"twitter:user:{user_id}",
    )
    writes = [
        PlannedWrite(record=CaseRecord(thread_key=case_key, subject=f"@{handle}: {text}")),
        PlannedWrite(
            record=TaskRecord(
                post_key=f"twitter:{post_id}",
                subject="Tweet",
                description=f"{text}\n— Ana Lima (@{handle})" if email else text,
                what=Reference(sobject="Case", key_field="Social_Thread_Key__c", key=case_key),
            )
        ),
    ]
    plan = RecordPlan(
        post_key=f"twitter:{post_id}",
        network=Network.TWITTER,
        post_id=post_id,
        classification=_CLASSIFICATION,
        identity=identity,
        writes=writes,
    )
    return QueuedPlan(plan, ordering_key=case_key)


def _fill(store: StateStore) -> None:
    """Ana: post 1 written (her thread), 2 pending, 3 a dead letter; Bob: 4 answers her
    ("@Ana_Lima"), 5 is his own thread."""
    store.commit_batch(
        "x",
        None,
        [_seen("1", "Ana_Lima")],
        [_plan("1", "Ana_Lima", "7", "card charged twice", thread="1")],
        threads=[
            ThreadState("twitter:thread:1", 1, "twitter:thread:1", author_key="twitter:user:7")
        ],
        now=T0,
    )
    (row,) = store.claim_outbox("w", 10, T0, LEASE)
    ids = {"twitter:thread:1": "500A", "twitter:1": "00TA", "twitter:user:7": "00QA"}
    store.settle([Completed(row, ids)], now=T0)
    later = T0 + timedelta(minutes=1)
    store.commit_batch(
        "x",
        None,
        [_seen("2", "Ana_Lima"), _seen("3", "Ana_Lima"), _seen("4", "bob"), _seen("5", "bob")],
        [
            _plan("2", "Ana_Lima", "7", "still nothing", thread="1"),
            _plan("3", "Ana_Lima", "7", "hello?", thread="3"),
            _plan("4", "bob", "8", "@ana_lima same here", thread="1"),
            _plan("5", "bob", "8", "my own problem", thread="5"),
        ],
        now=later,
    )
    rows = store.claim_outbox("w", 10, later, LEASE, per_key=5)
    three = next(r for r in rows if r.post_key == "twitter:3")
    store.settle([DeadLettered(three, Failure("INVALID_FIELD", "no such field"))], now=later)
    store.release([r for r in rows if r is not three])


def _match(profile_keys: frozenset[str] = frozenset()) -> PersonMatch:
    return PersonMatch(ANA.digests(), ANA.needles(), profile_keys)


def _dump(backend: Backend, store: StateStore) -> str:
    """Every row of every table (SQL) or every structure (memory), as casefolded text."""
    if isinstance(store, SqlStateStore):
        with store.engine.connect() as conn:
            rows = [
                list(r) for table in t.metadata.sorted_tables for r in conn.execute(select(table))
            ]
        return repr(rows).casefold()
    return repr(vars(store)).casefold()


def test_a_dry_run_finds_the_person_and_changes_nothing(
    backend: Backend, store: StateStore
) -> None:
    _fill(store)
    before = _dump(backend, store)

    found = store.erase_person(_match(), dry_run=True, now=T0)

    assert found.post_keys == ("twitter:1", "twitter:2", "twitter:3", "twitter:4")
    assert found.case_keys == ("twitter:thread:1", "twitter:thread:3")
    assert (found.outbox, found.dead_letters, found.ledger) == (2, 1, 4)
    assert (found.threads, found.suppressed) == (1, 2)
    assert _dump(backend, store) == before
    assert store.suppressed(ANA.digests()) == set()


def test_an_erasure_leaves_no_trace_and_suppresses_the_person(
    backend: Backend, store: StateStore
) -> None:
    _fill(store)

    done = store.erase_person(_match(), now=T0)

    assert done.counts() == {
        "posts": 4,
        "cases": 2,
        "outbox": 2,
        "dead_letters": 1,
        "ledger": 4,
        "threads": 1,
        "record_ids": 2,  # her Lead's and her post's Task; the Case stays known
        "suppressed": 2,
    }
    dump = _dump(backend, store)
    for trace in TRACES:
        assert trace not in dump, trace
    assert store.suppressed([*ANA.digests(), "sha256:other"]) == ANA.digests()
    refs = [("twitter", n) for n in "12345"]
    ledger = store.ledger(refs)
    assert [ledger[r].status for r in refs[:4]] == [LedgerStatus.ERASED] * 4
    assert ledger[("twitter", "5")].status is LedgerStatus.PLANNED
    assert store.known_ids(["twitter:thread:1", "twitter:1", "twitter:user:7"]) == {
        "twitter:thread:1": "500A"
    }
    assert [r.post_key for r in store.claim_outbox("w", 10, T0 + timedelta(hours=1), LEASE)] == [
        "twitter:5"
    ]
    assert store.dead_letters() == []
    # erased posts are never forgotten by a replay: a re-read never plans them again
    assert store.forget_posts(T0) == {}

    again = store.erase_person(_match(), now=T0)
    assert (again.outbox, again.dead_letters, again.ledger, again.suppressed) == (0, 0, 0, 0)
    # her own posts stay findable (ledger authors), so the org's part can run again
    assert again.post_keys == ("twitter:1", "twitter:2", "twitter:3")


def test_the_audit_log_keeps_lines_newest_first(store: StateStore) -> None:
    first = store.record_audit("erase", {"network": "twitter", "outbox": 2}, now=T0)
    second = store.record_audit("prune", {"dead_letters": 1}, now=T0 + timedelta(seconds=1))

    log = store.audit_log()
    assert [a.id for a in log] == [second, first]
    assert (log[1].action, log[1].detail, log[1].at) == (
        "erase",
        {"network": "twitter", "outbox": 2},
        T0,
    )
    assert store.audit_log(limit=1)[0].action == "prune"


def test_digests_ignore_case_and_the_at_sign_and_keep_networks_apart() -> None:
    assert handle_digest(Network.TWITTER, "@Ana_Lima") == handle_digest(Network.TWITTER, "ana_lima")
    assert handle_digest(Network.TWITTER, "ana") != handle_digest(Network.FACEBOOK, "ana")
    assert email_digest(" Ana@Example.com") == email_digest("ana@example.com")
    assert "ana" not in handle_digest(Network.TWITTER, "ana")


def test_held_posts_are_the_written_planned_and_failed_ones_in_id_order(store: StateStore) -> None:
    _fill(store)
    later = T0 + timedelta(minutes=5)
    store.commit_batch("x", None, [SeenPost("twitter", "9", "twitter:9")], [], now=later)  # skipped
    store.commit_batch("x", None, [SeenPost("facebook", "7", "facebook:7")], [], now=later)

    assert store.held_posts("twitter", T0) == ["1", "2", "3", "4", "5"]
    assert store.held_posts("twitter", T0, after="2", limit=2) == ["3", "4"]
    assert store.held_posts("twitter", T0 + timedelta(seconds=30)) == ["2", "3", "4", "5"]
    store.erase_person(_match(), now=T0)
    assert store.held_posts("twitter", T0) == ["5"]  # erased posts are no longer held


def test_a_deleted_posts_rows_go_by_its_key_alone(store: StateStore) -> None:
    _fill(store)
    opened = ThreadState("twitter:thread:5", 1, "twitter:thread:5", opened_by="twitter:5")
    store.save_threads([opened], now=T0)

    done = store.erase_person(PersonMatch(frozenset(), post_keys=frozenset({"twitter:5"})))

    assert (done.outbox, done.dead_letters, done.ledger, done.suppressed) == (1, 0, 1, 0)
    assert done.case_keys == ()  # a deletion names no Case of its own: the plan does
    ledger = store.ledger([("twitter", "5"), ("twitter", "4")])
    assert ledger[("twitter", "5")].status is LedgerStatus.ERASED
    assert ledger[("twitter", "4")].status is LedgerStatus.PLANNED
    assert store.threads(["twitter:thread:5"])["twitter:thread:5"].opened_by == "twitter:5"

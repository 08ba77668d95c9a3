"""``sf-social erase``: a person leaves no trace in the org or the state, and stays gone.

The traces are searched everywhere: every record of every object of the local org, every
row of every table of the state file.
"""

from __future__ import annotations

import sqlite3

import pytest

from tests.cli.conftest import COMPLAINT, LEAD, Ops, tweet

ANA = {
    "id": "u7",
    "handle": "ana_lima",
    "name": "Ana Lima",
    "followers": 2400,
    "email": "ana@example.com",
}
TRACES = ("ana_lima", "ana lima", "ana@example.com", "twitter:user:u7", "x.com/ana_lima")


def ana(post_id: str, text: str = COMPLAINT, **fields: object) -> dict[str, object]:
    return tweet(
        post_id, text, author=ANA, url=f"https://x.com/ana_lima/status/{post_id}", **fields
    )


def _feed(ops: Ops) -> list[dict[str, object]]:
    our_reply = tweet(
        "4",
        "@ana_lima so sorry, we are on it: check your DMs",
        author={"id": "99", "handle": "NorthwindHelp", "name": "Northwind Help"},
        direction="outbound",
        in_reply_to_id="1",
        conversation_id="1",
    )
    return [
        ana("1"),
        ana("2", "@NorthwindHelp still crashing, day 3", in_reply_to_id="1", conversation_id="1"),
        ana("3", LEAD),
        our_reply,
        tweet("5"),  # Dana, another customer: untouched
    ]


def org_text(ops: Ops) -> str:
    """Every record of every object in the org, as casefolded text."""
    records = [r for obj in ops.org.schema.objects() for r in ops.org.records(obj.name)]
    return repr(records).casefold()


def state_text(ops: Ops) -> str:
    """Every row of every table of the state file, as casefolded text."""
    with sqlite3.connect(ops.db) as conn:
        names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        rows = [list(conn.execute(f'SELECT * FROM "{name}"')) for name in names]
    return repr(rows).casefold()


def assert_no_trace(ops: Ops) -> None:
    org, state = org_text(ops), state_text(ops)
    for trace in TRACES:
        assert trace not in org, f"{trace} in the org"
        assert trace not in state, f"{trace} in the state"


def test_an_erasure_leaves_no_trace_and_a_replay_does_not_bring_it_back(ops: Ops) -> None:
    feed = ops.feed("posts.jsonl", *_feed(ops))
    assert ops.run("import", str(feed)).exit_code == 0
    assert ops.counts() == {"Case": 2, "Lead": 1, "Task": 5}
    assert "ana_lima" in org_text(ops) and "ana@example.com" in org_text(ops)  # her Lead
    before_org, before_state = org_text(ops), state_text(ops)

    dry = ops.run("erase", "--network", "twitter", "--handle", "@Ana_Lima", "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert dry.stdout.splitlines()[:2] == [
        "dry run: nothing changed",
        "  org: 1 Lead (delete), 4 Tasks (delete), 1 Case (blank, kept with a note),"
        " 0 Contacts (our social fields blanked)",
    ]
    assert (org_text(ops), state_text(ops)) == (before_org, before_state)

    done = ops.run("erase", "--network", "twitter", "--handle", "@Ana_Lima")
    assert done.exit_code == 0, done.output
    assert "leads deleted 1" in done.stdout and "tasks deleted 4" in done.stdout
    assert "4 posts marked erased in the ledger" in done.stdout
    assert "7 API calls" in done.stdout  # 4 queries (1 for the privacy objects), 1 write per kind
    assert_no_trace(ops)
    assert ops.counts() == {"Case": 2, "Lead": 0, "Task": 1}
    erased, dana = sorted(ops.org.records("Case"), key=lambda c: c["Social_Thread_Key__c"])
    assert erased["Subject"] == "[erased]" and "erased on" in erased["Description"]
    assert dana["Social_Handle__c"] == "user5"  # another customer's Case is untouched

    store = ops.store()
    try:
        (line,) = store.audit_log()
    finally:
        store.close()
    assert line.action == "erase" and line.detail["network"] == "twitter"
    assert line.detail["org_done"]["leads_deleted"] == 1
    assert not any(t in repr(line).casefold() for t in TRACES)

    # the same file again, a replay of the window, and a new post by her: nothing comes back
    assert ops.run("import", str(feed)).exit_code == 0
    replay = ops.run("replay", "--since", "1h", "--source", f"jsonl:{feed}")
    assert replay.exit_code == 0, replay.output
    later = ops.feed("later.jsonl", ana("6", "@NorthwindHelp hello again, still broken #fail"))
    assert ops.run("import", str(later)).exit_code == 0
    assert_no_trace(ops)
    assert ops.counts() == {"Case": 2, "Lead": 0, "Task": 1}

    again = ops.run("erase", "--network", "twitter", "--handle", "ana_lima")
    assert again.exit_code == 0, again.output
    assert "org: 0 Leads (delete), 0 Tasks (delete)" in again.stdout  # idempotent


def test_erase_names_the_person_or_refuses(ops: Ops) -> None:
    no_network = ops.run("erase", "--handle", "ana")
    assert no_network.exit_code == 2 and "--handle needs --network" in no_network.output
    nobody = ops.run("erase")
    assert nobody.exit_code == 2 and "name the person" in nobody.output


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["--email", " "], "--email ' '"),
        (["--email", "a"], "--email 'a'"),
        (["--network", "twitter", "--handle", " @ "], "--handle ' @ '"),
    ],
)
def test_erase_refuses_a_malformed_person_before_touching_anything(
    ops: Ops, args: list[str], named: str
) -> None:
    """A blank or partial email or handle would match words in every stored plan (``a``
    is in most): refused with exit 2, nothing erased."""
    result = ops.run("erase", *args)
    assert result.exit_code == 2 and named in result.output

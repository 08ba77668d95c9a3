"""A permanent Salesforce error: dead letters with the reason; fixed, retried, written.

The admin removed the Case ``Social_Segment__c`` value ``Suggestion``: every thread opened
by a suggestion fails with INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST. Those plans must wait
in the dead letters with code, message and field, holding back the later posts of their
threads (a reply must not create the Case its first post could not), and after the value
is back and the operator retries them, the org must be the clean run's.
"""

from __future__ import annotations

import pytest

from sf_social.state import open_store
from tests.reliability.conftest import Clean
from tests.reliability.harness import Rig
from tests.reliability.orgs import diff, feed_problems, snapshot, write_problems

pytestmark = pytest.mark.slow

CODE = "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"


def test_a_missing_picklist_value_dead_letters_then_retry_writes_them(
    clean: Clean, sqlite_rig: Rig
) -> None:
    e = clean.feed.expected
    suggestions = {k for k, q in e.case_queue.items() if q == "Social_Product_Management"}
    assert suggestions, "the feed has Suggestion threads"
    org = sqlite_rig.org
    org.schema.remove_picklist_value("Case", "Social_Segment__c", "Suggestion")

    first = sqlite_rig.complete()

    context = first.describe()
    assert first.final["dead_letters"] == {CODE: len(suggestions)}, context
    went_ahead = sorted(k for k in suggestions if org.find("Case", "Social_Thread_Key__c", k))
    assert not went_ahead, f"later posts created a dead-lettered thread's Case: {went_ahead}"
    held = first.final["held"]
    assert held > 0, f"the feed has replies in Suggestion threads: {context}"
    store = open_store(sqlite_rig.db_url)
    try:
        dead = store.dead_letters(limit=10_000)
        assert len(dead) == len(suggestions), context
        for letter in dead:
            assert letter.code == CODE
            assert "Suggestion" in letter.message and "Social_Segment__c" in letter.fields
        assert {w.key for d in dead for w in d.plan.writes if w.sobject == "Case"} == suggestions
        # the admin deploys the value again; the operator retries the dead letters
        org.schema.add_picklist_value("Case", "Social_Segment__c", "Suggestion")
        assert store.retry_dead_letters() == len(suggestions)
    finally:
        store.close()

    second = sqlite_rig.complete()

    assert second.final["dead_letters"] == {} and second.final["held"] == 0, second.describe()
    assert second.final["written"] == len(suggestions) + held, second.describe()
    snap = snapshot(org)
    assert not write_problems(sqlite_rig.log, snap, clean.feed, exact=False)
    problems = feed_problems(snap, clean.feed) + diff(snap, clean.snapshot)
    assert not problems, "\n".join(problems)

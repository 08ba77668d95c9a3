"""Severity follows the thread: a later escalating post raises its open Case (issue 17)."""

from __future__ import annotations

from typing import Any

from sf_social.sync.passes import sync_pass
from tests.sync.conftest import Rig, tweet

QUESTION = "how do I change my card PIN @NorthwindHelp?"
LAWYER = "@NorthwindHelp still no answer, my lawyer and the regulator will hear about this"
ABUSE = "@NorthwindHelp you are a bunch of useless clowns"


def reply(post_id: str, text: str, root: str = "1", **fields: Any) -> Any:
    times = {"created_at": f"2026-11-20T11:{int(post_id):02d}:00Z"}
    return tweet(post_id, text, conversation_id=root, in_reply_to_id=root, **{**times, **fields})


def case(rig: Rig, key: str = "twitter:thread:1") -> dict[str, Any]:
    return next(c for c in rig.records("Case") if c["Social_Thread_Key__c"] == key)


def test_an_escalating_reply_raises_the_case_within_one_pass(rig: Rig) -> None:
    rig.feed(tweet("1", QUESTION, created_at="2026-11-20T10:00:00Z"))
    sync_pass(rig.engine)
    opened = dict(case(rig))
    assert (opened["Priority"], opened["Social_Severity__c"]) == ("Low", "Low")
    assert opened["Social_Escalated__c"] is False
    assert opened["Social_Reply_Approval_Waived__c"] is True  # a calm Question

    rig.feed(reply("2", LAWYER))
    report = sync_pass(rig.engine)

    raised = case(rig)
    assert report.push.raised == 1
    assert raised["Social_Reply_Approval_Waived__c"] is False  # worse now: an approver again
    assert raised["Social_Severity__c"] == raised["Priority"] == "High"
    assert raised["Social_Priority_Written__c"] == "High"
    assert raised["Social_Escalated__c"] is True
    assert raised["Social_Escalation_Reason__c"].startswith("twitter:2: escalation.legal threat")
    assert raised["Social_Response_Due__c"] < opened["Social_Response_Due__c"]  # only earlier
    # what agents own and what we predicted stay as they were
    for name in ("Social_Segment__c", "Social_Complaint__c", "Social_Predicted_Segment__c"):
        assert raised[name] == opened[name]


def test_the_severity_read_costs_no_extra_call(rig: Rig) -> None:
    rig.feed(tweet("1", QUESTION), tweet("5", QUESTION, author={"id": "u2", "handle": "lee"}))
    sync_pass(rig.engine)
    rig.feed(reply("2", LAWYER))
    escalating = sync_pass(rig.engine).push.api_calls
    rig.feed(reply("6", "@NorthwindHelp still no answer #fail", root="5"))
    calm = sync_pass(rig.engine).push.api_calls
    assert escalating == calm
    assert case(rig, "twitter:thread:5")["Social_Severity__c"] == "Medium"


def test_a_priority_an_agent_chose_is_never_touched(rig: Rig) -> None:
    rig.feed(tweet("1", QUESTION))
    sync_pass(rig.engine)
    case(rig).update(Priority="Medium")  # the agent's choice
    rig.feed(reply("2", LAWYER))
    sync_pass(rig.engine)
    raised = case(rig)
    assert raised["Priority"] == "Medium"
    assert raised["Social_Priority_Written__c"] == "Low"  # what we wrote, not the agent
    assert raised["Social_Severity__c"] == "High"


def test_severity_is_only_raised(rig: Rig) -> None:
    rig.feed(tweet("1", QUESTION))
    sync_pass(rig.engine)
    rig.feed(reply("2", ABUSE))
    sync_pass(rig.engine)
    assert (case(rig)["Social_Severity__c"], case(rig)["Priority"]) == ("Medium", "Medium")
    rig.feed(reply("3", "@NorthwindHelp how do I reset my password?"))
    report = sync_pass(rig.engine)
    assert report.push.raised == 0
    assert (case(rig)["Social_Severity__c"], case(rig)["Priority"]) == ("Medium", "Medium")
    assert case(rig)["Social_Escalation_Reason__c"] == "twitter:2: priority Medium"


def test_a_raise_in_the_batch_that_opens_the_case(rig: Rig) -> None:
    rig.feed(tweet("1", QUESTION), reply("2", LAWYER))
    sync_pass(rig.engine)
    (only,) = rig.records("Case")
    assert only["Social_Severity__c"] == only["Priority"] == "High"
    assert only["Social_Escalated__c"] is True
    assert only["Social_Predicted_Segment__c"] == "Question"  # the opening post's prediction


def test_a_closed_case_keeps_its_severity(rig: Rig) -> None:
    rig.feed(tweet("1", QUESTION, created_at="2026-11-20T10:00:00Z"))
    sync_pass(rig.engine)
    case(rig).update(Status="Closed", IsClosed=True, ClosedDate="2026-11-20T11:30:00.000+0000")
    rig.feed(reply("2", LAWYER))  # written before the agent closed the Case
    report = sync_pass(rig.engine)
    assert report.push.raised == 0
    assert (case(rig)["Social_Severity__c"], case(rig)["Priority"]) == ("Low", "Low")


def test_the_playbook_can_notify_the_queue_of_a_raised_case(rig: Rig) -> None:
    rig.engine.push.notify = True  # escalation.notify_queue
    rig.feed(tweet("1", QUESTION), tweet("5", QUESTION, author={"id": "u2", "handle": "lee"}))
    sync_pass(rig.engine)
    rig.feed(reply("2", LAWYER), reply("6", "@NorthwindHelp thanks, that helped", root="5"))
    report = sync_pass(rig.engine)
    raised = case(rig)
    (sent,) = rig.org.notifications
    assert (sent.target_id, sent.recipient_id) == (raised["Id"], raised["OwnerId"])
    assert raised["OwnerId"].startswith("00G")  # the Customer Support queue
    assert "twitter:2: escalation.legal threat" in sent.body
    assert (report.push.notified, report.push.notify_failed) == (1, 0)


def test_no_notification_without_the_playbook_option(rig: Rig) -> None:
    rig.feed(tweet("1", QUESTION))
    sync_pass(rig.engine)
    rig.feed(reply("2", LAWYER))
    assert sync_pass(rig.engine).push.raised == 1
    assert rig.org.notifications == []

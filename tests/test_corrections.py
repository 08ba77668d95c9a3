"""Agents' corrections as labels: which records are corrections, and the lines they make."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from sf_social.corrections import Example, Kind, Tally, Verdicts, examples
from sf_social.mapping import post_text
from sf_social.pipeline import Pipeline
from sf_social.playbook import load_playbook
from sf_social.posts import SocialPost

VERDICTS = Verdicts(not_an_issue=frozenset({"Not an Issue"}), wrong_segment=frozenset({"Wrong"}))


def case(**fields: Any) -> dict[str, Any]:
    return {
        "Id": "500A",
        "Social_Thread_Key__c": "twitter:thread:100",
        "Description": "my card was charged twice\n\n— Dana (@dana) on Twitter\nposted x",
        "CreatedDate": "2026-11-20T10:00:00.000+0000",
        "Social_Model__c": "rules",
        "Social_Segment__c": "Request",
        "Social_Predicted_Segment__c": "Request",
        "Social_Complaint__c": True,
        "Social_Predicted_Complaint__c": True,
        "Social_Sentiment__c": "Negative",
        "Social_Predicted_Sentiment__c": "Negative",
        "IsClosed": False,
        **fields,
    }


def task(**fields: Any) -> dict[str, Any]:
    return {
        "Id": "00TA",
        "Social_Post_Key__c": "twitter:100",
        "Description": "my card was charged twice\n\n— Dana (@dana) on Twitter",
        "Social_Model__c": "rules",
        "Social_Segment__c": "Request",
        "Social_Predicted_Segment__c": "Request",
        "Social_Direction__c": "Inbound",
        **fields,
    }


def run(
    cases: list[dict[str, Any]], tasks: list[dict[str, Any]], verdicts: Verdicts = VERDICTS
) -> tuple[list[Example], Tally]:
    tally = Tally()
    return examples(cases, tasks, verdicts, "00Dorg", tally), tally


def test_a_changed_segment_is_a_correction_of_that_label_only() -> None:
    (found,), _ = run([case(Social_Segment__c="Fraud")], [])
    assert found.kind is Kind.CORRECTED
    line = found.line
    assert (line["segment"], "complaint" in line, "sentiment" in line) == ("Fraud", False, False)
    assert line["post"] == {
        "network": "twitter",
        "id": "100",
        "text": "my card was charged twice",
        "created_at": "2026-11-20T10:00:00.000+0000",
    }
    assert line["source"]["predicted"] == {
        "segment": "Request",
        "complaint": True,
        "sentiment": "Negative",
    }
    assert (line["source"]["org"], line["source"]["changed"]) == ("00Dorg", ["segment"])


def test_bulk_text_values_read_like_json_ones() -> None:
    text = case(
        Social_Complaint__c="false",
        Social_Predicted_Complaint__c="true",
        IsClosed="false",
        Reason="",
    )
    (found,), _ = run([text], [])
    assert found.line["complaint"] is False and "segment" not in found.line


def test_uncorrected_records_and_our_replies_are_not_labels() -> None:
    found, tally = run([case()], [task(), task(Id="00TB", Social_Direction__c="Outbound")])
    assert found == []
    assert tally.skipped == {"our own reply": 1}


def test_an_emptied_sentiment_says_nothing_but_an_emptied_segment_is_no_action() -> None:
    assert run([case(Social_Sentiment__c=None)], [])[0] == []
    (found,), _ = run([case(Social_Segment__c=None)], [])
    assert found.line["segment"] is None  # no action


def test_closed_as_not_an_issue_is_no_action_and_no_complaint() -> None:
    (found,), _ = run([case(IsClosed=True, Reason="Not an Issue")], [])
    assert found.kind is Kind.NOT_AN_ISSUE
    assert (found.line["segment"], found.line["complaint"]) == (None, False)


def test_closed_as_wrong_segment_counts_only_with_the_right_one() -> None:
    none, tally = run([case(IsClosed=True, Reason="Wrong")], [])
    assert none == [] and tally.skipped
    (found,), _ = run([case(IsClosed=True, Reason="Wrong", Social_Segment__c="Question")], [])
    assert found.line["segment"] == "Question"


def test_a_post_is_labelled_once_its_case_first() -> None:
    corrected_case = case(Social_Segment__c="Fraud")
    corrected_task = task(Social_Segment__c="Question")
    (found,), tally = run([corrected_case], [corrected_task])
    assert found.line["source"]["sobject"] == "Case"
    assert tally.skipped == {"the post's Case gave its labels already": 1}


def test_confirmations_only_after_the_age_and_never_over_a_correction() -> None:
    old = Verdicts(confirm_before=datetime(2026, 11, 21, tzinfo=UTC))
    young = Verdicts(confirm_before=datetime(2026, 11, 19, tzinfo=UTC))
    (found,), _ = run([case()], [], old)
    assert found.kind is Kind.CONFIRMED
    assert (found.line["segment"], found.line["complaint"]) == ("Request", True)
    assert run([case()], [], young)[0] == []
    # a Task corrected, its Case only confirmed: the correction is the post's line
    (found,), _ = run([case()], [task(Social_Segment__c="Question")], old)
    assert (found.kind, found.line["segment"]) == (Kind.CORRECTED, "Question")


@pytest.mark.parametrize(
    "tail", ["one line", "two\n\nparagraphs", "ends with a newline\n", "a link https://x.co/1"]
)
def test_post_text_reads_back_what_the_mapping_wrote(tail: str) -> None:
    pipeline = Pipeline(load_playbook())
    text = f"@NorthwindHelp the app keeps crashing #fail {tail}"
    for fields in ({"author": {"handle": "dana"}}, {"url": "https://x.com/d/1"}, {"lang": "en"}):
        post = SocialPost.model_validate({"network": "twitter", "id": "1", "text": text, **fields})
        descriptions = [w.record.api_fields()["Description"] for w in pipeline.plan(post).writes]
        assert descriptions
        assert {post_text(d).strip() for d in descriptions} == {post.text.strip()}


def test_the_text_of_a_lead_review_task_is_the_post_alone() -> None:
    post = SocialPost.model_validate(
        {
            "network": "twitter",
            "id": "9",
            "text": "thinking of switching from contoso, how do i open a business account?",
            "author": {"id": "u9", "handle": "priya", "followers": 3},
        }
    )
    (review,) = Pipeline(load_playbook()).plan(post).writes
    description = review.record.api_fields()["Description"]
    assert description.startswith("lead not qualified") and "Evidence:" in description
    assert post_text(description) == post.text

"""Labelled posts: any subset of labels, unlabelled is not "no", each bad line named."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sf_social.errors import FeedLineError
from sf_social.labels import NO_ACTION, LabelledPost, Task, parse_labelled, read_labelled

POST = {"network": "twitter", "id": "7", "text": "still waiting for my refund"}


def parse(line: dict[str, object]) -> LabelledPost | FeedLineError:
    return parse_labelled(json.dumps(line).encode(), "labels.jsonl", 3)


def labels_of(line: dict[str, object]) -> dict[Task, str]:
    result = parse(line)
    assert isinstance(result, LabelledPost), result
    return result.labels


def test_all_three_labels_in_canonical_spelling() -> None:
    labels = labels_of(
        {"post": POST, "segment": "request", "complaint": True, "sentiment": "NEGATIVE"}
    )
    assert labels == {Task.SEGMENT: "Request", Task.COMPLAINT: "true", Task.SENTIMENT: "Negative"}


def test_a_missing_key_or_null_complaint_is_unlabelled_not_no() -> None:
    assert labels_of({"post": POST, "segment": "Question"}) == {Task.SEGMENT: "Question"}
    assert labels_of({"post": POST, "complaint": None, "sentiment": "Neutral"}) == {
        Task.SENTIMENT: "Neutral"
    }


@pytest.mark.parametrize("value", [None, "None", "none"])
def test_null_or_none_segment_means_no_action(value: object) -> None:
    assert labels_of({"post": POST, "segment": value}) == {Task.SEGMENT: NO_ACTION}


def test_other_keys_are_ignored() -> None:
    assert labels_of({"post": POST, "complaint": False, "note": "x"}) == {Task.COMPLAINT: "false"}


@pytest.mark.parametrize(
    ("line", "field", "words"),
    [
        ({"post": POST, "segment": "Complaint"}, "segment", "not a segment label"),
        ({"post": POST, "complaint": "maybe"}, "complaint", "not a complaint label"),
        ({"post": POST, "sentiment": 1}, "sentiment", "not a sentiment label"),
        ({"post": POST}, "", "no label"),
        ({"segment": "Request"}, "post", "required field is missing"),
        ({"post": {**POST, "text": ""}, "segment": "Request"}, "post.text", ""),
        ({"post": {**POST, "create_at": "x"}, "segment": "Request"}, "post.create_at", "unknown"),
    ],
)
def test_a_bad_line_names_its_line_field_and_reason(
    line: dict[str, object], field: str, words: str
) -> None:
    error = parse(line)
    assert isinstance(error, FeedLineError)
    assert (error.source, error.line_no, error.field) == ("labels.jsonl", 3, field)
    assert words in error.message


def test_a_bad_label_names_the_post_id() -> None:
    error = parse({"post": POST, "segment": "Complaint"})
    assert isinstance(error, FeedLineError) and "[post id 7]" in str(error)


def test_reading_a_file_goes_on_after_bad_lines(tmp_path: Path) -> None:
    path = tmp_path / "labels.jsonl"
    lines = [
        json.dumps({"post": POST, "segment": "Request"}),
        "{not json",
        "",
        json.dumps({"post": {**POST, "id": "8"}, "sentiment": "Positive"}),
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    read = list(read_labelled(path))
    assert [type(item).__name__ for item in read] == [
        "LabelledPost",
        "FeedLineError",
        "LabelledPost",
    ]
    assert isinstance(read[1], FeedLineError) and read[1].line_no == 2
    assert isinstance(read[2], LabelledPost) and read[2].line_no == 4

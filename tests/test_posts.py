"""SocialPost and Author: the JSON contract of issue 2, validation and normalization."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from pydantic import ValidationError

from sf_social.posts import (
    MAX_TEXT_CHARS,
    Author,
    Direction,
    Network,
    PostKind,
    SocialPost,
    clean_text,
)

ISSUE_EXAMPLE = (
    '{"network":"twitter","id":"123","text":"...","created_at":"2017-10-31T22:10:47Z",'
    '"author":{"id":"115712","handle":"someone","name":"Some One","followers":120},'
    '"direction":"inbound","kind":"mention","conversation_id":"100","in_reply_to_id":"99",'
    '"url":"https://x.com/someone/status/123"}'
)


def post(**fields: Any) -> SocialPost:
    data: dict[str, Any] = {"network": "twitter", "id": "1", "text": "hello"}
    data.update(fields)
    return SocialPost.model_validate(data)


def error_fields(exc: pytest.ExceptionInfo[ValidationError]) -> list[str]:
    return [".".join(str(p) for p in e["loc"]) for e in exc.value.errors()]


class TestIssueShape:
    def test_every_field_of_the_issue_example_parses(self) -> None:
        p = SocialPost.model_validate_json(ISSUE_EXAMPLE)
        assert p.network is Network.TWITTER
        assert p.id == "123"
        assert p.text == "..."
        assert p.created_at == datetime(2017, 10, 31, 22, 10, 47, tzinfo=UTC)
        assert p.author == Author(id="115712", handle="someone", name="Some One", followers=120)
        assert p.direction is Direction.INBOUND
        assert p.kind is PostKind.MENTION
        assert p.conversation_id == "100"
        assert p.in_reply_to_id == "99"
        assert p.url == "https://x.com/someone/status/123"

    def test_only_network_id_and_text_are_required(self) -> None:
        p = SocialPost.model_validate({"network": "linkedin", "id": "a", "text": "hi"})
        assert (p.network, p.id, p.text) == (Network.LINKEDIN, "a", "hi")
        assert p.author is None
        assert p.created_at is None
        assert p.url is None
        assert p.lang is None
        assert p.direction is Direction.INBOUND
        assert p.kind is PostKind.POST

    @pytest.mark.parametrize("missing", ["network", "id", "text"])
    def test_each_required_field_is_required(self, missing: str) -> None:
        data = {"network": "twitter", "id": "1", "text": "hi"}
        del data[missing]
        with pytest.raises(ValidationError) as exc:
            SocialPost.model_validate(data)
        assert error_fields(exc) == [missing]
        assert exc.value.errors()[0]["type"] == "missing"

    def test_round_trips_through_json(self) -> None:
        p = SocialPost.model_validate_json(ISSUE_EXAMPLE)
        again = SocialPost.model_validate_json(p.model_dump_json())
        assert again == p


class TestIds:
    def test_integer_ids_are_coerced_to_strings(self) -> None:
        p = post(id=123, conversation_id=100, in_reply_to_id=99, author={"id": 115712})
        assert p.id == "123"
        assert p.conversation_id == "100"
        assert p.in_reply_to_id == "99"
        assert p.author is not None
        assert p.author.id == "115712"

    def test_a_boolean_is_not_an_id(self) -> None:
        with pytest.raises(ValidationError) as exc:
            post(id=True)
        assert error_fields(exc) == ["id"]

    def test_an_account_of_more_than_255_characters_is_rejected(self) -> None:
        assert post(account="a" * 255).account == "a" * 255
        with pytest.raises(ValidationError) as exc:
            post(account="a" * 256)
        assert error_fields(exc) == ["account"]

    def test_an_empty_id_is_rejected(self) -> None:
        with pytest.raises(ValidationError) as exc:
            post(id="")
        assert error_fields(exc) == ["id"]

    def test_a_float_id_is_rejected(self) -> None:
        with pytest.raises(ValidationError):
            post(id=1.5)


class TestNetwork:
    @pytest.mark.parametrize(
        ("given", "expected"),
        [
            ("twitter", Network.TWITTER),
            ("x", Network.TWITTER),
            ("X", Network.TWITTER),
            ("Twitter", Network.TWITTER),
            (" TWITTER ", Network.TWITTER),
            ("LinkedIn", Network.LINKEDIN),
            ("YouTube", Network.YOUTUBE),
            ("bluesky", Network.BLUESKY),
        ],
    )
    def test_aliases_and_labels(self, given: str, expected: Network) -> None:
        assert post(network=given).network is expected

    @pytest.mark.parametrize("given", ["myspace", "", "tweeter", "xx"])
    def test_unknown_network_is_rejected(self, given: str) -> None:
        with pytest.raises(ValidationError) as exc:
            post(network=given)
        assert error_fields(exc) == ["network"]

    def test_labels_are_the_picklist_values_of_the_design_brief(self) -> None:
        assert [n.label for n in Network] == [
            "Twitter",
            "LinkedIn",
            "Facebook",
            "Instagram",
            "YouTube",
            "Mastodon",
            "Bluesky",
            "Other",
        ]


class TestExtraFields:
    def test_unknown_top_level_field_is_rejected(self) -> None:
        with pytest.raises(ValidationError) as exc:
            post(retweets=3)
        assert error_fields(exc) == ["retweets"]
        assert exc.value.errors()[0]["type"] == "extra_forbidden"

    def test_unknown_author_field_is_rejected(self) -> None:
        with pytest.raises(ValidationError) as exc:
            post(author={"id": "1", "karma": 5})
        assert error_fields(exc) == ["author.karma"]

    def test_negative_followers_are_rejected(self) -> None:
        with pytest.raises(ValidationError) as exc:
            post(author={"followers": -1})
        assert error_fields(exc) == ["author.followers"]


class TestText:
    @pytest.mark.parametrize("text", ["", " ", "\n\t  ", "\x00\x01", " \x00 "])
    def test_empty_or_whitespace_text_is_rejected(self, text: str) -> None:
        with pytest.raises(ValidationError) as exc:
            post(text=text)
        assert error_fields(exc) == ["text"]
        assert "text is empty" in str(exc.value)

    def test_text_at_the_limit_is_accepted(self) -> None:
        assert len(post(text="a" * MAX_TEXT_CHARS).text) == MAX_TEXT_CHARS

    def test_text_over_the_limit_is_rejected_with_a_clear_message(self) -> None:
        assert MAX_TEXT_CHARS == 100_000
        with pytest.raises(ValidationError) as exc:
            post(text="a" * (MAX_TEXT_CHARS + 1))
        assert error_fields(exc) == ["text"]
        message = str(exc.value)
        assert "100,001 characters" in message
        assert "at most 100,000" in message

    def test_nul_and_control_characters_are_removed(self) -> None:
        assert post(text="a\x00b\x07c\x1bd\x7fe").text == "abcde"

    def test_tab_and_newlines_are_kept(self) -> None:
        assert post(text="line one\n\tline two\r\n").text == "line one\n\tline two\r\n"

    def test_zwj_emoji_sequence_is_kept_intact(self) -> None:
        family = "\U0001f468\u200d\U0001f469\u200d\U0001f467"
        assert post(text=family).text == family

    def test_emoji_only_text_is_accepted(self) -> None:
        assert post(text="😡😡").text == "😡😡"

    def test_rtl_text_and_marks_are_kept(self) -> None:
        text = "\u200fשלום עולם\u200e مرحبا"
        assert post(text=text).text == text

    def test_text_is_nfc_normalized(self) -> None:
        decomposed = "cafe\u0301"
        assert post(text=decomposed).text == "caf\u00e9"

    def test_clean_text_is_the_documented_normalization(self) -> None:
        assert clean_text("x\x00\x1f\u200dy") == "x\u200dy"


class TestCreatedAt:
    def test_naive_datetime_is_taken_as_utc(self) -> None:
        p = post(created_at="2024-03-01T10:00:00")
        assert p.created_at == datetime(2024, 3, 1, 10, 0, tzinfo=UTC)
        assert p.created_at is not None
        assert p.created_at.utcoffset() == timedelta(0)

    def test_aware_datetime_is_converted_to_utc(self) -> None:
        p = post(created_at="2024-03-01T10:00:00+02:00")
        assert p.created_at is not None
        assert p.created_at.tzinfo is UTC
        assert (p.created_at.hour, p.created_at.minute) == (8, 0)

    def test_python_datetime_with_offset(self) -> None:
        minus5 = timezone(timedelta(hours=-5))
        p = post(created_at=datetime(2024, 1, 1, 23, 30, tzinfo=minus5))
        assert p.created_at == datetime(2024, 1, 2, 4, 30, tzinfo=UTC)
        assert p.created_at is not None
        assert p.created_at.tzinfo is UTC

    def test_garbage_datetime_is_rejected(self) -> None:
        with pytest.raises(ValidationError) as exc:
            post(created_at="yesterday")
        assert error_fields(exc) == ["created_at"]


class TestAuthor:
    @pytest.mark.parametrize(
        ("given", "expected"),
        [("@someone", "someone"), ("someone", "someone"), (" @someone ", "someone")],
    )
    def test_handle_loses_its_at_sign(self, given: str, expected: str) -> None:
        assert Author(handle=given).handle == expected

    def test_empty_handle_becomes_none(self) -> None:
        assert Author(handle="@").handle is None
        assert Author(handle="  ").handle is None

    def test_name_is_cleaned_and_stripped(self) -> None:
        assert Author(name="  Some\x00 One ").name == "Some One"
        assert Author(name="   ").name is None

    def test_defaults(self) -> None:
        a = Author()
        assert a.verified is False
        assert (a.id, a.handle, a.followers) == (None, None, None)

    def test_author_is_frozen(self) -> None:
        a = Author(handle="x")
        with pytest.raises(ValidationError):
            a.handle = "y"  # type: ignore[misc]


class TestLangAndAccount:
    def test_lang_is_lower_cased_and_stripped(self) -> None:
        assert post(lang=" EN ").lang == "en"
        assert post(lang="pt-BR").lang == "pt-br"

    def test_blank_lang_becomes_none(self) -> None:
        assert post(lang="  ").lang is None

    def test_account_is_lower_cased_without_at(self) -> None:
        assert post(account="@NorthwindHelp").account == "northwindhelp"


class TestThreading:
    def test_a_post_without_conversation_is_its_own_root(self) -> None:
        p = post(id="5")
        assert p.thread_root_id == "5"
        assert p.is_reply is False

    def test_the_first_post_of_a_conversation_is_not_a_reply(self) -> None:
        p = post(id="100", conversation_id="100")
        assert p.thread_root_id == "100"
        assert p.is_reply is False

    def test_a_post_in_someone_elses_conversation_is_a_reply(self) -> None:
        p = post(id="123", conversation_id="100")
        assert p.thread_root_id == "100"
        assert p.is_reply is True

    def test_in_reply_to_alone_makes_a_reply(self) -> None:
        p = post(id="123", in_reply_to_id="99")
        assert p.thread_root_id == "123"
        assert p.is_reply is True

    def test_issue_example_is_a_reply_in_thread_100(self) -> None:
        p = SocialPost.model_validate(json.loads(ISSUE_EXAMPLE))
        assert p.thread_root_id == "100"
        assert p.is_reply is True


def test_posts_are_frozen_and_compare_by_value() -> None:
    p = post()
    with pytest.raises(ValidationError):
        p.text = "changed"  # type: ignore[misc]
    assert p == post()

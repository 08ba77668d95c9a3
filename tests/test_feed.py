"""read_feed: one SocialPost per JSON line; each bad line is reported and the rest go on."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from sf_social import feed
from sf_social.errors import FeedLineError, InputError
from sf_social.feed import parse_line, read_feed
from sf_social.posts import Network, SocialPost


def line(**fields: Any) -> bytes:
    data: dict[str, Any] = {"network": "twitter", "id": "1", "text": "hello"}
    data.update(fields)
    return json.dumps(data).encode()


def read(*lines: bytes, source: str = "feed.jsonl") -> list[SocialPost | FeedLineError]:
    return list(read_feed(io.BytesIO(b"\n".join(lines) + b"\n"), source))


def only_error(*lines: bytes) -> FeedLineError:
    [result] = read(*lines)
    assert isinstance(result, FeedLineError), result
    return result


class TestGoodLines:
    def test_every_good_line_becomes_a_post_in_order(self) -> None:
        results = read(line(id="1"), line(id="2", network="X"), line(id="3", text="😀"))
        assert all(isinstance(r, SocialPost) for r in results)
        posts = [r for r in results if isinstance(r, SocialPost)]
        assert [p.id for p in posts] == ["1", "2", "3"]
        assert posts[1].network is Network.TWITTER

    def test_last_line_without_newline(self) -> None:
        results = list(read_feed(io.BytesIO(line(id="a") + b"\n" + line(id="b")), "f"))
        assert [r.id for r in results if isinstance(r, SocialPost)] == ["a", "b"]

    def test_crlf_line_endings(self) -> None:
        results = list(read_feed(io.BytesIO(line(id="a") + b"\r\n" + line(id="b") + b"\r\n")))
        assert [r.id for r in results if isinstance(r, SocialPost)] == ["a", "b"]

    def test_empty_input_yields_nothing(self) -> None:
        assert list(read_feed(io.BytesIO(b""))) == []

    def test_blank_lines_are_skipped_but_counted(self) -> None:
        results = read(b"", b"   ", line(id="1"), b"\t", b"{bad")
        assert len(results) == 2
        assert isinstance(results[0], SocialPost)
        assert isinstance(results[1], FeedLineError)
        assert results[1].line_no == 5

    def test_byte_order_mark_on_the_first_line_is_ignored(self) -> None:
        results = read(b"\xef\xbb\xbf" + line(id="1"), line(id="2"))
        assert [r.id for r in results if isinstance(r, SocialPost)] == ["1", "2"]

    def test_rtl_and_zero_width_text_is_kept(self) -> None:
        text = "\u200fשלום\u200d👍"
        [post] = read(line(text=text))
        assert isinstance(post, SocialPost)
        assert post.text == text

    def test_escaped_null_byte_is_removed_from_text(self) -> None:
        [post] = read(line(text="a\u0000b"))
        assert isinstance(post, SocialPost)
        assert post.text == "ab"

    def test_lone_surrogate_escape_becomes_the_replacement_character(self) -> None:
        [post] = read(
            b'{"network": "twitter", "id": "1", "text": "a\\ud83d b", "author": '
            b'{"name": "\\udc00x"}}'
        )
        assert isinstance(post, SocialPost)
        assert (post.text, post.author and post.author.name) == ("a\ufffd b", "\ufffdx")

    def test_every_corpus_line_reads_as_json_loads_and_validation_read_it(self) -> None:
        corpus = Path(__file__).parent / "data" / "labelled_posts.jsonl"
        for raw in corpus.read_bytes().splitlines():
            data = json.loads(raw)["post"]
            encoded = json.dumps(data, ensure_ascii=False).encode()
            assert parse_line(encoded, "corpus", 1) == SocialPost.model_validate(data)


class TestBadLines:
    def test_an_id_too_long_for_the_keys_built_from_it(self) -> None:
        error = only_error(line(id="9" * 201))
        assert error.field == "id"
        assert "201 characters: an id has at most 200" in str(error)

    def test_a_conversation_id_too_long_is_rejected_not_planned(self) -> None:
        error = only_error(line(conversation_id="1" * 250))
        assert error.field == "conversation_id"

    def test_malformed_json(self) -> None:
        error = only_error(b'{"network": "twitter", "id": ')
        assert error.line_no == 1
        assert error.field == ""
        assert str(error).startswith("feed.jsonl:1: malformed JSON at character ")

    def test_missing_required_field(self) -> None:
        error = only_error(b'{"network": "twitter", "text": "hi"}')
        assert (error.line_no, error.field) == (1, "id")
        assert str(error) == "feed.jsonl:1: id: required field is missing"

    def test_missing_text_names_the_post_id(self) -> None:
        error = only_error(b'{"network": "twitter", "id": "77"}')
        assert error.field == "text"
        assert str(error) == "feed.jsonl:1: text: required field is missing [post id 77]"

    def test_wrong_type_top_level(self) -> None:
        error = only_error(line(text=5))
        assert error.field == "text"
        assert "valid string" in error.message

    def test_wrong_type_nested(self) -> None:
        error = only_error(line(id="9", author={"followers": "many"}))
        assert error.field == "author.followers"
        assert str(error).startswith("feed.jsonl:1: author.followers: Input should be")
        assert str(error).endswith("[post id 9]")

    def test_unknown_network(self) -> None:
        error = only_error(line(network="myspace"))
        assert error.field == "network"

    def test_unknown_field(self) -> None:
        error = only_error(line(likes=3))
        assert error.field == "likes"
        assert error.message.startswith("unknown field")

    @pytest.mark.parametrize("text", ["", "   ", "\u0000"])
    def test_empty_text(self, text: str) -> None:
        error = only_error(line(text=text))
        assert error.field == "text"
        assert error.message.startswith("text is empty")
        assert "Value error" not in error.message

    def test_one_megabyte_text(self) -> None:
        error = only_error(line(id="big", text="a" * 1_000_000))
        assert error.field == "text"
        assert "1,000,000 characters; at most 100,000" in error.message
        assert error.message.endswith("[post id big]")

    def test_raw_null_byte_in_the_json_is_malformed(self) -> None:
        error = only_error(b'{"network": "twitter", "id": "1", "text": "a\x00b"}')
        assert error.field == ""
        assert "malformed JSON" in error.message

    def test_invalid_utf8(self) -> None:
        raw = b'{"network": "twitter", "id": "1", "text": "caf\xe9"}'
        bad_at = raw.index(b"\xe9")
        error = only_error(raw)
        assert error.field == ""
        assert error.message.startswith(f"invalid UTF-8 at byte {bad_at} ")
        assert "save the feed as UTF-8" in error.message

    @pytest.mark.parametrize("raw", [b"[1, 2]", b'"text"', b"42", b"null", b"true"])
    def test_json_that_is_not_an_object(self, raw: bytes) -> None:
        error = only_error(raw)
        assert error.message.startswith("expected a JSON object, got ")

    def test_several_problems_name_the_first_and_count_the_rest(self) -> None:
        error = only_error(b'{"network": "myspace", "text": 5}')
        assert error.field == "network"
        assert "(and 2 more: id, text)" in error.message

    def test_error_is_an_input_error(self) -> None:
        assert isinstance(only_error(b"{"), InputError)


class TestProcessingContinues:
    def test_later_lines_are_still_read_with_their_own_numbers(self) -> None:
        results = read(
            line(id="1"),
            b"{oops",
            b'{"network": "twitter", "text": "no id"}',
            b"\xff\xfe",
            b"[]",
            line(id="6"),
            source="in.jsonl",
        )
        kinds = [type(r).__name__ for r in results]
        assert kinds == [
            "SocialPost",
            "FeedLineError",
            "FeedLineError",
            "FeedLineError",
            "FeedLineError",
            "SocialPost",
        ]
        errors = [r for r in results if isinstance(r, FeedLineError)]
        assert [e.line_no for e in errors] == [2, 3, 4, 5]
        assert all(str(e).startswith(f"in.jsonl:{e.line_no}: ") for e in errors)
        last = results[-1]
        assert isinstance(last, SocialPost)
        assert last.id == "6"

    def test_over_long_line_is_skipped_and_the_next_lines_are_read(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(feed, "MAX_LINE_BYTES", 64)
        long_line = line(id="long", text="x" * 500)
        assert len(long_line) > 3 * 64
        results = read(line(id="1"), long_line, line(id="3"), line(id="4"))
        assert len(results) == 4
        error = results[1]
        assert isinstance(error, FeedLineError)
        assert error.line_no == 2
        assert str(error) == "feed.jsonl:2: line is longer than 64 bytes: skipped"
        assert [r.id for r in results if isinstance(r, SocialPost)] == ["1", "3", "4"]

    def test_line_of_exactly_the_limit_is_accepted(self, monkeypatch: pytest.MonkeyPatch) -> None:
        exact = line(id="e", text="y" * 40)
        monkeypatch.setattr(feed, "MAX_LINE_BYTES", len(exact))
        [post] = read(exact)
        assert isinstance(post, SocialPost)

    def test_line_one_byte_over_the_limit_is_rejected(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        over = line(id="o", text="y" * 40)
        monkeypatch.setattr(feed, "MAX_LINE_BYTES", len(over) - 1)
        results = read(over, line(id="next"))
        assert isinstance(results[0], FeedLineError)
        assert results[0].line_no == 1
        assert isinstance(results[1], SocialPost)
        assert results[1].id == "next"

    def test_over_long_last_line_without_newline(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(feed, "MAX_LINE_BYTES", 16)
        stream = io.BytesIO(line(id="1", text="z" * 100))
        [error] = list(read_feed(stream, "f"))
        assert isinstance(error, FeedLineError)
        assert error.line_no == 1

    def test_reading_is_lazy(self) -> None:
        stream = io.BytesIO(line(id="1") + b"\n" + line(id="2") + b"\n")
        results = read_feed(stream, "f")
        first = next(results)
        assert isinstance(first, SocialPost)
        assert stream.tell() == len(line(id="1")) + 1


def test_parse_line_names_its_source_and_line() -> None:
    error = parse_line(b"{", "posts.jsonl", 42)
    assert isinstance(error, FeedLineError)
    assert (error.source, error.line_no) == ("posts.jsonl", 42)
    assert str(error).startswith("posts.jsonl:42: malformed JSON")


HOSTILE_LINES = {
    "deep raw": (line(raw={"x": json.loads("[" * 40 + "]" * 40)}), "raw", "nested deeper"),
    "deeper than json": (
        b'{"network":"twitter","id":"1","text":"hi","raw":{"x":'
        + b"[" * 5000
        + b"]" * 5000
        + b"}}",
        "",
        "nested too deeply",
    ),
    "huge number": (
        b'{"network":"twitter","id":"1","text":"hi","raw":{"n":' + b"9" * 5000 + b"}}",
        "",
        "unreadable JSON value (Exceeds the limit (4300 digits)",
    ),
    "year 1": (line(created_at="0001-01-01T00:00:00+05:00"), "created_at", "between 1990"),
    "year 9999": (line(created_at="9999-12-31T23:59:59-05:00"), "created_at", "between 1990"),
    "absurd followers": (line(author={"id": "u", "followers": 1e100}), "author.followers", ""),
    "NUL id": (line(id="h\u0000x"), "id", "control character"),
    "newline conversation": (line(conversation_id="a\nb"), "conversation_id", "control"),
}


@pytest.mark.parametrize("name", HOSTILE_LINES)
def test_a_hostile_line_is_refused_on_its_line_and_the_next_is_read(name: str) -> None:
    hostile, field, words = HOSTILE_LINES[name]
    error, good = read(hostile, line(id="next"))
    assert isinstance(error, FeedLineError), error
    assert (error.line_no, error.field) == (1, field) and words in error.message
    assert isinstance(good, SocialPost) and good.id == "next"


def test_ids_are_refused_not_stripped() -> None:
    """``h\\0x`` would merge with ``hx`` if the NUL were stripped: two people, one key."""
    assert isinstance(read(line(id="hx"))[0], SocialPost)
    assert isinstance(read(line(id="h\u0000x"))[0], FeedLineError)


def test_a_one_shot_read_rejects_an_incomplete_last_line() -> None:
    stream = io.BytesIO(line(id="a") + b"\n" + line(id="b")[:25])
    first, error = list(read_feed(stream, "f"))
    assert isinstance(first, SocialPost)
    assert isinstance(error, FeedLineError) and error.line_no == 2
    assert "last line incomplete (no newline at its end, and malformed JSON" in error.message


def test_a_complete_last_line_without_newline_is_read() -> None:
    (post,) = list(read_feed(io.BytesIO(line(id="a")), "f"))
    assert isinstance(post, SocialPost) and post.id == "a"


class TestWhatReadFeedTakes:
    def test_a_path_as_str_or_path_is_opened_and_named_in_errors(self, tmp_path: Path) -> None:
        path = tmp_path / "posts.jsonl"
        path.write_bytes(line(id="a") + b"\n" + b"{not json}\n")
        for feed_arg in (str(path), path):
            post, error = list(read_feed(feed_arg))
            assert isinstance(post, SocialPost) and post.id == "a"
            assert isinstance(error, FeedLineError) and str(error).startswith(f"{path}:2:")

    def test_a_binary_stream_is_read_as_given(self) -> None:
        (post,) = read_feed(io.BytesIO(line(id="b") + b"\n"))
        assert isinstance(post, SocialPost) and post.id == "b"

    def test_a_text_stream_is_refused_with_the_fix(self) -> None:
        with pytest.raises(TypeError, match=r"open\(path, 'rb'\)"):
            list(read_feed(io.StringIO("{}\n")))  # type: ignore[arg-type]

    def test_a_missing_file_is_the_usual_error(self, tmp_path: Path) -> None:
        with pytest.raises(FileNotFoundError):
            list(read_feed(tmp_path / "nope.jsonl"))

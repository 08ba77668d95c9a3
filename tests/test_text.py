"""Channel-aware normalization: the token string every phrase rule matches against."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sf_social import text as text_module
from sf_social.text import NormalizedText, Normalizer, decode_word, normalize, strip_invisible

SLANG = {"cant": "can't", "suxxors": "sucks", "u": "you", "pwned": "hacked", "b4": "before"}


def tokens(text: str, slang: dict[str, str] | None = None) -> str:
    return normalize(text, slang).tokens


def test_the_module_docstring_example() -> None:
    result = normalize(
        "@BoAHelp still cant get mobile deposit 2 work... #FAIL 😡 https://t.co/x", SLANG
    )
    assert result == NormalizedText(
        tokens="@boahelp still can't get mobile deposit 2 work #fail 😡 <url>",
        mentions=("boahelp",),
        hashtags=("fail",),
        urls=1,
    )


class TestEntities:
    def test_hashtags_stay_whole_lower_cased_tokens(self) -> None:
        result = normalize("So #Frustrated with #BankFail today")
        assert result.tokens == "so #frustrated with #bankfail today"
        assert result.hashtags == ("frustrated", "bankfail")

    def test_mentions_stay_whole_and_are_collected(self) -> None:
        result = normalize("@NorthwindHelp @someone_else hi")
        assert result.tokens == "@northwindhelp @someone_else hi"
        assert result.mentions == ("northwindhelp", "someone_else")

    @pytest.mark.parametrize(
        "url", ["https://t.co/AbC123", "http://example.com/a?b=c#d", "www.northwind.example/x"]
    )
    def test_urls_become_a_placeholder(self, url: str) -> None:
        result = normalize(f"see {url} now")
        assert result.tokens == "see <url> now"
        assert result.urls == 1

    def test_urls_are_counted(self) -> None:
        assert normalize("https://a.example https://b.example").urls == 2
        assert normalize("no links here").urls == 0

    def test_hashtag_is_not_leet_decoded_or_slang_expanded(self) -> None:
        assert tokens("#pwn3d #u", SLANG) == "#pwn3d #u"


class TestEmojiAndPunctuation:
    def test_emoji_are_kept_as_tokens(self) -> None:
        assert tokens("love it 😍🔥") == "love it 😍 🔥"

    def test_question_and_exclamation_marks_are_tokens(self) -> None:
        assert tokens("why?! really") == "why ? ! really"

    def test_other_punctuation_is_dropped(self) -> None:
        assert tokens('hello, "world"; (again) ... - ok.') == "hello world again ok"

    def test_zwj_sequence_keeps_its_emoji(self) -> None:
        assert tokens("\U0001f469\u200d\U0001f4bb works") == "\U0001f469 \U0001f4bb works"

    def test_emoji_only_post(self) -> None:
        result = normalize("😡😡😡")
        assert result.tokens == "😡 😡 😡"


class TestLeetspeak:
    @pytest.mark.parametrize(
        ("word", "decoded"),
        [
            ("pwn3d", "pwned"),
            ("suxx0rs", "suxxors"),
            ("h4x0r", "haxor"),
            ("l33t", "leet"),
            ("n00b", "noob"),
            ("b1tch", "bitch"),
            ("s7op", "stop"),
        ],
    )
    def test_digits_inside_a_word_are_decoded(self, word: str, decoded: str) -> None:
        assert decode_word(word) == decoded

    @pytest.mark.parametrize("word", ["covid19", "5th", "4g", "b4", "gr8", "2fa", "1000", "mp3"])
    def test_digits_at_a_word_edge_are_left_alone(self, word: str) -> None:
        assert decode_word(word) == word

    def test_leet_then_slang(self) -> None:
        assert tokens("this app suxx0rs", SLANG) == "this app sucks"
        assert tokens("got pwn3d", SLANG) == "got hacked"

    def test_slang_for_a_word_with_a_trailing_digit(self) -> None:
        assert tokens("read this b4 u go", SLANG) == "read this before you go"


class TestElongation:
    @pytest.mark.parametrize(
        ("word", "short"),
        [("soooo", "soo"), ("goooood", "good"), ("nooooo", "noo"), ("yesss", "yess"), ("aa", "aa")],
    )
    def test_letters_repeated_three_times_are_cut_to_two(self, word: str, short: str) -> None:
        assert decode_word(word) == short

    @pytest.mark.parametrize("number", ["1000", "2000", "100000", "5555"])
    def test_numbers_are_not_shortened(self, number: str) -> None:
        assert decode_word(number) == number
        assert tokens(f"waited {number} days") == f"waited {number} days"

    def test_mentions_are_not_shortened(self) -> None:
        result = normalize("@AAAnews sooo slow")
        assert result.tokens == "@aaanews soo slow"
        assert result.mentions == ("aaanews",)

    def test_hashtags_are_shortened_like_words(self) -> None:
        assert normalize("#Sooooo #happy").hashtags == ("soo", "happy")

    def test_www_urls_survive_elongation(self) -> None:
        result = normalize("go to www.example.com")
        assert result.tokens == "go to <url>"
        assert result.urls == 1

    def test_elongated_leet_word(self) -> None:
        assert decode_word("suxx000rs") == "suxxoors"
        assert tokens("n000b suxx000rs") == "noob suxxoors"


class TestSlang:
    def test_whole_tokens_only(self) -> None:
        assert tokens("u r unusual", SLANG) == "you r unusual"

    def test_expansion_is_not_applied_without_a_table(self) -> None:
        assert tokens("cant u") == "cant u"

    def test_replacement_may_be_several_words(self) -> None:
        assert tokens("idk", {"idk": "i don't know"}) == "i don't know"


class TestInvisibleAndApostrophes:
    @pytest.mark.parametrize(
        "invisible",
        ["\u200b", "\u200c", "\u200d", "\u200e", "\u200f", "\u202a", "\u202e", "\u2066", "\ufeff"],
    )
    def test_invisible_characters_are_stripped(self, invisible: str) -> None:
        assert strip_invisible(f"ref{invisible}und") == "refund"
        assert tokens(f"ref{invisible}und please") == "refund please"

    def test_soft_hyphen_is_stripped(self) -> None:
        assert tokens("over\u00addraft") == "overdraft"

    def test_rtl_letters_are_kept(self) -> None:
        assert tokens("\u202bمرحبا بكم\u202c") == "مرحبا بكم"

    @pytest.mark.parametrize("apostrophe", ["’", "‘", "ʼ", "'"])
    def test_apostrophes_are_straightened(self, apostrophe: str) -> None:
        assert tokens(f"I can{apostrophe}t log in") == "i can't log in"

    def test_fullwidth_text_is_folded(self) -> None:
        assert tokens("ＨＥＬＰ") == "help"

    def test_upper_case_is_lowered(self) -> None:
        assert tokens("NOT WORKING") == "not working"


_PLAIN_LEET = re.compile(r"[^\W\d_][\w$]*[0-9$][\w$]*[^\W\d_]")
"""The leetspeak test as first written: right, but quadratic on one long token."""


@given(st.text(alphabet="ab0$1_é٣ x'3Zß", max_size=12))
def test_the_linear_leetspeak_test_accepts_what_the_plain_pattern_does(token: str) -> None:
    assert bool(text_module._LEET_WORD.fullmatch(token)) == bool(_PLAIN_LEET.fullmatch(token))


@pytest.mark.parametrize(
    ("token", "expected"),
    [
        ("a" + "1" * 99_998 + "b", "aiib"),  # decoded, then the elongation folded
        ("a1" * 50_000 + "b", "ai" * 50_000 + "b"),
        ("a" + "1" * 99_999, "a" + "1" * 99_999),  # ends in a digit: no leetspeak
    ],
)
def test_a_long_token_is_decoded_like_a_short_one(token: str, expected: str) -> None:
    """One 100,000-character token: the work is linear (it took minutes when quadratic)."""
    assert normalize(token).tokens == expected


def test_a_normalizer_remembering_tokens_gives_what_a_fresh_one_gives() -> None:
    """Tokens seen before come from the cache (and after it restarts): same result."""
    texts = []
    for path in sorted((Path(__file__).parent / "data" / "labelled").glob("*.jsonl")):
        texts += [json.loads(line)["post"]["text"] for line in path.open(encoding="utf-8")]
    texts += ["@u pwn3d b4 #cant https://x.y/z www.a.b 😡 ?! — u", "@u pwn3d b4 #cant 😡"]
    reused = Normalizer(SLANG)
    reused.CACHE_LIMIT = 500
    for _ in range(2):
        for text in texts:
            assert reused(text) == Normalizer(SLANG)(text) == normalize(text, SLANG)
    assert 0 < len(reused._fates) <= 500

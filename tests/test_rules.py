"""Compiled playbook rules: phrase syntax, hashtags, gaps, regexes, weights, one hit per rule."""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sf_social.phrases import parse_phrase
from sf_social.playbook import Rule, load_playbook
from sf_social.rules import (
    GAP,
    Hit,
    RuleBook,
    _bare,
    _compile,
    _match_at,
    _Regex,
    _word_matches,
    score,
)
from sf_social.text import normalize


def phrase(text: str, weight: float = 1.0) -> Rule:
    return Rule(phrase=text, weight=weight)


def hits(rules: list[Rule], text: str) -> list[Hit]:
    """The hits of one rule set on ``text`` (normalized first, as the classifier does)."""
    return RuleBook({"set": rules}).match(normalize(text).tokens).get("set", [])


def matched(rule: str, text: str) -> bool:
    return bool(hits([phrase(rule)], text))


class TestExactPhrases:
    def test_words_in_order(self) -> None:
        assert matched("not working", "the app is not working today")

    def test_words_must_be_adjacent_without_a_gap(self) -> None:
        assert not matched("not working", "not really working")

    def test_words_in_another_order_do_not_match(self) -> None:
        assert not matched("not working", "working not")

    def test_whole_words_only(self) -> None:
        assert not matched("bug", "debugging")
        assert not matched("bug", "bugs")
        assert not matched("fee", "coffee")

    def test_phrase_is_normalized_like_the_text(self) -> None:
        assert matched("Not Working", "NOT WORKING!!")
        assert matched("can’t log in", "I can't log in")

    def test_hit_names_the_rule_and_what_it_matched(self) -> None:
        [hit] = hits([phrase("not working", 2)], "it is not working")
        assert hit == Hit(rule="'not working'", weight=2.0, matched="not working")

    def test_possessive_matches(self) -> None:
        assert matched("contoso", "contoso's app is better")

    def test_emoji_phrase(self) -> None:
        assert matched("🤡", "you are 🤡")
        assert not matched("🤡", "you are 🙂")


class TestPrefix:
    @pytest.mark.parametrize("text", ["it crashes", "app crashed again", "crash", "#crashing"])
    def test_prefix_matches_words_starting_with_it(self, text: str) -> None:
        assert matched("crash*", text)

    def test_prefix_does_not_match_inside_a_word(self) -> None:
        assert not matched("crash*", "recrash")
        assert not matched("crash*", "cras")

    def test_prefix_as_last_word_of_a_phrase(self) -> None:
        assert matched("can't log*", "i can't login")
        assert matched("can't log*", "i can't log in")
        assert not matched("can't log*", "i can't sign in")

    def test_prefix_needs_two_letters(self) -> None:
        with pytest.raises(ValueError, match="at least 2 letters"):
            parse_phrase("a*")


class TestGap:
    @pytest.mark.parametrize("skipped", range(GAP + 1))
    def test_gap_skips_up_to_five_words(self, skipped: int) -> None:
        middle = " ".join(["w"] * skipped)
        assert matched("can't ... work", f"i can't {middle} work")

    def test_gap_of_six_words_does_not_match(self) -> None:
        assert GAP == 5
        assert not matched("can't ... work", "i can't a b c d e f work")

    def test_gap_example(self) -> None:
        [hit] = hits([phrase("can't ... work")], "still can't get mobile deposit to work")
        assert hit.matched == "can't get mobile deposit to work"

    @pytest.mark.parametrize("bad", ["...", "... ...", "... work", "can't ..."])
    def test_phrase_must_start_and_end_with_a_word(self, bad: str) -> None:
        with pytest.raises(ValueError, match="must start and end with a word"):
            parse_phrase(bad)

    def test_parse_phrase_marks_gaps_with_none(self) -> None:
        assert parse_phrase("Can't ... WORK*") == ("can't", None, "work*")


class TestHashtags:
    def test_word_matches_its_hashtag(self) -> None:
        assert matched("fail", "mobile deposit #fail")
        assert matched("fail", "epic fail")

    def test_hashtag_phrase_matches_only_the_hashtag(self) -> None:
        assert matched("#fail", "mobile deposit #FAIL")
        assert not matched("#fail", "epic fail")

    def test_word_does_not_match_a_mention(self) -> None:
        assert not matched("northwind", "@northwind hello")
        assert matched("@northwind", "@northwind hello")

    def test_word_does_not_match_inside_a_hashtag(self) -> None:
        assert not matched("fail", "#bankfail")


class TestCounting:
    def test_each_rule_counts_once(self) -> None:
        found = hits([phrase("crash*", 2)], "crash crashed crashing #crash")
        assert len(found) == 1
        assert score(found) == 2.0

    def test_every_matching_rule_is_a_hit_in_order_found(self) -> None:
        rules = [phrase("refund"), phrase("still waiting", 1.5), phrase("absent")]
        found = hits(rules, "still waiting for my refund")
        assert [h.rule for h in found] == ["'still waiting'", "'refund'"]
        assert score(found) == 2.5

    def test_matches_in_one_set_do_not_overlap(self) -> None:
        rules = [phrase("app down"), phrase("down again")]
        found = hits(rules, "app down again")
        assert [h.rule for h in found] == ["'app down'"]

    def test_longest_match_at_a_position_wins(self) -> None:
        rules = [phrase("still", 0.5), phrase("still waiting", 1.5)]
        found = hits(rules, "still waiting")
        assert [h.rule for h in found] == ["'still waiting'"]

    def test_sets_are_matched_independently(self) -> None:
        book = RuleBook({"request": [phrase("not working", 2)], "complaint": [phrase("working")]})
        result = book.match(normalize("not working").tokens)
        assert [h.rule for h in result["request"]] == ["'not working'"]
        assert [h.rule for h in result["complaint"]] == ["'working'"]

    def test_sets_without_hits_are_absent(self) -> None:
        book = RuleBook({"a": [phrase("alpha")], "b": [phrase("beta")]})
        assert set(book.match("alpha")) == {"a"}

    def test_score_of_no_hits_is_zero(self) -> None:
        assert score([]) == 0


class TestRegexAndWeights:
    def test_regex_rule(self) -> None:
        [hit] = hits([Rule(regex=r"\?", weight=0.5)], "is it down?")
        assert hit == Hit(rule="/\\?/", weight=0.5, matched="?")

    def test_regex_sees_the_normalized_text(self) -> None:
        rule = Rule(regex=r"\b\d+ (?:days|weeks)\b")
        assert [h.matched for h in hits([rule], "Waited 1000 DAYS already")] == ["1000 days"]

    def test_regex_counts_once(self) -> None:
        assert len(hits([Rule(regex=r"\?")], "why? how? when?")) == 1

    def test_regex_without_match(self) -> None:
        assert hits([Rule(regex=r"\d")], "no digits here") == []

    def test_negative_weight_lowers_the_score(self) -> None:
        rules = [phrase("help", 1), phrase("no thanks", -1.5)]
        found = hits(rules, "help no thanks")
        assert score(found) == -0.5

    def test_negative_rule_alone(self) -> None:
        found = hits([phrase("thanks for nothing", -3)], "thanks for nothing")
        assert score(found) == -3


@given(st.text(alphabet="daysto 0123456789_x-", max_size=30))
def test_leading_word_boundary_fast_path_matches_re(text: str) -> None:
    """The hand-checked leading \\b finds exactly what re.search finds."""
    for pattern in (r"\bday \d+\b", r"\b\d+ days\b", r"\bto\b", r"\b_x"):
        expected = re.search(pattern, text)
        assert _Regex(pattern).search(text) == (expected.group() if expected else None)


def test_a_double_hash_token_is_not_the_hashtag_of_a_phrase() -> None:
    book = RuleBook({"set": [Rule(phrase="#fail again"), Rule(phrase="#fail")]})
    assert book.match("##fail again") == {}
    assert [h.rule for h in book.match("#fail again")["set"]] == ["'#fail again'"]


def test_a_leading_boundary_before_a_non_literal_stays_in_the_regex() -> None:
    """``\\b\\d+ hours`` keeps its ``\\b``: without it a run of digits is scanned from every
    start position (quadratic); a literal start keeps the faster hand-checked boundary."""
    digits = _Regex(r"\b\d+ ?hours\b")
    assert not digits.boundary and digits.pattern.pattern.startswith(r"\b")
    assert digits.search("waited 3 hours") == "3 hours"
    assert digits.search("x3 hours") is None
    literal = _Regex(r"\bnever (?:came|arrived)\b")
    assert literal.boundary
    assert literal.search("it never came") == "never came"
    assert literal.search("whatevernever came") is None


@cache
def _parsed(text: str) -> tuple[str | None, ...]:
    return parse_phrase(text)


def reference_match(rule_sets: dict[str, list[Rule]], tokens: str) -> dict[str, list[Hit]]:
    """``RuleBook.match`` by brute force: every phrase tried at every word, every regex
    searched; the indexes and the literal prefilter of ``RuleBook`` must change nothing."""
    words = tokens.split(" ")
    bares = [_bare(w) for w in words]
    found: dict[str, list[Hit]] = {}
    for name, rules in rule_sets.items():
        phrases = [r for r in rules if r.regex is None]
        parsed = [_parsed(str(r.phrase)) for r in phrases]
        firsts = [str(p[0]) for p in parsed]
        spans = []
        for start, word in enumerate(words):
            bare = _bare(word)
            plain = bare != word and not bare.startswith("#")
            # the order RuleBook finds a word's candidates in: by the word, its bare form, prefix
            ranks = [
                0
                if first == word
                else 1
                if plain and first == bare
                else 2
                if first.endswith("*") and _word_matches(first, word)
                else None
                for first in firsts
            ]
            for index in sorted(
                (i for i, r in enumerate(ranks) if r is not None),
                key=lambda i: ranks[i] or 0,
            ):
                rest = tuple(_compile(w) for w in parsed[index][1:])
                end = _match_at(rest, words, bares, start + 1)
                if end is not None:
                    spans.append((start, start - end, ranks[index], index, end))
        hits: dict[str, Hit] = {}
        taken_until = 0
        for start, _, _, index, end in sorted(spans):
            label = f"'{phrases[index].phrase}'"
            if start >= taken_until and label not in hits:
                hits[label] = Hit(label, phrases[index].weight, " ".join(words[start:end]))
                taken_until = end
        for rule in rules:
            searched = re.search(rule.regex, tokens) if rule.regex is not None else None
            if searched:
                hits.setdefault(
                    f"/{rule.regex}/", Hit(f"/{rule.regex}/", rule.weight, searched.group())
                )
        if hits:
            found[name] = list(hits.values())
    return found


@cache
def default_rule_sets() -> dict[str, list[Rule]]:
    from sf_social.classifier import RuleClassifier

    return RuleClassifier(load_playbook())._rule_sets


@cache
def default_book() -> RuleBook:
    return RuleBook(default_rule_sets())


@cache
def vocabulary() -> tuple[str, ...]:
    """The words of the default playbook's phrases, with hashtag and possessive forms."""
    words = {"#fail's", "##fail", "'s", "?", "!", "<url>", "3", "12", "hours", "days", "my", "the"}
    for rules in default_rule_sets().values():
        for rule in rules:
            for word in parse_phrase(str(rule.phrase)) if rule.phrase else ():
                if word is not None:
                    core = word.rstrip("*")
                    words.update({core, f"#{core}", f"{core}'s", f"{core}ing"})
    return tuple(sorted(words))


def test_the_default_book_matches_like_brute_force_on_the_corpora() -> None:
    for path in sorted((Path(__file__).parent / "data" / "labelled").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines()[::4]:  # brute force is slow
            tokens = normalize(json.loads(line)["post"]["text"]).tokens
            assert default_book().match(tokens) == reference_match(default_rule_sets(), tokens)


@settings(max_examples=400, deadline=None)
@given(
    st.lists(
        st.sampled_from(vocabulary()) | st.text(alphabet="abn't# ?19", max_size=6), max_size=25
    )
)
def test_the_default_book_matches_like_brute_force(words: list[str]) -> None:
    tokens = normalize(" ".join(words)).tokens
    assert default_book().match(tokens) == reference_match(default_rule_sets(), tokens)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["a", "ab", "#a", "a's", "b", "c", "abc", "x"]), max_size=12))
def test_overlapping_phrases_match_like_brute_force(words: list[str]) -> None:
    rule_sets = {
        "one": [phrase(p) for p in ("a b", "a", "ab*", "a ... c", "#a b", "b c", "a b c", "ab")],
        "two": [phrase(p) for p in ("b", "a b", "abc", "#a", "a's b")] + [Rule(regex=r"b c\b")],
    }
    tokens = " ".join(words)
    assert RuleBook(rule_sets).match(tokens) == reference_match(rule_sets, tokens)

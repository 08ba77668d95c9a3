"""Our one-pass VADER gives exactly the reference implementation's compound score."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from vaderSentiment.vaderSentiment import (
    BOOSTER_DICT,
    NEGATE,
    SPECIAL_CASES,
    SentimentIntensityAnalyzer,
)

from sf_social.classification import Sentiment
from sf_social.sentiment import compound_score, label, without_numbers

DATA = Path(__file__).parent / "data"
REFERENCE = SentimentIntensityAnalyzer()
REFERENCE.lexicon = without_numbers(REFERENCE.lexicon)  # our one deliberate difference


def reference(text: str) -> float:
    return float(REFERENCE.polarity_scores(text)["compound"])


def corpus_texts() -> list[str]:
    return [
        json.loads(line)["post"]["text"]
        for name in ("labelled_posts.jsonl", "heldout_posts.jsonl")
        for line in (DATA / name).open(encoding="utf-8")
    ]


def test_every_corpus_text_scores_as_the_reference() -> None:
    texts = corpus_texts()
    assert len(texts) >= 300
    mismatches = [
        (t, compound_score(t), reference(t)) for t in texts if compound_score(t) != reference(t)
    ]
    assert mismatches == []


@pytest.mark.parametrize(
    "text",
    [
        "VADER is VERY SMART, uber handsome, and FRIGGIN FUNNY!!!",
        "The plot was good, but the characters are uncompelling and the dialog is not great.",
        "Today only kinda sux! But I'll get by, lol",
        "Make sure you :) or :D today!",
        "Catch utf-8 emoji such as 💘 and 💋 and 😁",
        "Sentiment analysis has never been this good!",
        "With VADER, sentiment analysis is the shit!",
        "On the other hand, VADER is quite bad ass",
        "Without a doubt, excellent idea.",
        "Roger Dodger is at least compelling as a variation on the theme.",
        "Roger Dodger is one of the least compelling variations on this theme.",
        "no good no bad nor ugly",
        "the book was kind of good",
        "😡😡😡",
        "a😀b 😀 c",
        "😀 start, 😀😀 twice,😀 after a comma, at the end 😀",
        "a mark\x00 in the text 😀\x00😀",
        "",
        "   ",
        "??? !!!!! ?? good",
        "BAD but GOOD but bad",
    ],
)
def test_the_rules_own_examples_and_edge_cases(text: str) -> None:
    assert compound_score(text) == reference(text)


@pytest.mark.parametrize("number", ["187", "#187", "86", "143", "$182"])
def test_numbers_carry_no_sentiment(number: str) -> None:
    """VADER reads a few numbers as slang; in posts to a brand they are orders and amounts."""
    text = f"do you do business accounts with no monthly fee? order {number}"
    assert compound_score(text) == compound_score(
        "do you do business accounts with no monthly fee?"
    )
    assert SentimentIntensityAnalyzer().polarity_scores(text)["compound"] != reference(text)


def test_generated_sentences_full_of_rule_triggers() -> None:
    """Sentences drawn from the words each rule looks at, in every case and order."""
    rng = random.Random(20261203)
    lexicon_words = rng.sample(sorted(REFERENCE.lexicon), 400)
    triggers = [
        *NEGATE,
        *BOOSTER_DICT,
        *" ".join(SPECIAL_CASES).split(),
        *[
            "but",
            "but",
            "no",
            "no",
            "or",
            "nor",
            "least",
            "at",
            "very",
            "kind",
            "of",
            "never",
            "so",
            "this",
            "without",
            "doubt",
        ],
    ]
    emoji = [e for e in REFERENCE.emojis if len(e) == 1][:300]
    fillers = ["the", "a", "my", "account", "is", "app", "it", "was", "to", "and"]
    marks = ["!", "?", "!!", "??", "...", ",", ":)", ":(", "'", '"']
    for _ in range(5_000):
        words = []
        for _ in range(rng.randint(0, 18)):
            pool = rng.choice((lexicon_words, triggers, fillers, emoji))
            word = rng.choice(pool)
            word = rng.choice((word, word.upper(), word.capitalize()))
            if rng.random() < 0.2:
                word += rng.choice(marks)
            words.append(word)
        text = rng.choice((" ", "  ", "")).join(words) if words else ""
        assert compound_score(text) == reference(text), text


@pytest.mark.parametrize(
    ("score", "expected"),
    [
        (0.3, Sentiment.POSITIVE),
        (0.2999, Sentiment.NEUTRAL),
        (0.05, Sentiment.NEUTRAL),
        (-0.05, Sentiment.NEUTRAL),
        (-0.0999, Sentiment.NEUTRAL),
        (-0.1, Sentiment.NEGATIVE),
    ],
)
def test_labels_use_the_tuned_thresholds(score: float, expected: Sentiment) -> None:
    assert label(score) is expected

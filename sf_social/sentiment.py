"""Sentiment with VADER, the lexicon model tuned for social media."""

from __future__ import annotations

from functools import cache

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from sf_social.classification import Sentiment

POSITIVE_AT = 0.05
NEGATIVE_AT = -0.05


@cache
def _analyzer() -> SentimentIntensityAnalyzer:
    return SentimentIntensityAnalyzer()


def compound_score(text: str) -> float:
    """VADER's compound score of ``text``, from -1 (most negative) to 1 (most positive)."""
    return float(_analyzer().polarity_scores(text)["compound"])


def label(compound: float) -> Sentiment:
    """VADER's published thresholds: >= 0.05 positive, <= -0.05 negative."""
    if compound >= POSITIVE_AT:
        return Sentiment.POSITIVE
    if compound <= NEGATIVE_AT:
        return Sentiment.NEGATIVE
    return Sentiment.NEUTRAL

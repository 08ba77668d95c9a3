"""A small stopword language guesser, used only when the network gives no language.

It tells apart the languages below on ordinary sentences and answers ``None`` when the
text is too short or mixed to say (emoji-only, hashtags-only, a single word).
"""

from __future__ import annotations

UNDETERMINED = frozenset({"und", "zxx", "qme", "qht", "qam", "qct", "qst", "art"})
"""X's codes for "no linguistic content" (media, hashtags, emoji, ...)."""

_STOPWORDS: dict[str, frozenset[str]] = {
    "en": frozenset(
        "the and is are was to of in my you your it this that for with not have has i'm "
        "can't don't still why what when how me we our they been just".split()
    ),
    "es": frozenset(
        "el la los las es son y de del que en mi mis tu su por para con no una un lo "
        "me se ya pero muy hay está están porque cuenta qué cómo".split()
    ),
    "fr": frozenset(
        "le la les est et de des du que en mon ma mes vous votre pour avec ne pas une un "
        "je suis il elle ce cette mais très toujours depuis".split()
    ),
    "de": frozenset(
        "der die das ist und zu den dem mit nicht ein eine ich mein meine sie ihr für auf "
        "auch noch schon seit warum wie bei immer".split()
    ),
    "pt": frozenset(
        "o a os as é e de do da que em meu minha você para com não uma um eu mas muito "
        "ainda porque está conta já".split()
    ),
    "it": frozenset(
        "il lo la gli le è e di del della che in mio mia per con non una un io ma molto "
        "ancora perché sono questo".split()
    ),
}


def guess_language(tokens: list[str]) -> str | None:
    """The language whose stopwords ``tokens`` hit most, if the lead is clear."""
    counts = sorted(
        ((sum(t in words for t in tokens), lang) for lang, words in _STOPWORDS.items()),
        reverse=True,
    )
    (best, lang), (second, _) = counts[0], counts[1]
    if best >= 2 and best > second:
        return lang
    return None

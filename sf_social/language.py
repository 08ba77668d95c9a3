"""A small stopword language guesser, used only when the network gives no language.

It tells apart the languages below on ordinary sentences and answers ``None`` when the
text is too short or mixed to say (emoji-only, hashtags-only, a single word).
"""

from __future__ import annotations

UNDETERMINED = frozenset({"und", "zxx", "qme", "qht", "qam", "qct", "qst", "art"})
"""X's codes for "no linguistic content" (media, hashtags, emoji, ...)."""


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_STOPWORDS: dict[str, frozenset[str]] = {
    "en": _words(
        "and are been can't don't for has have how i'm in is it just me my not of our "
        "still that the they this to was we what when why with you your"
    ),
    "es": _words(
        "con cuenta cómo de del el en es está están hay la las lo los me mi mis muy no "
        "para pero por porque que qué se son su tu un una y ya"
    ),
    "fr": _words(
        "avec ce cette de depuis des du elle en est et il je la le les ma mais mes mon ne "
        "pas pour que suis toujours très un une votre vous"
    ),
    "de": _words(
        "auch auf bei das dem den der die ein eine für ich ihr immer ist mein meine mit "
        "nicht noch schon seit sie und warum wie zu"
    ),
    "pt": _words(
        "a ainda as com conta da de do e em está eu já mas meu minha muito não o os para "
        "porque que um uma você é"
    ),
    "it": _words(
        "ancora che con del della di e gli il in io la le lo ma mia mio molto non per "
        "perché questo sono un una è"
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

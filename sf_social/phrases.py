"""The playbook's phrase syntax: words matched after normalization, ``...`` a gap, ``word*``
a prefix (two letters at least), ``#tag`` a hashtag.

The playbook validates each phrase with :func:`parse_phrase` when it is loaded; the rule
engine (``sf_social.rules``) compiles the same parse.
"""

from __future__ import annotations

from sf_social.text import normalize


def parse_phrase(phrase: str) -> tuple[str | None, ...]:
    """A phrase as normalized words, ``None`` for each ``...`` gap."""
    words: list[str | None] = []
    for part in phrase.split():
        if part == "...":
            words.append(None)
            continue
        core = normalize(part.rstrip("*")).tokens
        if not core:
            raise ValueError(f"phrase {phrase!r}: {part!r} has nothing to match")
        pieces: list[str | None] = list(core.split(" "))
        if part.endswith("*"):
            if sum(c.isalpha() for c in core.split(" ")[-1]) < 2:
                raise ValueError(
                    f"phrase {phrase!r}: a prefix needs at least 2 letters (a number with *"
                    " would match every longer number, order numbers and amounts included:"
                    " write the number itself)"
                )
            pieces[-1] = f"{pieces[-1]}*"
        words.extend(pieces)
    if not words or words[0] is None or words[-1] is None:
        raise ValueError(f"phrase {phrase!r} must start and end with a word")
    return tuple(words)

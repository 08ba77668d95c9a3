"""Required literals of a regex: every match holds one, for the playbook's and tricky regexes."""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sf_social.playbook import load_playbook
from sf_social.regexliterals import anchored_at_start, required_literals
from sf_social.text import normalize

LABELLED = Path(__file__).parent / "data" / "labelled"

TRICKY = [
    r"\bwhy (?:is|was) (?:my|the)\b",
    r"(?:froze|frozen|cancel+ed) my\b",
    r"#\w{0,30}(?:fail|sucks)\b",
    r"\b\d+ ?(?:days|hrs?)\b",
    r"(?:ab|cd)+x?",
    r"[abc]at",
    r"[a-c]{2}",
    r"(?>atomic|group)s",
    r"x(?=ahead)",
    r"(?:a|b|)c",
    r"a*b+c?",
    r"^(?:@\S+ )*(?:please )?(?:add|allow)\b",
    r"(a)\1",
    r"n't (?:yet |even )?(?:arrived|got)",
]
NOTHING = [r".", r"\d+", r"(?i)abc", r"(?i:abc)", r"a?", r"(?:abc)*", r"[^a]", r"\w{2}", r"[a-z]"]


@cache
def playbook_regexes() -> tuple[str, ...]:
    playbook = load_playbook()
    rules = [*playbook.complaint.rules]
    for config in playbook.segments.values():
        rules += config.rules
    for escalation in playbook.escalation.rules:
        rules += escalation.rules
    return tuple(rule.regex for rule in rules if rule.regex is not None)


@cache
def corpus_texts() -> tuple[str, ...]:
    texts = []
    for path in sorted(LABELLED.glob("*.jsonl")):
        for line in path.open(encoding="utf-8"):
            texts.append(normalize(json.loads(line)["post"]["text"]).tokens)
    return tuple(texts)


def holds_one(pattern: str, text: str) -> bool:
    literals = required_literals(pattern)
    assert literals is not None and all(literals)
    return any(literal in text for literal in literals)


def test_the_playbook_regexes_have_literals() -> None:
    assert playbook_regexes()
    assert all(required_literals(pattern) for pattern in playbook_regexes())


def test_literals_of_examples() -> None:
    assert required_literals(r"\bwhy (?:is|was) my\b") == frozenset({"why "})
    assert required_literals(r"\b\d+ ?(?:days|hrs?)\b") == frozenset({"days", "hr"})
    assert required_literals(r"[abc]at") == frozenset({"at"})


@pytest.mark.parametrize("pattern", NOTHING)
def test_nothing_is_said_when_nothing_is_required(pattern: str) -> None:
    assert required_literals(pattern) is None


def test_every_corpus_match_holds_a_literal() -> None:
    for pattern in playbook_regexes() + tuple(TRICKY):
        compiled = re.compile(pattern)
        for text in corpus_texts():
            if compiled.search(text):
                assert holds_one(pattern, text), (pattern, text)


@settings(max_examples=300)
@given(st.data())
def test_every_generated_match_holds_a_literal(data: st.DataObject) -> None:
    pattern = data.draw(st.sampled_from(playbook_regexes() + tuple(TRICKY)))
    text = data.draw(st.from_regex(pattern))
    assert re.search(pattern, text)
    assert holds_one(pattern, text)


@pytest.mark.parametrize(
    ("pattern", "anchored"),
    [
        (r"^(?:@\S+ )*(?:please )?add\b", True),
        (r"\Aabc", True),
        (r"^a|^b", True),
        (r"^a|b", False),
        (r"(?m)^a", False),
        (r"(?m:^a)", False),
        (r"a^", False),
        (r"\bwhy ", False),
        (r"(", False),
    ],
)
def test_anchored_at_start(pattern: str, anchored: bool) -> None:
    assert anchored_at_start(pattern) is anchored


def test_an_anchored_match_is_what_search_finds() -> None:
    for pattern in [p for p in playbook_regexes() + tuple(TRICKY) if anchored_at_start(p)]:
        compiled = re.compile(pattern)
        for text in corpus_texts():
            searched, matched = compiled.search(text), compiled.match(text)
            assert (searched and searched.group()) == (matched and matched.group())

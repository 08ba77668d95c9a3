"""Playbook regexes whose matching time can explode are refused at load, with file:line."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from sf_social.errors import PlaybookError
from sf_social.playbook import default_playbook_path, load_playbook
from sf_social.regexcheck import CatastrophicPattern, check_regex

REFUSED = [
    r"\b(?:great|love)\b.*\b(?:outage|down)\b",  # the old sarcasm rule: 12.6 s on 100k chars
    r"a.+b",
    r"(?:x.*)y",
    r"(?:foo.*)+",
    r"(a+)+$",
    r"(\w+\s?)*$",
    r"\w+\d+",
    r"\s*\s+x",
]
ACCEPTED = [
    r"\b(?:great|love)\b.{0,120}\b(?:outage|down)\b",
    r"^(?:@\S+ )*(?:please )?(?:add|allow)\b",  # \S+ stops at the space
    r"crash\S*",
    r"trailing.*",
    r"\S+\s+",
    r"since (?:the |your |last |latest )*(?:update|upgrade)",
    r"\b\d+ ?(?:days|weeks)\b",
]


@pytest.mark.parametrize("pattern", REFUSED)
def test_dangerous_shapes_are_refused(pattern: str) -> None:
    with pytest.raises(CatastrophicPattern):
        check_regex(pattern)


@pytest.mark.parametrize("pattern", ACCEPTED)
def test_ordinary_patterns_pass(pattern: str) -> None:
    check_regex(pattern)


def test_every_bundled_playbook_passes() -> None:
    for file in sorted(default_playbook_path().parent.glob("*.yaml")):
        load_playbook(file)


def test_a_refused_rule_names_its_file_and_line(tmp_path: Path) -> None:
    text = default_playbook_path().read_text(encoding="utf-8")
    bounded = r"\b(?:great|love|thanks|awesome|wonderful|perfect|fantastic)\b.{0,120}\b"
    assert bounded in text
    hostile = text.replace(bounded, bounded.replace(".{0,120}", ".*"))
    file = tmp_path / "playbook.yaml"
    file.write_text(hostile, encoding="utf-8")
    line = next(n for n, ln in enumerate(hostile.splitlines(), 1) if r"\b.*\b" in ln)
    with pytest.raises(PlaybookError) as caught:
        load_playbook(file)
    message = str(caught.value)
    assert f"{file}:{line}: complaint.rules." in message
    assert "'.*' or '.+' followed by more pattern" in message
    assert "'.{0,120}'" in message


def test_the_bounded_sarcasm_rule_is_linear() -> None:
    """The default rule that replaced the refused one: ~10x the time for 10x the text."""
    [rule] = [
        r
        for r in re.findall(r"regex: '([^']*)'", default_playbook_path().read_text())
        if ".{0," in r
    ][:1]
    pattern = re.compile(rule)

    def cost(n: int) -> float:
        text = "great " * (n // 6)
        start = time.perf_counter()
        pattern.search(text)
        return time.perf_counter() - start

    assert cost(100_000) < 1.0

"""YAML reading: lines for every key, duplicates refused, alias bombs refused unbuilt."""

from __future__ import annotations

from pathlib import Path

import pytest

from sf_social.errors import PlaybookError
from sf_social.playbook import load_playbook
from sf_social.yamltext import MAX_VALUES, YamlError, load_yaml


def alias_bomb(levels: int) -> str:
    """Each level lists the previous one nine times: 9**levels values in ~50 bytes a level."""
    lines = ['l0: &l0 ["x","x","x","x","x","x","x","x","x"]']
    for level in range(1, levels + 1):
        lines.append(f"l{level}: &l{level} [{','.join([f'*l{level - 1}'] * 9)}]")
    return "\n".join(lines) + "\n"


def test_an_alias_bomb_is_refused_before_anything_is_built() -> None:
    text = alias_bomb(9)  # ~400 bytes, 9**9 = 387 million values once expanded
    assert len(text) < 500
    with pytest.raises(YamlError, match=f"more than {MAX_VALUES:,} values through its aliases"):
        load_yaml(text, "bomb.yaml")


def test_ordinary_aliases_still_work() -> None:
    data, lines = load_yaml(alias_bomb(2), "small.yaml")  # 81 values: fine
    assert data["l2"] == [[["x"] * 9] * 9] * 9
    assert lines[("l2",)] == 3


def test_a_playbook_alias_bomb_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "playbook.yaml"
    path.write_text(alias_bomb(8), encoding="utf-8")
    with pytest.raises(PlaybookError, match=r"playbook\.yaml:1: the document expands"):
        load_playbook(path)


def test_duplicate_keys_are_named_with_their_line() -> None:
    with pytest.raises(YamlError, match=r"dup\.yaml:3: a: duplicate key"):
        load_yaml("a: 1\nb: 2\na: 3\n", "dup.yaml")

"""Editing a copy of the metadata files in tests, and the documented Metadata API answers."""

from __future__ import annotations

from pathlib import Path

DATA = Path(__file__).parents[1] / "data" / "mdapi"
"""Metadata API answers as Salesforce documents them (``tests/data/mdapi``)."""


def fixture(name: str) -> str:
    """The text of one documented answer."""
    return (DATA / name).read_text(encoding="utf-8")


def edit(root: Path, name: str, old: str, new: str) -> Path:
    """Replace the first ``old`` by ``new`` in ``root/name``; fails if ``old`` is absent."""
    path = root / name
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path

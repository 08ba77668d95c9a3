"""Shared pytest hooks."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Show the corpus evaluation tables (tests/test_corpus.py) after the run."""
    corpus = sys.modules.get("tests.test_corpus")
    for name, table in getattr(corpus, "REPORTS", {}).items():
        terminalreporter.write_sep("-", f"classifier on {name}")
        terminalreporter.write_line(table)


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny Suggestion-vs-None model of ``tests/tiny_model.py``, trained once."""
    from tests.tiny_model import train_tiny_model

    return train_tiny_model(tmp_path_factory.mktemp("model") / "tiny.npz")

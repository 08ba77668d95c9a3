"""Shared pytest hooks."""

from __future__ import annotations

import sys

import pytest


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Show the corpus evaluation tables (tests/test_corpus.py) after the run."""
    corpus = sys.modules.get("tests.test_corpus")
    for name, table in getattr(corpus, "REPORTS", {}).items():
        terminalreporter.write_sep("-", f"classifier on {name}")
        terminalreporter.write_line(table)

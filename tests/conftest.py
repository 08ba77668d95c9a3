"""Shared pytest hooks."""

from __future__ import annotations

import pytest


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Show the corpus evaluation tables (tests/test_corpus.py) after the run."""
    from tests.test_corpus import REPORTS

    for name, table in REPORTS.items():
        terminalreporter.write_sep("-", f"classifier on {name}")
        terminalreporter.write_line(table)

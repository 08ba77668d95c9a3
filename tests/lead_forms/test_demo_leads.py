"""``sf-social demo``'s lead forms part (run 5): one Lead and two Tasks for one person on
two networks, a repeated notification writing nothing, a lost one found by reconcile."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_the_demo_shows_the_lead_forms_part() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "sf_social", "demo"],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    run5 = done.stdout.split("run 5: lead forms", 1)[1]
    assert "Jane on LinkedIn and on Facebook: 1 Lead, 2 Tasks; 1 LinkedIn test lead skipped" in run5
    assert "her notifications again: nothing new, 0 API calls" in run5
    assert "reconcile: 1 response the webhooks never delivered found and written (Max)" in run5
    assert "LEAD FORMS" not in run5

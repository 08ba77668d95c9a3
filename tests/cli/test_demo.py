"""``sf-social demo``: the real pipeline into the local org over HTTPS, run three times, then
a complaint answered from Salesforce."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_scripts_demo_lands_records_and_duplicates_nothing() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "sf_social", "demo"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    assert "(HTTPS on loopback)" in out
    runs = re.findall(r"pulled=(\d+) rejected=0 new=(\d+) planned=(\d+) written=(\d+)", out)
    assert runs == [("20", "20", "18", "18"), ("20", "0", "0", "0"), ("20", "20", "18", "18")]
    calls = [int(n) for n in re.findall(r"API calls used: (\d+)", out)]
    assert calls[0] > 0 and calls[1] == 0 and calls[2] > 0
    totals = re.search(r"total\s+(\d+)\s+(\d+)\s+(\d+)", out)
    assert totals is not None
    cases, leads, tasks = map(int, totals.groups())
    assert (cases, leads, tasks) == (11, 3, 18)
    assert f"records: {cases} Cases, {leads} Leads, {tasks} Tasks (unchanged)" in out
    assert "Technical Support (Social_Technical_Support)" in out
    assert "nothing duplicated" in out
    # run 4: a complaint's Case, its approved reply posted once on the local X, timed
    assert "reply needs an approver" in out  # a complaint: the playbook keeps approval
    assert "the reply job posts it: Sent, https://x.com/i/status/" in out
    assert "(1 sent; a second pass: 0 sent)" in out
    assert "1 outbound Task (the same one), first response after 7 minutes" in out

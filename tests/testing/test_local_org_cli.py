"""``sf-social local-org`` runs the org standalone, prints how to reach it, stops on Ctrl-C."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import requests

from sf_social.cli.local_org import banner
from sf_social.testing import LocalOrg


def test_banner_lists_the_exports() -> None:
    org = LocalOrg()
    env = {"SF_INSTANCE_URL": "https://127.0.0.1:1", "SF_ACCESS_TOKEN": "00D!x y",
           "REQUESTS_CA_BUNDLE": "/tmp/ca.pem"}  # fmt: skip
    text = banner(org, env)
    assert "export SF_INSTANCE_URL=https://127.0.0.1:1" in text.splitlines()
    assert "export SF_ACCESS_TOKEN='00D!x y'" in text.splitlines(), "shell-quoted"
    assert "export REQUESTS_CA_BUNDLE=/tmp/ca.pem" in text.splitlines()


def test_runs_until_interrupted() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "sf_social", "local-org", "--queue", "Technical_Support"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert process.stdout is not None
        exports: dict[str, str] = {}
        deadline = time.monotonic() + 30
        while len(exports) < 3 and time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line:
                break
            if line.startswith("export "):
                name, _, value = line[7:].strip().partition("=")
                exports[name] = value.strip("'")
        assert set(exports) == {"SF_INSTANCE_URL", "SF_ACCESS_TOKEN", "REQUESTS_CA_BUNDLE"}
        response = requests.get(
            exports["SF_INSTANCE_URL"] + "/services/data/v62.0/query",
            params={"q": "SELECT DeveloperName FROM Group WHERE Type = 'Queue'"},
            headers={"Authorization": f"Bearer {exports['SF_ACCESS_TOKEN']}"},
            verify=exports["REQUESTS_CA_BUNDLE"],
            timeout=5,
        )
        assert response.json()["records"][0]["DeveloperName"] == "Technical_Support"
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=30) == 0
        assert "stopped after 1 API call(s)" in process.stdout.read()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()

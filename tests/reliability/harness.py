"""Run the driver as a real process against a local org served over HTTPS on loopback.

``SF_SOCIAL_DRIVER_PATH`` (a folder) is put on the driver's ``PYTHONPATH`` after the
repository: a ``sitecustomize.py`` there can break the engine in the child processes only,
to show that a test fails when the behaviour it guards is broken.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sf_social.testing import LocalOrg, LocalOrgServer
from tests.reliability.feed import GeneratedFeed
from tests.reliability.orgs import WriteLog, new_org

ROOT = Path(__file__).resolve().parents[2]
DRIVER = ("-m", "tests.reliability.driver")
RUN_TIMEOUT = 90.0
"""No single driver process may take longer (the driver's own deadline is shorter)."""


@dataclass
class Result:
    """How one driver process ended and what it printed."""

    returncode: int
    stdout: str
    stderr: str
    seconds: float
    killed: bool = False

    @property
    def lines(self) -> list[dict[str, Any]]:
        found = []
        for line in self.stdout.splitlines():
            try:
                item = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(item, dict):
                found.append(item)
        return found

    @property
    def final(self) -> dict[str, Any]:
        done = [line for line in self.lines if "done" in line]
        return done[-1] if done else {}

    def describe(self) -> str:
        tail = "\n".join(self.stderr.strip().splitlines()[-40:])
        return (
            f"exit {self.returncode} after {self.seconds:.1f} s"
            f"{' (killed)' if self.killed else ''}\nstdout:\n{self.stdout[-2000:]}\n"
            f"stderr (tail):\n{tail}"
        )


@dataclass
class Rig:
    """A served org, its write log, a state database and the feed file."""

    org: LocalOrg
    log: WriteLog
    server: LocalOrgServer
    db_url: str
    feed_path: Path
    schema: str | None = None
    results: list[Result] = field(default_factory=list)

    def env(self, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("SF_", "REQUESTS_CA_BUNDLE", "DRIVER_", "PYTHONPATH"))
        }
        env.update(self.server.env())
        env["SF_SOCIAL_DB"] = self.db_url
        env["SF_TIMEOUT"] = "2"
        env["PYTHONPATH"] = os.pathsep.join(
            [str(ROOT), *filter(None, [os.environ.get("SF_SOCIAL_DRIVER_PATH")])]
        )
        env.update(extra or {})
        return env

    def command(self, args: Sequence[str]) -> list[str]:
        schema = ["--schema", self.schema] if self.schema else []
        return [sys.executable, *DRIVER, str(self.feed_path), *schema, *args]

    def start(
        self, args: Sequence[str] = (), env: Mapping[str, str] | None = None
    ) -> subprocess.Popen[str]:
        return subprocess.Popen(
            self.command(args),
            cwd=ROOT,
            env=self.env(env),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def run(
        self,
        args: Sequence[str] = (),
        env: Mapping[str, str] | None = None,
        timeout: float = RUN_TIMEOUT,
        kill_after: float | None = None,
        kill_when: Callable[[], bool] | None = None,
    ) -> Result:
        """One driver process to its end, or SIGKILLed after ``kill_after`` seconds or as
        soon as ``kill_when()`` holds (checked every 5 ms)."""
        started = time.monotonic()
        process = self.start(args, env)
        killed = False
        try:
            if kill_after is not None:
                try:
                    process.wait(timeout=kill_after)
                except subprocess.TimeoutExpired:
                    process.send_signal(signal.SIGKILL)
                    killed = True
            elif kill_when is not None:
                while process.poll() is None and time.monotonic() - started < timeout:
                    if kill_when():
                        process.send_signal(signal.SIGKILL)
                        killed = True
                        break
                    time.sleep(0.005)
            stdout, stderr = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            stdout, stderr = process.communicate(timeout=10)
            result = Result(-9, stdout, stderr, time.monotonic() - started, killed=True)
            raise AssertionError(f"driver hung past {timeout} s:\n{result.describe()}") from None
        result = Result(process.returncode, stdout, stderr, time.monotonic() - started, killed)
        self.results.append(result)
        return result

    def complete(self, args: Sequence[str] = (), runs: int = 3) -> Result:
        """Run (no crash variables) until a run ends with nothing pending."""
        for _ in range(runs):
            result = self.run(args)
            if result.returncode == 0 and result.final.get("done"):
                return result
        raise AssertionError(f"no complete run in {runs}:\n{result.describe()}")


@contextmanager
def rig(
    feed: GeneratedFeed,
    feed_path: Path,
    db_url: str,
    *,
    schema: str | None = None,
    seed: int = 0,
    latency: float = 0.0,
) -> Iterator[Rig]:
    """A fresh org (queues, the feed's Contacts) served over HTTPS for the block.

    ``latency`` seconds are added to every answer, as a real org's network would.
    """
    org, log = new_org(feed, seed=seed)
    org.faults.latency = latency
    with org.serve() as server:
        yield Rig(org, log, server, db_url, feed_path, schema)

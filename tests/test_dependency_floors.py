"""CI runs the source and Salesforce tests on the oldest versions setup.cfg allows.

``.ci/oldest.txt`` pins each dependency to its floor; this keeps the two in step, so raising
a floor (tweepy's ``TooManyRequests.reset_time`` is 4.17+, simple-salesforce's
``auth_message`` 1.12.8+) is a change the constraints file makes too.
"""

from __future__ import annotations

import configparser
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FLOOR = re.compile(r"^([A-Za-z0-9_.-]+)(?:\[[^\]]*\])?\s*>=\s*([0-9][0-9.]*)")


def _name(text: str) -> str:
    return re.sub(r"[-_.]+", "-", text).lower()


def _version(text: str) -> tuple[int, ...]:
    parts = [int(p) for p in text.split(".")]
    while parts and parts[-1] == 0:
        parts.pop()
    return tuple(parts)


def test_the_constraints_file_pins_every_floor_of_setup_cfg() -> None:
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg", encoding="utf-8")
    floors: dict[str, str] = {}
    for line in config["options"]["install_requires"].strip().splitlines():
        match = FLOOR.match(line.strip())
        assert match, f"setup.cfg: {line.strip()!r} has no '>=' floor to test against"
        floors[_name(match[1])] = match[2]
    pins: dict[str, str] = {}
    for line in (ROOT / ".ci" / "oldest.txt").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, version = line.partition("==")
            pins[_name(name)] = version.strip()
    assert pins.keys() == floors.keys()
    for name, floor in floors.items():
        assert _version(pins[name]) == _version(floor), f"{name}: pin {pins[name]}, floor {floor}"

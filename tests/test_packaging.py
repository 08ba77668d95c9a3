"""A non-editable install must still find the default playbook, metadata and sample feed."""

from __future__ import annotations

import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_wheel_install_finds_bundled_files(tmp_path: Path) -> None:
    source = tmp_path / "source"  # setuptools writes build/ and *.egg-info beside setup.py
    shutil.copytree(
        ROOT,
        source,
        ignore=shutil.ignore_patterns(
            ".venv", ".git", "build", "*.egg-info", "__pycache__", "tests"
        ),
    )
    wheels = tmp_path / "wheels"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(wheels),
            str(source),  # the private copy: a stale build/ in the work tree cannot leak in
        ],
        check=True,
        capture_output=True,
    )
    (wheel,) = wheels.glob("sf_social-*.whl")
    env_dir = tmp_path / "venv"
    venv.create(env_dir, system_site_packages=False, with_pip=False)
    python = env_dir / "bin" / "python"
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", site, str(wheel)],
        check=True,
        capture_output=True,
    )
    # The dependencies come from this environment, appended after the fresh site-packages.
    deps = next(p for p in sys.path if p.endswith("site-packages"))
    (Path(site) / "deps.pth").write_text(deps + "\n", encoding="utf-8")
    probe = (
        "import sf_social.bundled as b, sf_social.playbook as p, pathlib;"
        "print(b.__file__);"
        "print(p.load_playbook().brand.name);"
        "print(sorted(x.name for x in b.bundled_path('metadata').iterdir()));"
        "from sf_social.cli.demo import SAMPLE_FEED; print(SAMPLE_FEED.is_file())"
    )
    result = subprocess.run(
        [str(python), "-c", probe], cwd=tmp_path, check=True, capture_output=True, text=True
    )
    module_file, brand, metadata, sample = result.stdout.splitlines()
    assert module_file.startswith(site), "imported the source tree, not the installed wheel"
    assert brand == "Northwind Bank"
    assert "objects" in metadata
    assert sample == "True"

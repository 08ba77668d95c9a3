"""deploy/: the systemd unit, the Dockerfile and the compose file, as the README shows them.

``systemd-analyze verify`` checks the unit where systemd is installed; the image is built
and the compose file run where a container engine answers. Elsewhere those tests are
skipped, saying why.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from sf_social.cli.main import cli

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _compose() -> dict[str, Any]:
    data = yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def test_the_readme_shows_the_unit_and_the_compose_file_as_they_are() -> None:
    unit = (DEPLOY / "sf-social.service").read_text(encoding="utf-8")
    compose = (DEPLOY / "compose.yaml").read_text(encoding="utf-8")
    assert f"```ini\n{unit}```" in README
    assert f"```yaml\n{compose}```" in README
    assert "docker build -f deploy/Dockerfile -t sf-social ." in README


def test_the_unit_has_no_inline_comments_and_does_not_restart_on_exit_2() -> None:
    lines = (DEPLOY / "sf-social.service").read_text(encoding="utf-8").splitlines()
    settings = [line for line in lines if line and not line.startswith(("#", ";", "["))]
    assert all("#" not in line for line in settings), "systemd reads an inline # as the value"
    assert "RestartPreventExitStatus=2" in settings
    assert "Restart=on-failure" in settings


def test_systemd_analyze_verify_accepts_the_unit(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed here: the unit file was not verified")
    executable = Path(sys.executable).with_name("sf-social")
    assert executable.exists(), executable
    unit = (DEPLOY / "sf-social.service").read_text(encoding="utf-8")
    assert "/opt/sf-social/bin/sf-social " in unit
    checked = tmp_path / "sf-social.service"  # ExecStart must name an executable here
    checked.write_text(unit.replace("/opt/sf-social/bin/sf-social", str(executable)))
    result = subprocess.run(
        [analyze, "verify", str(checked)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0 and not result.stderr.strip(), result.stderr


def test_the_compose_file_runs_the_daemon_the_receiver_and_postgresql() -> None:
    compose = _compose()
    services = compose["services"]
    assert set(services) == {"db", "daemon", "webhook"}
    assert services["db"]["image"].startswith("postgres:")
    build = services["daemon"]["build"]
    assert (DEPLOY / build["context"] / build["dockerfile"]).resolve() == DEPLOY / "Dockerfile"
    assert services["daemon"]["depends_on"]["db"]["condition"] == "service_healthy"
    assert services["daemon"]["environment"]["SF_SOCIAL_DB"].startswith("postgresql+psycopg://")
    assert (DEPLOY / "sf-social.toml").exists() and (DEPLOY / "sf-social.env.example").exists()
    for name in ("daemon", "webhook"):  # each command is one sf-social understands
        args = [*services[name]["command"], "--help"]
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 0, (name, result.output)
    assert services["daemon"]["command"][:3] == [
        "daemon",
        "--config",
        "/etc/sf-social/sf-social.toml",
    ]


def test_the_compose_config_file_is_valid(monkeypatch: pytest.MonkeyPatch) -> None:
    env = {
        "SF_USERNAME": "integration@example.com",
        "SF_CONSUMER_KEY": "key",
        "SF_PRIVATE_KEY_FILE": str(DEPLOY / "sf-social.service"),  # any readable file
        "SF_SOCIAL_DB": "postgresql+psycopg://sf_social:pw@db/sf_social",
        "FB_APP_SECRET": "secret",
        "FB_VERIFY_TOKEN": "token",
    }
    result = CliRunner().invoke(
        cli, ["config", "--config", str(DEPLOY / "sf-social.toml")], env=env
    )
    assert result.exit_code == 0, result.output
    assert '"type": "facebook_webhooks"' in result.output


def _engine() -> str:
    docker = shutil.which("docker") or shutil.which("podman")
    if docker is None:
        pytest.skip("no docker or podman here: the image was not built, compose not run")
    info = subprocess.run([docker, "info"], capture_output=True, text=True, timeout=60)
    if info.returncode != 0:
        pytest.skip(
            f"{docker} is only a client here, no container engine answers: the image was"
            " not built, compose not run"
        )
    return docker


@pytest.mark.slow
def test_the_image_builds_and_compose_serves_the_webhook_with_postgresql(
    tmp_path: Path,
) -> None:
    docker = _engine()
    compose = subprocess.run([docker, "compose", "version"], capture_output=True, timeout=60)
    if compose.returncode != 0:
        pytest.skip(f"{docker} has no compose: the compose file was not run")
    tag = f"sf-social-test:{uuid.uuid4().hex[:8]}"
    subprocess.run(
        [docker, "build", "-f", "deploy/Dockerfile", "-t", tag, "."],
        cwd=ROOT,
        check=True,
        timeout=1800,
    )
    version = subprocess.run(
        [docker, "run", "--rm", tag, "--version"], capture_output=True, text=True, timeout=120
    )
    assert version.returncode == 0 and "version" in version.stdout, version.stderr

    folder = tmp_path / "deploy"
    shutil.copytree(DEPLOY, folder)
    (folder / "sf-social.env").write_text(
        "SF_INSTANCE_URL=https://example.my.salesforce.com\nSF_ACCESS_TOKEN=00D!x\n"
        "FB_APP_SECRET=secret\nFB_VERIFY_TOKEN=token\n",
        encoding="utf-8",
    )
    (folder / "server.key").write_text("not used with an access token\n", encoding="utf-8")
    text = (folder / "compose.yaml").read_text(encoding="utf-8")
    text = text.replace("image: sf-social:latest", f"image: {tag}")
    text = text.replace('"8080:8080"', '"127.0.0.1:18080:8080"')
    text = text.replace('"127.0.0.1:9464:9464"', '"127.0.0.1:19464:9464"')
    (folder / "compose.yaml").write_text(text, encoding="utf-8")
    project = f"sfs{uuid.uuid4().hex[:8]}"
    run = [docker, "compose", "-p", project, "-f", str(folder / "compose.yaml")]
    env = {**os.environ, "POSTGRES_PASSWORD": "test-password"}
    try:
        subprocess.run([*run, "up", "-d", "--no-build", "db", "webhook"], env=env, check=True)
        url = "http://127.0.0.1:18080/?hub.mode=subscribe&hub.verify_token=token&hub.challenge=42"
        deadline = time.monotonic() + 120
        answer = None
        while answer is None and time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(url, timeout=5) as response:
                    answer = response.read().decode()
            except OSError:
                time.sleep(1)
        assert answer == "42", "the receiver answers Meta's verification challenge"
        ready = subprocess.run(
            [*run, "exec", "-T", "db", "pg_isready", "-U", "sf_social"], env=env, timeout=60
        )
        assert ready.returncode == 0
    finally:
        subprocess.run([*run, "down", "-v"], env=env, timeout=300)
        subprocess.run([docker, "rmi", "-f", tag], capture_output=True, timeout=120)

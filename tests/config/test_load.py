"""Configuration: file + environment (env wins), defaults, errors with file:line or variable."""

from __future__ import annotations

import logging
import os
from datetime import timedelta
from pathlib import Path

import pytest

from sf_social.config import DEFAULT_DB, JsonlSourceConfig, LogFormat, SourceContext, load_config
from sf_social.config.durations import format_duration, parse_duration
from sf_social.errors import ConfigError
from sf_social.playbook import load_playbook
from sf_social.sync.runtime import push_policy

FILE = """\
playbook = "playbooks/ours.yaml"
model = "models/ours.npz"

[state]
url = "sqlite:////var/lib/sf-social/state.db"

[salesforce]
instance_url = "https://acme.my.salesforce.com"
domain = "test"

[push]
interval = "20s"
batch_size = 150
backoff_base = "1m"

[daemon]
poll_interval = "2m"
log_format = "json"

[metrics]
file = "metrics/sf_social.prom"
port = 9464

[[sources]]
type = "jsonl"
path = "feeds/support.jsonl"
batch_size = 250
poll_interval = "30s"

[[sources]]
type = "jsonl"
name = "export"
path = "/data/export.jsonl"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sf-social.toml"
    path.write_text(text, encoding="utf-8")
    path.chmod(0o600)
    return path


def test_no_file_and_no_environment_is_every_default() -> None:
    config = load_config(None, {})
    assert config.db_url == DEFAULT_DB and config.playbook is None and config.sources == []
    assert config.model is None  # rules only
    assert config.push.interval == timedelta(seconds=15) and config.push.batch_size == 1_000
    assert config.daemon.shutdown_timeout == timedelta(seconds=30)
    assert config.metrics.file is None and config.metrics.port is None
    assert config.max_pass_age() == timedelta(minutes=5)
    with pytest.raises(ConfigError, match="SF_INSTANCE_URL \\+ SF_ACCESS_TOKEN"):
        config.salesforce.auth_mode  # noqa: B018


def test_the_brief_s_one_liner_needs_no_file() -> None:
    env = {
        "SF_INSTANCE_URL": "https://acme.my.salesforce.com",
        "SF_ACCESS_TOKEN": "00Dxx!secret-token",
        "SF_SOCIAL_DB": "sqlite:///state.db",
    }
    config = load_config(None, env)
    assert config.db_url == "sqlite:///state.db"
    assert config.salesforce.auth_mode.value == "access_token"


def test_the_file_is_read_and_relative_paths_follow_it(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, FILE), {})
    assert config.config_file == tmp_path / "sf-social.toml"
    assert config.playbook == tmp_path / "playbooks/ours.yaml"
    assert config.model == tmp_path / "models/ours.npz"
    assert config.describe()["model"] == str(tmp_path / "models/ours.npz")
    assert config.db_url == "sqlite:////var/lib/sf-social/state.db"
    assert config.salesforce.domain == "test"
    assert config.push.interval == timedelta(seconds=20) and config.push.batch_size == 150
    assert push_policy(config.push).backoff_base == timedelta(minutes=1)
    assert config.daemon.log_format is LogFormat.JSON
    assert config.metrics.file == tmp_path / "metrics/sf_social.prom"
    first, second = config.sources
    assert isinstance(first, JsonlSourceConfig) and isinstance(second, JsonlSourceConfig)
    assert first.path == tmp_path / "feeds/support.jsonl" and first.batch_size == 250
    assert first.source_name == f"jsonl:{tmp_path / 'feeds/support.jsonl'}"
    assert first.interval(config.daemon.poll_interval) == timedelta(seconds=30)
    assert second.source_name == "export"
    assert second.interval(config.daemon.poll_interval) == timedelta(minutes=2)
    assert config.max_pass_age() == timedelta(minutes=6)  # three of the longest interval
    assert second.build(SourceContext(load_playbook())).name == "export"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("sqlite:///state/sf.db", "sqlite:///{tmp}/state/sf.db"),
        ("sqlite:///sf.db?timeout=5", "sqlite:///{tmp}/sf.db?timeout=5"),
        ("sqlite:////var/lib/sf.db", "sqlite:////var/lib/sf.db"),
        ("sqlite:///:memory:", "sqlite:///:memory:"),
        ("postgresql+psycopg://u@db/sf", "postgresql+psycopg://u@db/sf"),
    ],
)
def test_a_relative_state_file_follows_the_config_file(
    tmp_path: Path, url: str, expected: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Like every other path in the file, not the working directory of the command."""
    monkeypatch.chdir("/")
    path = tmp_path / "sf-social.toml"
    path.write_text(f'[state]\nurl = "{url}"\n', encoding="utf-8")
    assert load_config(path, {}).db_url == expected.format(tmp=tmp_path)
    # a relative SF_SOCIAL_DB stays relative to the working directory, as a variable should
    assert load_config(path, {"SF_SOCIAL_DB": "sqlite:///x.db"}).db_url == "sqlite:///x.db"


def test_environment_wins_over_the_file(tmp_path: Path) -> None:
    env = {
        "SF_SOCIAL_DB": "sqlite:///other.db",
        "SF_DOMAIN": "login",
        "SF_SOCIAL_PUSH_BATCH_SIZE": "50",
        "SF_SOCIAL_LOG_FORMAT": "text",
        "SF_SOCIAL_FEEDS": os.pathsep.join(["a.jsonl", "/tmp/b.jsonl"]),
        "SF_SOCIAL_PLAYBOOK": "",  # empty: not set
        "SF_SOCIAL_MODEL": "/srv/models/newer.npz",
    }
    config = load_config(write(tmp_path, FILE), env)
    assert config.db_url == "sqlite:///other.db"
    assert config.salesforce.domain == "login"
    assert config.salesforce.instance_url == "https://acme.my.salesforce.com"  # from the file
    assert config.push.batch_size == 50 and config.push.interval == timedelta(seconds=20)
    assert config.daemon.log_format is LogFormat.TEXT
    assert config.playbook == tmp_path / "playbooks/ours.yaml"
    assert config.model == Path("/srv/models/newer.npz")
    assert [s.source_name for s in config.sources] == [
        f"jsonl:{Path('a.jsonl').resolve()}",
        "jsonl:/tmp/b.jsonl",
    ]


def test_sf_social_config_names_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, "[push]\nbatch_size = 7\n")
    assert load_config(None, {"SF_SOCIAL_CONFIG": str(path)}).push.batch_size == 7


def test_every_problem_is_reported_with_its_line_or_variable(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '[push]\nbatch_size = 0\ninterval = "soon"\ncolour = "blue"\n\n'
        '[salesforce]\ninstance_url = "http://acme.example"\n\n'
        '[[sources]]\ntype = "jsonl"\npath = "a.jsonl"\n\n'
        '[[sources]]\ntype = "x"\nmonthly_read_budget = 0\n\n[[sources]]\ntype = "jsonl"\n',
    )
    with pytest.raises(ConfigError) as caught:
        load_config(path, {"SF_SOCIAL_SHUTDOWN_TIMEOUT": "-5", "SF_SOCIAL_METRICS_PORT": "http"})
    message = str(caught.value)
    assert f"{path}:2: push.batch_size: Input should be greater than or equal to 1" in message
    assert f"{path}:3: push.interval: not a duration: 'soon'" in message
    assert f"{path}:4: push.colour: unknown key" in message
    assert f"{path}:7: salesforce.instance_url: must start with https://" in message
    assert f"{path}:15: sources[1].monthly_read_budget: Input should be greater" in message
    assert f"{path}:17: sources[2].path: Field required" in message
    assert "SF_SOCIAL_SHUTDOWN_TIMEOUT: daemon.shutdown_timeout: must be a positive" in message
    assert "SF_SOCIAL_METRICS_PORT: metrics.port: Input should be a valid integer" in message
    assert "8 problem(s)" in message


YAML_FILE = """\
playbook: playbooks/ours.yaml
model: models/ours.npz
state:
  url: sqlite:////var/lib/sf-social/state.db
push:
  interval: 20s
  batch_size: 150
sources:
  - type: jsonl
    path: feeds/support.jsonl
    poll_interval: 30s
  - type: jsonl
    name: export
    path: /data/export.jsonl
"""


def test_a_yaml_file_reads_as_the_toml_one(tmp_path: Path) -> None:
    path = tmp_path / "sf-social.yaml"
    path.write_text(YAML_FILE, encoding="utf-8")
    config = load_config(path, {"SF_SOCIAL_PUSH_BATCH_SIZE": "50"})
    assert config.playbook == tmp_path / "playbooks/ours.yaml"
    assert config.model == tmp_path / "models/ours.npz"
    assert config.db_url == "sqlite:////var/lib/sf-social/state.db"
    assert config.push.interval == timedelta(seconds=20) and config.push.batch_size == 50
    first, second = config.sources
    assert isinstance(first, JsonlSourceConfig) and first.path == tmp_path / "feeds/support.jsonl"
    assert second.source_name == "export"


def test_yaml_problems_name_their_line(tmp_path: Path) -> None:
    path = tmp_path / "sf-social.yml"
    path.write_text(
        "push:\n  batch_size: 0\n  colour: blue\nsources:\n  - type: jsonl\n", encoding="utf-8"
    )
    with pytest.raises(ConfigError) as caught:
        load_config(path, {})
    message = str(caught.value)
    assert f"{path}:2: push.batch_size: Input should be greater than or equal to 1" in message
    assert f"{path}:3: push.colour: unknown key" in message
    assert f"{path}:5: sources[0].path: Field required" in message
    path.write_text("push:\n  interval: 1m\n  interval: 2m\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"sf-social.yml:3: push.interval: duplicate key"):
        load_config(path, {})
    path.write_text("push: [unclosed\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"sf-social.yml:2: YAML syntax"):
        load_config(path, {})


def test_two_sources_with_one_name_are_refused(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '[[sources]]\ntype = "jsonl"\npath = "a.jsonl"\nname = "feed"\n'
        '[[sources]]\ntype = "jsonl"\npath = "b.jsonl"\nname = "feed"\n',
    )
    with pytest.raises(ConfigError, match=r":8: sources\[1\]\.name: source name 'feed'"):
        load_config(path, {})


def test_broken_toml_and_a_missing_file_say_where(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"sf-social.toml: not valid TOML: .*line 2"):
        load_config(write(tmp_path, "[push]\nbatch_size = = 1\n"), {})
    with pytest.raises(ConfigError, match="cannot read the config file"):
        load_config(tmp_path / "nope.toml", {})


def test_secrets_never_show(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = write(
        tmp_path,
        '[salesforce]\ninstance_url = "https://acme.my.salesforce.com"\n'
        'access_token = "00Dxx!FILE-SECRET"\ntimeout = -1\n',
    )
    path.chmod(0o644)
    with caplog.at_level(logging.WARNING), pytest.raises(ConfigError) as caught:
        load_config(path, {"SF_SOCIAL_DB": "postgresql+psycopg://u:DBPASS@h/db"})
    assert "FILE-SECRET" not in str(caught.value)
    assert "readable by other users" in caplog.text and "FILE-SECRET" not in caplog.text
    path.write_text(path.read_text().replace("timeout = -1\n", ""))
    config = load_config(path, {"SF_SOCIAL_DB": "postgresql+psycopg://u:DBPASS@h/db"})
    shown = str(config.describe()) + repr(config)
    assert "FILE-SECRET" not in shown and "DBPASS" not in shown
    assert config.describe()["salesforce"]["access_token"] == "***"


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        (90, 90),
        ("90", 90),
        ("90s", 90),
        ("5m", 300),
        ("1h30m", 5400),
        ("500ms", 0.5),
        ("2d", 172800),
    ],
)
def test_durations(text: object, seconds: float) -> None:
    assert parse_duration(text) == timedelta(seconds=seconds)


def test_bad_durations_and_the_short_form() -> None:
    with pytest.raises(ValueError, match="not a duration"):
        parse_duration("soon")
    assert format_duration(timedelta(seconds=3725)) == "1h 02m"
    assert format_duration(timedelta(seconds=75)) == "1m 15s"
    assert format_duration(2.5) == "2.5s"


def test_the_readme_example_is_a_valid_config(tmp_path: Path) -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    ops = readme[readme.index("## Tour for ops") :]
    example = ops[
        ops.index("```toml") + len("```toml") : ops.index("```", ops.index("```toml") + 7)
    ]
    config = load_config(write(tmp_path, example), {})
    assert config.metrics.port == 9464 and config.daemon.log_format is LogFormat.JSON
    assert [s.source_name for s in config.sources] == ["support-export"]

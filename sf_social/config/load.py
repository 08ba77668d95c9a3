"""Loading the configuration: one optional file, then environment variables on top.

The file is TOML, or YAML when its name ends in ``.yaml`` / ``.yml`` (the same sections
and keys; ``sources`` a list of mappings).

The file is ``--config PATH`` or ``$SF_SOCIAL_CONFIG``; without one, defaults and the
environment make the whole configuration. An environment variable always wins over the
file. Relative paths in the file are relative to the file's folder. Every problem is
reported at once, each with where it came from: ``file:line: section.key: what is wrong``
or ``VARIABLE: what is wrong``; secrets never appear in a message.
"""

from __future__ import annotations

import logging
import os
import stat
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from sf_social.config.model import Config
from sf_social.config.sources import PLANNED_TYPES, SOURCE_TYPES, SourceConfig
from sf_social.config.tomlkeys import Path_, key_lines, line_of
from sf_social.errors import ConfigError
from sf_social.salesforce_settings import SalesforceSettings
from sf_social.userpaths import expand_path, read_text
from sf_social.yamltext import YamlError, load_yaml

log = logging.getLogger(__name__)

CONFIG_ENV = "SF_SOCIAL_CONFIG"
"""The config file to read when ``--config`` is not given."""

FEEDS_ENV = "SF_SOCIAL_FEEDS"
"""JSONL feeds to poll, separated by ``os.pathsep``; replaces the file's ``[[sources]]``."""

ENV_VARS: dict[Path_, str] = {
    ("playbook",): "SF_SOCIAL_PLAYBOOK",
    ("model",): "SF_SOCIAL_MODEL",
    ("state", "url"): "SF_SOCIAL_DB",
    ("state", "schema"): "SF_SOCIAL_DB_SCHEMA",
    ("push", "interval"): "SF_SOCIAL_PUSH_INTERVAL",
    ("push", "batch_size"): "SF_SOCIAL_PUSH_BATCH_SIZE",
    ("push", "max_attempts"): "SF_SOCIAL_PUSH_MAX_ATTEMPTS",
    ("push", "backoff_base"): "SF_SOCIAL_PUSH_BACKOFF_BASE",
    ("push", "backoff_max"): "SF_SOCIAL_PUSH_BACKOFF_MAX",
    ("push", "lease"): "SF_SOCIAL_PUSH_LEASE",
    ("push", "call_attempts"): "SF_SOCIAL_PUSH_CALL_ATTEMPTS",
    ("daemon", "poll_interval"): "SF_SOCIAL_POLL_INTERVAL",
    ("daemon", "shutdown_timeout"): "SF_SOCIAL_SHUTDOWN_TIMEOUT",
    ("daemon", "sweep_interval"): "SF_SOCIAL_SWEEP_INTERVAL",
    ("daemon", "log_format"): "SF_SOCIAL_LOG_FORMAT",
    ("metrics", "file"): "SF_SOCIAL_METRICS_FILE",
    ("metrics", "port"): "SF_SOCIAL_METRICS_PORT",
    ("metrics", "host"): "SF_SOCIAL_METRICS_HOST",
    ("health", "max_pass_age"): "SF_SOCIAL_HEALTH_MAX_PASS_AGE",
    ("health", "max_outbox_age"): "SF_SOCIAL_HEALTH_MAX_OUTBOX_AGE",
    ("health", "max_dead_letters"): "SF_SOCIAL_HEALTH_MAX_DEAD_LETTERS",
    ("retention", "raw_grace"): "SF_SOCIAL_RETENTION_RAW_GRACE",
    ("retention", "dead_letters"): "SF_SOCIAL_RETENTION_DEAD_LETTERS",
    ("retention", "interval"): "SF_SOCIAL_RETENTION_INTERVAL",
    ("replies", "enabled"): "SF_SOCIAL_REPLIES_ENABLED",
    ("replies", "interval"): "SF_SOCIAL_REPLIES_INTERVAL",
    ("replies", "x_account_id"): "SF_SOCIAL_REPLIES_X_ACCOUNT_ID",
    ("replies", "x_tier"): "SF_SOCIAL_REPLIES_X_TIER",
    ("replies", "facebook_page_id"): "SF_SOCIAL_REPLIES_FACEBOOK_PAGE_ID",
    ("replies", "linkedin_organization"): "SF_SOCIAL_REPLIES_LINKEDIN_ORGANIZATION",
    ("replies", "settle"): "SF_SOCIAL_REPLIES_SETTLE",
    **{("salesforce", name): f"SF_{name.upper()}" for name in SalesforceSettings.model_fields},
}
"""Every setting's environment variable, by its ``(section, key)`` in the file."""

_PATHS: tuple[Path_, ...] = (
    ("playbook",),
    ("model",),
    ("salesforce", "private_key_file"),
    ("metrics", "file"),
)
_SECRETS = ("access_token", "consumer_secret", "password", "security_token")


class _Origins:
    """Where each value came from: a line of the file or an environment variable."""

    def __init__(self, file: Path | None, lines: Mapping[Path_, int]) -> None:
        self.file = file
        self.lines = dict(lines)
        self.env: dict[Path_, str] = {}

    def where(self, path: Path_) -> str:
        for end in range(len(path), 0, -1):
            if path[:end] in self.env:
                return self.env[path[:end]]
        below = [var for key, var in self.env.items() if key[: len(path)] == path]
        if len(below) == 1 and self.file is None:  # a section's rule broken by one variable
            return below[0]
        if self.file is not None:
            line = line_of(self.lines, path)
            return f"{self.file}:{line}" if line is not None else str(self.file)
        return "configuration"

    def problem(self, path: Path_, message: str) -> str:
        key = ".".join(str(p) if isinstance(p, str) else f"[{p}]" for p in path).replace(".[", "[")
        return f"{self.where(path)}: {key}: {message}" if key else f"{self.where(path)}: {message}"


def load_config(path: Path | None = None, environ: Mapping[str, str] | None = None) -> Config:
    """The configuration from ``path`` (else ``$SF_SOCIAL_CONFIG``, else none) and the environment.

    ``ConfigError`` listing every problem, each with its file:line or variable.
    """
    env = os.environ if environ is None else environ
    if path is None and env.get(CONFIG_ENV):
        path = Path(env[CONFIG_ENV])
    if path is not None:
        try:
            path = expand_path(path)
        except ValueError as exc:
            raise ConfigError(f"config file {exc}; fix --config or {CONFIG_ENV}") from None
    raw: dict[str, Any] = {}
    lines: dict[Path_, int] = {}
    if path is not None:
        raw, lines = _parse(path, _read(path))
    origins = _Origins(path, lines)
    problems: list[str] = []
    if path is not None:
        _resolve_paths(raw, path.resolve().parent, origins, problems)
        _warn_on_readable_secrets(path, raw)
    _overlay_env(raw, env, origins, problems)
    entries = raw.pop("sources", [])
    try:
        config = Config.model_validate({**raw, "config_file": path})
    except ValidationError as exc:
        problems += [_message(origins, err) for err in exc.errors(include_input=False)]
        config = None
    sources = _sources(entries, env, origins, problems)
    if problems or config is None:
        where = f" ({path})" if path is not None else ""
        listing = "\n".join(f"  - {p}" for p in problems)
        raise ConfigError(f"invalid configuration{where}, {len(problems)} problem(s):\n{listing}")
    return config.model_copy(update={"sources": sources})


def _parse(path: Path, text: str) -> tuple[dict[str, Any], dict[Path_, int]]:
    """The file's tables and the line of each key (TOML, or YAML for .yaml/.yml)."""
    if path.suffix.lower() in (".yaml", ".yml"):
        try:
            data, lines = load_yaml(text, str(path))
        except YamlError as exc:
            raise ConfigError("\n".join(exc.problems)) from None
        if data is None:
            return {}, {}
        if not isinstance(data, dict):
            raise ConfigError(f"{path}:1: the configuration must be a YAML mapping")
        return data, lines
    try:
        return tomllib.loads(text), key_lines(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None


def _read(path: Path) -> str:
    try:
        return read_text(path)
    except ValueError as exc:
        raise ConfigError(
            f"cannot read the config file: {exc}; fix the path given by --config or {CONFIG_ENV}"
        ) from None


def _resolve_paths(raw: dict[str, Any], base: Path, origins: _Origins, problems: list[str]) -> None:
    """Relative paths of the file made relative to its folder, ``~`` expanded."""
    fields: list[tuple[dict[str, Any], str, Path_]] = []
    for section, *rest in _PATHS:
        table = raw.get(str(section)) if rest else raw
        if isinstance(table, dict):
            fields.append((table, str(rest[0]) if rest else str(section), (section, *rest)))
    entries = raw.get("sources")
    for index, entry in enumerate(entries if isinstance(entries, list) else []):
        model = SOURCE_TYPES.get(str(entry.get("type"))) if isinstance(entry, dict) else None
        for key in model.path_fields if model else ():
            fields.append((entry, key, ("sources", index, key)))
    for table, key, at in fields:
        if isinstance(table.get(key), str) and "\0" not in table[key]:  # NUL: the model says
            try:
                table[key] = str(base / expand_path(table[key]))
            except ValueError as exc:
                problems.append(origins.problem(at, str(exc)))
    state = raw.get("state")
    if isinstance(state, dict) and isinstance(state.get("url"), str):
        try:
            state["url"] = _sqlite_url_from(base, state["url"])
        except ValueError as exc:
            problems.append(origins.problem(("state", "url"), str(exc)))


def _sqlite_url_from(base: Path, url: str) -> str:
    """``url`` with a relative SQLite file made relative to ``base`` (other URLs unchanged)."""
    prefix = "sqlite:///"
    if not url.startswith(prefix):
        return url
    file, query, rest = url[len(prefix) :].partition("?")
    if not file or file.startswith(("/", "file:")) or file == ":memory:":
        return url
    return prefix + str(base / expand_path(file)) + query + rest


def _overlay_env(
    raw: dict[str, Any], env: Mapping[str, str], origins: _Origins, problems: list[str]
) -> None:
    for path, variable in ENV_VARS.items():
        value: str | None = env.get(variable)
        if not value:
            continue
        origins.env[path] = variable
        if path in _PATHS:
            try:
                value = str(expand_path(value))
            except ValueError as exc:
                problems.append(origins.problem(path, str(exc)))
                continue
        if len(path) == 1:
            raw[str(path[0])] = value
        else:
            section = raw.setdefault(str(path[0]), {})
            if not isinstance(section, dict):
                continue  # the file's own error is reported
            section[str(path[1])] = value


def _sources(
    entries: Any, env: Mapping[str, str], origins: _Origins, problems: list[str]
) -> list[SourceConfig]:
    if env.get(FEEDS_ENV):
        origins.env[("sources",)] = FEEDS_ENV
        try:
            entries = [
                {"type": "jsonl", "path": str(expand_path(p).resolve())}
                for p in env[FEEDS_ENV].split(os.pathsep)
                if p.strip()
            ]
        except ValueError as exc:
            problems.append(origins.problem(("sources",), str(exc)))
            return []
    if not isinstance(entries, list):
        problems.append(origins.problem(("sources",), "must be an array of tables ([[sources]])"))
        return []
    built: list[SourceConfig] = []
    names: dict[str, int] = {}
    for index, entry in enumerate(entries):
        at: Path_ = ("sources", index)
        if not isinstance(entry, dict):
            problems.append(origins.problem(at, "must be a table with a type"))
            continue
        kind = entry.get("type")
        model = SOURCE_TYPES.get(str(kind)) if isinstance(kind, str) else None
        if model is None:
            known = ", ".join(sorted(SOURCE_TYPES))
            why = PLANNED_TYPES.get(str(kind)) or f"unknown source type {kind!r} (known: {known})"
            problems.append(origins.problem((*at, "type"), why))
            continue
        try:
            source = model.model_validate(entry)
        except ValidationError as exc:
            problems += [_message(origins, err, at) for err in exc.errors(include_input=False)]
            continue
        name = source.source_name
        if name in names:
            problems.append(
                origins.problem(
                    (*at, "name"),
                    f"source name {name!r} is already used by sources[{names[name]}]: each"
                    " source needs its own name (its cursor is stored under it)",
                )
            )
        names[name] = index
        built.append(source)
    return built


def _message(origins: _Origins, err: Any, prefix: Path_ = ()) -> str:
    path: Path_ = (*prefix, *err["loc"])
    message = str(err["msg"])
    if err["type"] == "extra_forbidden":
        message = "unknown key"
    elif message.startswith("Value error, "):
        message = message.removeprefix("Value error, ")
    return origins.problem(path, message)


def _warn_on_readable_secrets(path: Path, raw: dict[str, Any]) -> None:
    salesforce = raw.get("salesforce")
    if not isinstance(salesforce, dict) or not any(salesforce.get(k) for k in _SECRETS):
        return
    try:
        mode = path.stat().st_mode
    except OSError:
        return
    if mode & (stat.S_IRGRP | stat.S_IROTH):
        log.warning(
            "%s holds Salesforce secrets and is readable by other users: chmod 600 it, or"
            " move the secrets to environment variables (e.g. a systemd EnvironmentFile)",
            path,
        )

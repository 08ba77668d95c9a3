"""Every configuration key and variable walked with bad values: each is a clear error.

The walk reads the settings' models (every section of the file, every ``[[sources]]`` type,
every variable of ``ENV_VARS``), so a new key is covered without touching this file. Each
bad value, run through ``sf-social config``, must exit 2 with ``file:line: key`` (or the
variable's name) and no traceback. A key of a type the walk does not know fails the test.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Iterator
from datetime import timedelta
from enum import Enum
from pathlib import Path
from typing import Any, cast

import click
import pytest
from click.testing import CliRunner
from pydantic import BaseModel, SecretStr
from pydantic.fields import FieldInfo

from sf_social.config import ENV_VARS, SOURCE_TYPES, Config
from tests.cli.conftest import _ConsoleScript, clean_env

SOURCE_ENTRIES = {
    "jsonl": 'path = "feed.jsonl"',
    "x": 'accounts = ["@acme"]',
    "linkedin_page": 'organization_id = "1"',
    "facebook_webhooks": 'spool = "spool.db"',
    "x_compliance": 'window = "30d"',
    "lead_forms": 'network = "facebook"',
}
"""A valid ``[[sources]]`` table of each type, the bad key added to it."""

ANY_TEXT = {
    "state.schema",
    "salesforce.username",
    "salesforce.consumer_key",
    "salesforce.domain_allow",
    "metrics.host",
    "sources.name",
    "sources.page_id",
    "sources.owner",
    "sources.query_extra",
    "sources.organization_id",
    "sources.account",
}
"""Keys where any string is a legitimate value (names, hosts, ids, query text)."""

UNBOUNDED = {"sources.monthly_read_budget": "X reads a month: any count is a budget"}
"""Whole-number keys without an upper bound, with why a huge value is harmless."""

FORMATTED = {
    "state.url": ["ftp://host/db", "sqlite:///a\u0000b"],
    "salesforce.instance_url": ["http://acme.my.salesforce.com"],
    "salesforce.domain": ["evil.example.com"],
    "salesforce.api_version": ["abc", "99"],
    "sources.api_version": ["abc"],
    "replies.x_account_id": ["@acme", "12a", "1" * 21],
    "replies.facebook_page_id": ["acme", "12_3", "1" * 21],
    "replies.linkedin_organization": ["urn:li:person:1", "acme", "1" * 21],
}
"""String keys with a format: values they refuse (beyond the wrong types)."""


def toml(value: Any) -> str:
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\0", "\\u0000") + '"'
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        special = {float("inf"): "inf", float("-inf"): "-inf"}
        return special.get(value, "nan" if value != value else repr(value))
    return repr(value) if not isinstance(value, list) else "[" + ", ".join(map(toml, value)) + "]"


def _kinds(annotation: Any) -> set[Any]:
    """The plain types an annotation allows (Optional, Annotated and unions unwrapped)."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _kinds(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        return {k for arg in typing.get_args(annotation) for k in _kinds(arg)} - {type(None)}
    return {origin or annotation}


def _bound(field: FieldInfo, name: str) -> Any:
    return next((getattr(m, name) for m in field.metadata if hasattr(m, name)), None)


def bad_values(key: str, field: FieldInfo, folder: Path) -> list[Any] | None:
    """Bad values for ``key``; None for a type the walk does not know."""
    kinds = _kinds(field.annotation)
    if kinds & {typing.Literal}:
        return []  # the source type: walked as unknown types below
    if timedelta in kinds:
        return ["abc", "-5s", 0, "99999999999999d", 1e300, float("nan"), [1]]
    if Path in kinds:
        return ["~nouser/x", "a\0b", "/dev/zero", str(folder), 5]
    if kinds & {list, dict}:
        return [5, "x"] if bool not in kinds else [5]
    if bool in kinds:
        return ["maybe", 5]
    if int in kinds:
        values: list[Any] = ["abc", 1.5, [1]]
        low, high = _bound(field, "ge"), _bound(field, "le")
        values += [low - 1] if low is not None else [-(10**20)]
        if high is None and key not in UNBOUNDED:
            return None
        values += [high + 1, 10**20] if high is not None else []
        return values
    if float in kinds:
        return ["abc", float("nan"), float("inf"), -1e308, 1e308, [1]]
    if any(isinstance(k, type) and issubclass(k, Enum) for k in kinds):
        return ["nope", 5]
    if kinds <= {str, SecretStr}:
        if key not in ANY_TEXT and key not in FORMATTED and SecretStr not in kinds:
            return None
        return [5, [1], *FORMATTED.get(key, [])]
    return None


def keys() -> Iterator[tuple[str, str | None, str, FieldInfo]]:
    """(section, source type, key, field) of every key of the file."""
    for name, field in Config.model_fields.items():
        kind = field.annotation
        if name in ("config_file", "sources"):
            continue
        if isinstance(kind, type) and issubclass(kind, BaseModel):
            for key, sub in kind.model_fields.items():
                yield name, None, sub.alias or key, sub
        else:
            yield "", None, name, field
    for type_name, model in SOURCE_TYPES.items():
        for key, sub in model.model_fields.items():
            yield "sources", type_name, key, sub


def document(section: str, source: str | None, key: str, value: str) -> tuple[str, int]:
    """A config file setting ``key`` to ``value`` and the line it is on."""
    if source is not None:
        entry = SOURCE_ENTRIES[source]
        head = f'[[sources]]\ntype = "{source}"\n'
        head += "" if entry.startswith(f"{key} =") else entry + "\n"
        return head + f"{key} = {value}\n", head.count("\n") + 1
    if section:
        return f"[{section}]\n{key} = {value}\n", 2
    return f"{key} = {value}\n", 1


def sf_social_config(env: dict[str, str | None]) -> tuple[int | None, str, BaseException | None]:
    result = CliRunner().invoke(cast(click.Command, _ConsoleScript()), ["config"], env=env)
    return result.exit_code, result.output, result.exception


def failed(code: int | None, output: str, exception: BaseException | None, *names: str) -> bool:
    return (
        code != 2
        or not isinstance(exception, SystemExit)
        or "Traceback" in output
        or not all(name in output for name in names)
    )


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "folder").mkdir()
    return tmp_path / "folder"


def test_every_key_refuses_bad_values(folder: Path) -> None:
    file = folder.parent / "sf-social.toml"
    env = clean_env(SF_SOCIAL_CONFIG=str(file))
    failures, unknown, runs = [], [], 0
    for section, source, key, field in keys():
        where = f"{section}.{key}" if section else key
        values = bad_values(where, field, folder)
        if values is None:
            unknown.append(f"{where} ({source or 'file'}): {field.annotation}")
            continue
        for value in values:
            text, line = document(section, source, key, toml(value))
            file.write_text(text)
            code, output, exception = sf_social_config(env)
            runs += 1
            shown = f"[0].{key}" if source else where
            if failed(code, output, exception, f"{file}:{line}", shown):
                last = output.strip().splitlines()[-1:] or [""]
                shown_value = f"{source or ''} {where} = {toml(value)}"
                failures.append(f"{shown_value}: exit {code}, {last[0][:160]}")
    assert not unknown, "keys of a type the walk does not know:\n" + "\n".join(unknown)
    assert not failures, f"{len(failures)} of {runs} bad values:\n" + "\n".join(failures)
    assert runs > 200, runs


@pytest.mark.parametrize(
    ("text", "line", "shown"),
    [
        ("sources = 5\n", 1, "sources"),
        ("sources = [5]\n", 1, "sources[0]"),
        ('[[sources]]\ntype = "nope"\n', 2, "sources[0].type"),
        ("[[sources]]\n", 1, "sources[0].type"),
        ("push = 5\n", 1, "push"),
        ('push = "fast"\n', 1, "push"),
        ("state = [1]\n", 1, "state"),
        ("nope = 1\n", 1, "nope: unknown key"),
        ("[push]\nnope = 1\n", 2, "push.nope: unknown key"),
        ('[[sources]]\ntype = "jsonl"\npath = "f"\nnope = 1\n', 4, "sources[0].nope"),
        ("\ufeff[push]\nbatch_size = 0\n", 2, "push.batch_size"),
        ('[push]\r\nbatch_size = "many"\r\n', 2, "push.batch_size"),
    ],
)
def test_bad_shapes_name_their_line(folder: Path, text: str, line: int, shown: str) -> None:
    file = folder.parent / "sf-social.toml"
    file.write_text(text, encoding="utf-8")
    code, output, exception = sf_social_config(clean_env(SF_SOCIAL_CONFIG=str(file)))
    assert not failed(code, output, exception, f"{file}:{line}", shown), output


def test_unreadable_files_say_so(folder: Path) -> None:
    binary = folder / "binary.toml"
    binary.write_bytes(bytes(range(256)))
    big = folder / "big.toml"
    big.write_text("# padding\n" * 200_000)
    cases = {
        str(binary): "not UTF-8",
        str(big): "larger than",
        "/dev/zero": "a device",
        str(folder): "a folder",
        "~nouser/x.toml": "cannot expand ~nouser",
        str(folder / "missing.toml"): "no such file",
    }
    for path, why in cases.items():
        code, output, exception = sf_social_config(clean_env(SF_SOCIAL_CONFIG=path))
        assert not failed(code, output, exception, why, "SF_SOCIAL_CONFIG"), (path, output)


def test_a_bom_is_read_as_utf8(folder: Path) -> None:
    file = folder / "bom.toml"
    file.write_bytes(b"\xef\xbb\xbf[push]\nbatch_size = 7\n")
    result = CliRunner().invoke(
        cast(click.Command, _ConsoleScript()),
        ["config", "--config", str(file)],
        env=clean_env(),
        catch_exceptions=False,
    )
    assert result.exit_code == 0 and "batch_size" in result.output and "7" in result.output


ENV_TEXT = {
    "SF_USERNAME",
    "SF_CONSUMER_KEY",
    "SF_DOMAIN_ALLOW",
    "SF_SOCIAL_DB_SCHEMA",
    "SF_SOCIAL_METRICS_HOST",
    "SF_ACCESS_TOKEN",
    "SF_CONSUMER_SECRET",
    "SF_PASSWORD",
    "SF_SECURITY_TOKEN",
}
"""Variables where any text is a legitimate value (names, hosts, secrets)."""


def env_bad_values(key: str, field: FieldInfo, folder: Path) -> list[str] | None:
    """The bad values of a variable: those of its key, as text (a variable is a string)."""
    values = bad_values(key, field, folder)
    if values is None:
        return None
    texty = _kinds(field.annotation) & {str, Path}  # where "5" is a fine value
    texts = [
        v if isinstance(v, str) else toml(v) for v in values if not texty or isinstance(v, str)
    ]
    return [t for t in texts if "\0" not in t and "[" not in t]  # no NUL in an environment


def test_every_variable_refuses_bad_values(folder: Path) -> None:
    fields = {(section, key): sub for section, source, key, sub in keys() if source is None}
    failures, runs = [], 0
    for path, variable in ENV_VARS.items():
        section, key = ("", path[0]) if len(path) == 1 else path
        field = fields[str(section), "schema" if key == "schema" else str(key)]
        where = f"{section}.{key}" if section else str(key)
        values = [] if variable in ENV_TEXT else env_bad_values(where, field, folder)
        assert values is not None, f"{variable}: a type the walk does not know"
        for value in values:
            code, output, exception = sf_social_config(clean_env(**{variable: value}))
            runs += 1
            if failed(code, output, exception, variable):
                last = output.strip().splitlines()[-1:] or [""]
                failures.append(f"{variable}={value!r}: exit {code}, {last[0][:160]}")
    assert not failures, f"{len(failures)} of {runs} bad values:\n" + "\n".join(failures)
    assert runs > 80, runs


def test_bad_feeds_name_the_variable(folder: Path) -> None:
    for value in ("~nouser/x", "/dev/zero", str(folder), f"{folder}/ok.jsonl:~nouser/y"):
        code, output, exception = sf_social_config(clean_env(SF_SOCIAL_FEEDS=value))
        assert not failed(code, output, exception, "SF_SOCIAL_FEEDS"), (value, output)

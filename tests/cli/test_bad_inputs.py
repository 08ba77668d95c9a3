"""Every command and option of ``sf-social`` walked with bad values: each is a usage error.

The walk introspects the click group (lazy commands loaded), so a new command or option is
covered without touching this file. Each parameter gets the bad values of its type; the
bad one goes first on the command line, so click converts it before anything else. Every
run must exit 2 with a message naming the option (or the value), no traceback and no
exception other than ``SystemExit`` out of ``main()``.

A parameter type the walk does not know fails the test: give the option one of
``sf_social.cli.params``' types, or list it below with the reason any value is accepted.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import cast

import click
import pytest
from click.testing import CliRunner

from sf_social.cli.main import cli
from sf_social.cli.params import DurationType, FilePath
from tests.cli.conftest import Ops, _ConsoleScript, clean_env

FREE_TEXT = {
    # free text or names: any string is a legitimate value (NUL cannot reach argv)
    ("classify", "text"): "the post to classify",
    ("dead-letters drop", "code"): "an error code; an unknown one selects nothing",
    ("dead-letters list", "code"): "an error code; an unknown one selects nothing",
    ("dead-letters retry", "code"): "an error code; an unknown one selects nothing",
    ("erase", "handle"): "a handle, matched as given: one nobody has erases nothing",
    ("erase", "email"): "an email, matched as given: one nobody has erases nothing",
    ("import", "member_url"): "a profile URL, only compared with the export's",
    ("leads subscribe", "delete_id"): "a subscription id; one LinkedIn lacks is refused there",
    ("import", "name"): "the source's name in the state store",
    ("linkedin import", "member_url"): "a profile URL, only compared with the export's",
    ("local-org", "queues"): "queue DeveloperNames to seed",
    ("replay", "sources"): "source names; an unknown one is reported by replay",
    ("sources reset", "name"): "a source name; an unknown one is refused, naming the known ones",
}
"""(command, parameter name) → why any string is accepted."""

BAD_STRINGS = {
    ("classify", "input_path"): ["/dev/zero", "/", "/no/such/feed.jsonl"],
    ("plan", "input_path"): ["/dev/zero", "/", "/no/such/feed.jsonl"],
    ("evaluate", "min_f1"): ["abc", "intent", "intent=2", "nope=0.5", "intent=nan"],
    ("train", "min_f1"): ["abc", "intent", "intent=2", "nope=0.5", "intent=nan"],
    ("evaluate", "since"): ["abc", "-5m", "99999999999999d", "2026-13-45", ""],
    ("train", "since"): ["abc", "-5m", "99999999999999d", "2026-13-45", ""],
    ("labels export", "since"): ["abc", "-5m", "99999999999999d", "2026-13-45", ""],
    ("replay", "since"): ["abc", "-5m", "99999999999999d", "2026-13-45", ""],
    ("sources reset", "cursor"): ["{oops", "[1, 2]", "1", "null", ""],
    ("leads reconcile", "forms"): ["abc", "12a", ""],
    ("leads reconcile", "owner"): ["nope", "urn:li:person:1", "urn:li:organization:x"],
    ("leads subscribe", "owner"): ["nope", "urn:li:person:1", "urn:li:organization:x"],
    ("leads subscribe", "webhook"): ["http://example.com/linkedin", "example.com", ""],
    ("local-org", "host"): ["nope.invalid", "8.8.8.8"],
    ("webhook serve", "host"): ["nope.invalid", "8.8.8.8"],
}
"""String parameters with a format of their own: values that must be refused."""

ALARM_SECONDS = 20
"""A run taking longer accepted its value and started real work: a failure."""


@dataclass(frozen=True)
class Case:
    command: tuple[str, ...]
    param: click.Parameter
    value: str

    def __str__(self) -> str:
        return f"{' '.join(self.command)} {self.param.name}={self.value!r}"


def commands() -> Iterator[tuple[tuple[str, ...], click.Command]]:
    """Every command and subcommand, by its path below ``sf-social``."""
    ctx = click.Context(cli)

    def walk(path: tuple[str, ...], command: click.Command) -> Iterator[tuple[str, ...]]:
        yield path
        if isinstance(command, click.Group):
            for name in command.list_commands(ctx):
                sub = command.get_command(ctx, name)
                assert sub is not None, name
                yield from walk((*path, name), sub)

    for path in walk((), cli):
        command: click.Command = cli
        for name in path:
            found = command.get_command(ctx, name) if isinstance(command, click.Group) else None
            assert found is not None
            command = found
        yield path, command


def bad_values(command: str, param: click.Parameter, files: dict[str, Path]) -> list[str] | None:
    """The values ``param`` must refuse; None for a type the walk does not know."""
    kind = param.type
    if isinstance(param, click.Option) and (param.is_flag or param.count):
        return []
    if (command, param.name) in BAD_STRINGS:
        return BAD_STRINGS[command, param.name]
    if (command, param.name) in FREE_TEXT:
        return []
    if isinstance(kind, click.Choice):
        return ["nope", ""]
    if isinstance(kind, DurationType):
        return ["abc", "-5s", "99999999999999d", "1e999", "nan"] + ([] if kind.zero_ok else ["0"])
    if isinstance(kind, click.IntRange | click.FloatRange):
        assert kind.min is not None and kind.max is not None, f"{command} {param.name}: unbounded"
        values = ["abc", str(kind.min - 1), str(kind.max + 1), "99999999999999999999"]
        if isinstance(kind, click.FloatRange):
            values += ["nan", "inf", "1e999"]
        return values
    if isinstance(kind, FilePath):
        values = ["~nouser/x", "a\0b", "/dev/zero"]
        if kind.exists:
            values.append(str(files["missing"]))
        if not kind.dir_okay:
            values.append(str(files["folder"]))
        if not kind.file_okay:
            values.append(str(files["file"]))
        return values
    return None


def cases(files: dict[str, Path]) -> list[Case]:
    """Every (command, parameter, bad value); fails naming the parameters not walked."""
    found, unknown = [], []
    for path, command in commands():
        for param in command.params:
            values = bad_values(" ".join(path), param, files)
            if values is None:
                unknown.append(f"`{' '.join(path)}` {param.name}: {param.type!r}")
            found += [Case(path, param, value) for value in values or []]
    assert not unknown, (
        "parameters of a type the walk does not know: use a type of sf_social.cli.params, or"
        " list them in FREE_TEXT with the reason any value is accepted:\n" + "\n".join(unknown)
    )
    return found


@pytest.fixture
def files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    monkeypatch.chdir(tmp_path)  # default state and spool files land here
    (tmp_path / "folder").mkdir()
    (tmp_path / "file").write_text("{}\n")
    return {name: tmp_path / name for name in ("folder", "file", "missing")}


def argv(case: Case) -> list[str]:
    """The bad value first (click converts in command-line order)."""
    if isinstance(case.param, click.Argument):
        return [*case.command, "--", case.value]  # "--": a value may start with "-"
    return [*case.command, case.param.opts[0], case.value]


def _too_long(number: int, frame: FrameType | None) -> None:
    raise TimeoutError(f"still running after {ALARM_SECONDS}s: the value was accepted")


def run(
    case: Case, env: dict[str, str | None], args: list[str] | None = None
) -> tuple[int | None, str, BaseException | None]:
    """``sf-social`` with ``args`` (default: the case's), stopped after ``ALARM_SECONDS``."""
    previous = signal.signal(signal.SIGALRM, _too_long)
    signal.alarm(ALARM_SECONDS)
    try:
        script = cast(click.Command, _ConsoleScript())
        result = CliRunner().invoke(script, args or argv(case), env=env)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    return result.exit_code, result.output, result.exception


def test_every_option_refuses_bad_values(files: dict[str, Path]) -> None:
    env = clean_env(SF_SOCIAL_DB=f"sqlite:///{files['folder'] / 'state.db'}")
    env.update(FB_APP_SECRET="s", FB_VERIFY_TOKEN="t", FB_WEBHOOK_SPOOL=None)  # serve binds
    walked = cases(files)
    failures = []
    for case in walked:
        code, output, exception = run(case, env)
        hint = case.param.get_error_hint(click.Context(cli))
        named = hint in output or (len(case.value) > 1 and case.value in output)
        if code != 2 or not isinstance(exception, SystemExit) or "Traceback" in output or not named:
            last = output.strip().splitlines()[-1:] or [""]
            failures.append(f"{case}: exit {code}, {exception!r}, {last[0][:200]}")
    assert not failures, f"{len(failures)} of {len(walked)} bad values:\n" + "\n".join(failures)
    params = {(c.command, c.param.name) for c in walked}
    assert len(walked) > 250 and len(params) > 40, (len(walked), len(params))


def test_the_allow_lists_name_real_parameters() -> None:
    known = {(" ".join(path), p.name) for path, command in commands() for p in command.params}
    assert set(FREE_TEXT) <= known and set(BAD_STRINGS) <= known
    assert not set(FREE_TEXT) & set(BAD_STRINGS)


REQUIRED = {("plan", "input_path"): "-", ("replay", "since"): "1h", ("sources reset", "name"): "a"}
"""A good value for each required string parameter, for runs that get that far."""
EXTRA = {
    ("classify",): ["hello"],
    ("dead-letters", "drop"): ["--all"],
    ("dead-letters", "retry"): ["--all"],
    ("erase",): ["--email", "ana@example.com", "--dry-run"],
    ("evaluate",): ["good.jsonl"],  # LABELLED, or --from-org
    ("train",): ["good.jsonl"],
    ("webhook", "serve"): ["--port", "0"],
}
"""What a command needs besides its required parameters to read its files."""
LABELLED = Path(__file__).resolve().parents[1] / "data" / "labelled_posts.jsonl"


def good_rest(path: tuple[str, ...], command: click.Command, skip: click.Parameter) -> list[str]:
    """Good values for the command's required parameters other than ``skip``."""
    args = list(EXTRA.get(path, []))
    for param in command.params:
        if param is skip or not param.required:
            continue
        key = (" ".join(path), param.name)
        if key in REQUIRED:
            value = REQUIRED[key]
        elif isinstance(param.type, click.IntRange):
            value = str(param.type.min)
        else:
            assert isinstance(param.type, FilePath), f"{key}: add a good value to REQUIRED"
            value = str(Path("good.jsonl" if param.type.exists else "out.bin").resolve())
        args += [value] if isinstance(param, click.Argument) else [param.opts[0], value]
    return args


def test_files_read_with_odd_content_fail_cleanly(
    ops: Ops, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A binary file, or a UTF-8 BOM before junk, where a file is named (config, playbook,
    model, feed, spool, output): an error naming it (exit 1 for rejected lines of a feed, 2
    otherwise) or a clean run, never a traceback."""
    monkeypatch.chdir(ops.tmp)
    Path("good.jsonl").write_text("".join(LABELLED.read_text().splitlines(True)[:20]))
    odd = {"binary": bytes(range(256)) * 4, "bom": b"\xef\xbb\xbf\x00junk: [\n"}
    env = {**ops.env, "FB_APP_SECRET": "s", "FB_VERIFY_TOKEN": "t", "FB_PAGE_TOKEN": "p"}
    env.update(FB_PAGE_ID="1", LINKEDIN_ACCESS_TOKEN="a", LINKEDIN_CLIENT_SECRET="c")  # both spools
    failures, runs = [], 0
    for path, command in commands():
        for param in command.params:
            if not (isinstance(param.type, FilePath) and param.type.file_okay):
                continue
            for name, content in odd.items():
                Path(name).write_bytes(content)  # an output option may have replaced it
                case = Case(path, param, str(Path(name).resolve()))
                rest = good_rest(path, command, param)
                args = [*case.command, *rest, *argv(case)[len(case.command) :]]
                code, output, exception = run(case, env, args)
                runs += 1
                if (
                    code not in (0, 1, 2)
                    or not isinstance(exception, SystemExit | None)
                    or "Traceback" in output
                    or (code and name not in output)
                ):
                    last = output.strip().splitlines()[-1:] or [""]
                    failures.append(f"{case}: exit {code}, {exception!r}, {last[0][:200]}")
    assert not failures, f"{len(failures)} of {runs} runs:\n" + "\n".join(failures)

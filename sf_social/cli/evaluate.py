"""``sf-social evaluate``: measure the playbook (and a model) against labelled posts."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path

import click

from sf_social.cli.common import config_option
from sf_social.cli.feedio import (
    model_option,
    playbook_option,
    read_labelled_files,
    resolve_pipeline,
    resolve_playbook,
)
from sf_social.cli.labels import read_from_org, since_option
from sf_social.cli.params import count, input_file
from sf_social.evaluation import Report, score
from sf_social.evaluation import evaluate as run_evaluation
from sf_social.labels import LABELS, Task
from sf_social.sync.labels_export import BULK_THRESHOLD

labelled_files = click.argument("labelled", nargs=-1, type=input_file())


Floor = tuple[Task, str | None, float]
"""A --min-f1 value: the task, the label (None: macro-F1) and the least F1 accepted."""


def parse_floors(
    ctx: click.Context, param: click.Parameter, values: tuple[str, ...]
) -> tuple[Floor, ...]:
    """``--min-f1`` values: ``TASK=X`` (macro-F1) or ``TASK.LABEL=X`` (one label's F1)."""
    return tuple(_floor(value) for value in values)


def _floor(text: str) -> Floor:
    name, _, number = text.partition("=")
    task_name, _, label = name.partition(".")
    tasks = {t.value: t for t in Task}
    if task_name.lower() not in tasks:
        raise click.BadParameter(f"{text!r}: the task is one of {', '.join(tasks)}")
    task = tasks[task_name.lower()]
    canonical = {v.lower(): v for v in LABELS[task]}
    if label and label.lower() not in canonical:
        raise click.BadParameter(f"{text!r}: {task} labels are {', '.join(LABELS[task])}")
    try:
        floor = float(number)
    except ValueError:
        raise click.BadParameter(
            f"{text!r}: give a number after '=' (e.g. complaint=0.8)"
        ) from None
    if not 0 <= floor <= 1:
        raise click.BadParameter(f"{text!r}: an F1 is between 0 and 1")
    return task, canonical[label.lower()] if label else None, floor


@click.command()
@labelled_files
@playbook_option
@model_option
@click.option("--cv", type=count(100, 2), help="K-fold cross-validation of `train`.")
@click.option(
    "--errors",
    type=count(10**6, 0),
    default=0,
    show_default=True,
    help="List this many misclassified posts.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the results as one JSON object.")
@click.option(
    "--min-f1",
    multiple=True,
    callback=parse_floors,
    metavar="TASK[.LABEL]=F1",
    help="Fail (exit 1) below this F1: TASK=X for macro-F1, TASK.LABEL=X for one label "
    "(e.g. --min-f1 complaint.true=0.8). Repeatable.",
)
@click.option(
    "--from-org",
    is_flag=True,
    help="Also measure on the agents' corrections in the org (as `labels export` reads them).",
)
@since_option("With --from-org: corrections of records modified since WHEN.")
@config_option
def evaluate(
    labelled: tuple[Path, ...],
    playbook: Path | None,
    model: Path | None,
    cv: int | None,
    errors: int,
    as_json: bool,
    min_f1: tuple[Floor, ...],
    from_org: bool,
    since: datetime,
    config_path: Path | None,
) -> None:
    """Precision, recall, F1, macro-F1 and confusion matrices on LABELLED files.

    A line is {"post": {...}, "segment": ..., "complaint": ..., "sentiment": ...} with any
    subset of the three labels. With --cv K, each fold is classified by a model trained
    (as `sf-social train` does) on the other folds; otherwise by the playbook and --model.
    Bad lines are reported and skipped. With --from-org, the agents' corrections in the org
    are measured too: how the playbook and --model do where agents disagreed with the sync.
    Exit 0, 1 when a --min-f1 floor is missed, 2 for an empty or unreadable file.
    """
    if cv and model:
        raise click.UsageError("--cv trains its own models: leave out --model")
    if not labelled and not from_org:
        raise click.UsageError("give LABELLED files, --from-org, or both")
    examples = read_labelled_files(labelled)
    if from_org:
        from sf_social.cli.from_org import corrections

        examples += corrections(read_from_org(config_path, since, None, BULK_THRESHOLD).examples)
    if not examples:
        where = ", ".join(map(str, labelled)) or "the org"
        raise click.UsageError(f"no labelled post in {where}")
    if cv:
        from sf_social.learning.training import cross_validate, require_sklearn

        require_sklearn()
        book = resolve_playbook(playbook)
        report_progress = lambda fold, folds: click.echo(f"fold {fold}/{folds}...", err=True)  # noqa: E731
        report = score(examples, cross_validate(examples, book, cv, progress=report_progress))
    else:
        report = run_evaluation(examples, resolve_pipeline(playbook, model).classifier)
    if as_json:
        click.echo(json.dumps(report.to_json(errors), ensure_ascii=False))
    else:
        click.echo(report.render(errors))
    missed = missed_floors(report, min_f1)
    for line in missed:
        click.echo(f"below the floor: {line}", err=True)
    if missed:
        sys.exit(1)


def missed_floors(report: Report, floors: tuple[Floor, ...]) -> list[str]:
    """A line for each floor the report misses (a task not labelled at all misses)."""
    missed = []
    for task, label, floor in floors:
        name = f"{task}.{label}" if label else f"{task} macro"
        if task not in report.tasks:
            missed.append(f"{name} F1: no post is labelled with {task}")
            continue
        value = report.tasks[task].f1(label)
        if value < floor:
            missed.append(f"{name} F1 {value:.3f} < {floor:g}")
    return missed

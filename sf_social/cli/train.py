"""``sf-social train``: learn segment, complaint and sentiment from labelled posts."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from sf_social.cli.evaluate import labelled_files
from sf_social.cli.feedio import playbook_option, read_labelled_files, resolve_playbook
from sf_social.cli.params import Real, count, output_file
from sf_social.cli.progress import Progress
from sf_social.evaluation import score


@click.command()
@labelled_files
@click.option(
    "--output",
    "-o",
    required=True,
    type=output_file(),
    help="The model file to write (atomically), e.g. model.npz.",
)
@click.option("--cv", type=count(100, 2), help="Also cross-validate: K folds, kept in the model.")
@click.option(
    "--c",
    "c",
    type=Real(min=0, min_open=True, max=1e6),
    default=4.0,
    show_default=True,
    help="Inverse regularization strength (smaller: simpler model).",
)
@playbook_option
def train(
    labelled: tuple[Path, ...], output: Path, cv: int | None, c: float, playbook: Path | None
) -> None:
    """Train a model on LABELLED files and write it to --output.

    A line is {"post": {...}, "segment": ..., "complaint": ..., "sentiment": ...} with any
    subset of the labels; each task learns from the lines that carry its label. Use the
    model with --model or SF_SOCIAL_MODEL. Exit 0 when a model was written, 1 when no task
    has two label values, 2 on a usage error (scikit-learn missing: the [train] extra).
    """
    from sf_social.learning.training import (
        TrainingSettings,
        cross_validate,
        require_sklearn,
    )
    from sf_social.learning.training import train as fit

    require_sklearn()
    book = resolve_playbook(playbook)
    examples = read_labelled_files(labelled)
    if not examples:
        raise click.UsageError(f"no labelled post in {', '.join(map(str, labelled))}")
    settings = TrainingSettings(c=c)
    click.echo(f"training on {len(examples):,} posts...", err=True)
    result = fit(examples, book, settings, meta={"name": output.stem})
    for task, reason in result.skipped.items():
        click.echo(f"not learning {task}: {reason}", err=True)
    if result.model is None:
        click.echo("no model written: no task has two label values", err=True)
        sys.exit(1)
    model = result.model
    if cv:
        with Progress("cross-validation", cv, "fold") as folds:
            predicted = cross_validate(
                examples, book, cv, settings, progress=lambda fold, _: folds.update(fold - 1)
            )
            folds.update(cv)
        report = score(examples, predicted)
        model.meta["cv"] = {
            "folds": cv,
            **{
                task.value: {"accuracy": round(r.accuracy, 4), "macro_f1": round(r.macro_f1, 4)}
                for task, r in report.tasks.items()
                if task in model.heads
            },
        }
        click.echo(report.render(), err=True)
    model.save(output)
    heads = ", ".join(f"{task} ({len(labels)} labels)" for task, labels in model.heads.items())
    click.echo(
        f"wrote {output}: {heads}; {len(model.vocabulary):,} features from {len(examples):,} posts",
        err=True,
    )

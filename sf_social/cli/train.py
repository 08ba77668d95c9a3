"""``sf-social train``: learn segment, complaint and sentiment from labelled posts."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

import click

from sf_social.cli.common import config_option
from sf_social.cli.evaluate import Floor, parse_floors
from sf_social.cli.feedio import playbook_option, read_labelled_files, resolve_playbook
from sf_social.cli.labels import read_from_org, since_option
from sf_social.cli.params import DURATION, FilePath, Real, count, input_file, output_file
from sf_social.cli.progress import Progress
from sf_social.evaluation import score
from sf_social.labels import LabelledPost
from sf_social.sync.labels_export import BULK_THRESHOLD


@click.command()
@click.argument("labelled", nargs=-1, type=input_file())
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
@click.option(
    "--from-org",
    is_flag=True,
    help="Also train on the agents' corrections in the org (as `labels export` reads them);"
    " write the model only when it beats the one in use on held-back corrections.",
)
@since_option("With --from-org: corrections of records modified since WHEN.")
@click.option(
    "--confirm-after",
    type=DURATION,
    help="With --from-org: records nobody corrected for this long are confirmations.",
)
@click.option(
    "--holdout",
    type=Real(min=0.05, max=0.9),
    default=0.2,
    show_default=True,
    help="With --from-org: the share of corrections held back to compare the models.",
)
@click.option(
    "--against",
    type=FilePath(dir_okay=False),
    help="With --from-org: the model in use (default: $SF_SOCIAL_MODEL or the config's"
    " model, else the rules only).",
)
@click.option(
    "--min-f1",
    multiple=True,
    callback=parse_floors,
    metavar="TASK[.LABEL]=F1",
    help="With --from-org: write nothing unless the new model reaches this F1 on the"
    " held-back corrections (as `evaluate --min-f1`). Repeatable.",
)
@config_option
def train(
    labelled: tuple[Path, ...],
    output: Path,
    cv: int | None,
    c: float,
    playbook: Path | None,
    from_org: bool,
    since: datetime,
    confirm_after: object,
    holdout: float,
    against: Path | None,
    min_f1: tuple[Floor, ...],
    config_path: Path | None,
) -> None:
    """Train a model on LABELLED files and write it to --output.

    A line is {"post": {...}, "segment": ..., "complaint": ..., "sentiment": ...} with any
    subset of the labels; each task learns from the lines that carry its label. Use the
    model with --model or SF_SOCIAL_MODEL. With --from-org the agents' corrections in the
    org are added (a --holdout share held back) and the model is written only when it is
    better than the one in use on the held-back corrections. Exit 0 when a model was
    written, 1 when none was (no task has two label values, or not better), 2 on a usage
    error (scikit-learn missing: the [train] extra).
    """
    from sf_social.learning.training import (
        TrainingSettings,
        cross_validate,
        require_sklearn,
    )
    from sf_social.learning.training import train as fit

    require_sklearn()
    if not labelled and not from_org:
        raise click.UsageError("give LABELLED files, --from-org, or both")
    given = ["--min-f1"] if min_f1 else []
    given += [f"--against {against}"] if against else []
    if given and not from_org:
        raise click.UsageError(
            f"{' and '.join(given)}: only with --from-org (they compare with the model in use)"
        )
    book = resolve_playbook(playbook)
    examples = read_labelled_files(labelled)
    held: list[LabelledPost] = []
    if from_org:
        from sf_social.cli.from_org import split_org_examples

        exported = read_from_org(config_path, since, confirm_after, BULK_THRESHOLD)
        kept, held = split_org_examples(exported.examples, holdout)
        examples += kept
        click.echo(f"holding back {len(held):,} corrections to compare the models", err=True)
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
    if from_org:
        from sf_social.cli.from_org import replaces

        if not replaces(model, book, held, against, min_f1):
            click.echo(f"no model written: {output} is left as it was", err=True)
            sys.exit(1)
    model.save(output)
    heads = ", ".join(f"{task} ({len(labels)} labels)" for task, labels in model.heads.items())
    click.echo(
        f"wrote {output}: {heads}; {len(model.vocabulary):,} features from {len(examples):,} posts",
        err=True,
    )

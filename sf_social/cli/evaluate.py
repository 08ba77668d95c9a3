"""``sf-social evaluate``: measure the playbook against your own labelled posts."""

from __future__ import annotations

from pathlib import Path

import click

from sf_social.classifier import RuleClassifier
from sf_social.cli.feedio import playbook_option, resolve_playbook
from sf_social.evaluation import evaluate as run_evaluation
from sf_social.evaluation import read_labelled


@click.command()
@click.argument("labelled", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@playbook_option
def evaluate(labelled: Path, playbook: Path | None) -> None:
    """Per-segment precision and recall and complaint F1 of the playbook on LABELLED.

    LABELLED is JSONL: {"post": {...}, "segment": "Request" or null, "complaint": true}.
    """
    classifier = RuleClassifier(resolve_playbook(playbook))
    click.echo(run_evaluation(read_labelled(labelled), classifier).render())

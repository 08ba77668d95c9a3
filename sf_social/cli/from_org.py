"""``train --from-org``: the org's corrections split for training and comparison, and the
decision whether the new model replaces the one in use."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import click

from sf_social.cli.evaluate import Floor, missed_floors
from sf_social.corrections import Example, Kind
from sf_social.errors import FeedLineError
from sf_social.evaluation import evaluate
from sf_social.labels import LabelledPost, parse_labelled
from sf_social.learning.classifier import ModelClassifier
from sf_social.learning.model import LinearModel
from sf_social.learning.replacement import compare, held_back
from sf_social.pipeline import classifier_for
from sf_social.playbook import Playbook

SOURCE = "the org"


def split_org_examples(
    found: Sequence[Example], share: float
) -> tuple[list[LabelledPost], list[LabelledPost]]:
    """(for training, held back): confirmations all train; ``share`` of the corrections is
    held back."""
    confirmations = labelled([e for e in found if e.kind is Kind.CONFIRMED])
    kept, held = held_back(corrections(found), share)
    return confirmations + kept, held


def corrections(found: Sequence[Example]) -> list[LabelledPost]:
    """The corrections among ``found`` (not the confirmations), as labelled posts."""
    return labelled([e for e in found if e.kind is not Kind.CONFIRMED])


def labelled(found: Sequence[Example]) -> list[LabelledPost]:
    """``found`` as the ``train`` format reads it; a line it refuses is reported, skipped."""
    posts: list[LabelledPost] = []
    for n, example in enumerate(found, start=1):
        raw = json.dumps(example.line, ensure_ascii=False).encode()
        parsed = parse_labelled(raw, SOURCE, n)
        if isinstance(parsed, FeedLineError):
            click.echo(f"skipped {parsed}", err=True)
        else:
            posts.append(parsed)
    return posts


def replaces(
    model: LinearModel,
    playbook: Playbook,
    held: Sequence[LabelledPost],
    against: Path | None,
    floors: tuple[Floor, ...],
) -> bool:
    """Whether ``model`` is better than the model in use on the ``held`` corrections and
    meets ``floors``; both scores are reported on stderr."""
    if not held:
        click.echo("no correction held back: nothing to compare the models on", err=True)
        return False
    in_use = against or _configured_model()
    new = evaluate(held, ModelClassifier(playbook, model))
    old = evaluate(held, classifier_for(playbook, in_use))
    verdict = compare(new, old)
    click.echo(f"on {len(held):,} held-back corrections, {verdict}", err=True)
    click.echo(f"  (in use: {in_use or 'the rules only'})", err=True)
    missed = missed_floors(new, floors)
    for line in missed:
        click.echo(f"below the floor: {line}", err=True)
    if not verdict.better:
        click.echo("the new model is not better than the one in use", err=True)
    return verdict.better and not missed


def _configured_model() -> Path | None:
    from sf_social.config import load_config

    return load_config().model

"""``sf-social metadata``: check and package the Salesforce metadata in ``metadata/``."""

from __future__ import annotations

from pathlib import Path

import click

from sf_social.cli.metadata_org import (
    METADATA_OPTION,
    PLAYBOOK_OPTION,
    deploy,
    diff,
    metadata_root,
)
from sf_social.cli.params import FilePath
from sf_social.metadata.build import build_package
from sf_social.metadata.validate import scanned_package, unshipped_queues
from sf_social.playbook import load_playbook


@click.group()
def metadata() -> None:
    """The custom fields, picklist values and permission set sf_social needs in the org."""


@metadata.command()
@PLAYBOOK_OPTION
@METADATA_OPTION
@click.pass_context
def validate(ctx: click.Context, playbook: Path | None, source: Path | None) -> None:
    """Check every file against the Metadata API XSD, the permission set, the mapping and routing.

    Prints one line per problem (file:line: component: what) and exits 1 if there is any.
    A queue the playbook routes to that metadata/ lacks is a note: the org must have it
    (``metadata diff`` and ``sf-social doctor`` ask the org).
    """
    root = metadata_root(source)
    rules = load_playbook(playbook)
    package, problems = scanned_package(root, rules)
    for problem in problems:
        click.echo(str(problem))
    for name in unshipped_queues(package, rules):
        click.echo(
            f"note: the playbook routes to queue {name}, which {root}/queues lacks: the org"
            f" must have it (add queues/{name}.queue-meta.xml to deploy it)",
            err=True,
        )
    if problems:
        click.echo(f"{len(problems)} problem(s) in {root}", err=True)
        ctx.exit(1)
    click.echo(f"ok: {package.count} components")


@metadata.command()
@click.option(
    "--out",
    required=True,
    type=FilePath(),
    help="A .zip file, or a new folder, for the Metadata API (mdapi-format) package.",
)
@METADATA_OPTION
def build(out: Path, source: Path | None) -> None:
    """Build a Metadata API package with package.xml, for deploy tools that take mdapi format."""
    package = build_package(metadata_root(source), out)
    click.echo(f"wrote {out}: {package.count} components")


metadata.add_command(diff)
metadata.add_command(deploy)

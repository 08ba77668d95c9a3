"""``sf-social playbook init|check``: start your own playbook from the bundled one; check it."""

from __future__ import annotations

import shutil
from pathlib import Path

import click

from sf_social.cli.params import FilePath, output_file
from sf_social.playbook import default_playbook_path, load_playbook
from sf_social.routing import routed_queues


@click.group()
def playbook() -> None:
    """Your own playbook: segments, routing, reply templates, response targets."""


@playbook.command()
@click.argument("path", type=output_file(), default="playbook.yaml", required=False)
@click.option("--force", is_flag=True, help="Replace PATH if it exists.")
def init(path: Path, force: bool) -> None:
    """Copy the bundled default playbook to PATH (default ./playbook.yaml) to edit it."""
    if path.exists() and not force:
        raise click.UsageError(f"{path} exists: give another PATH, or --force to replace it")
    shutil.copyfile(default_playbook_path(), path)
    click.echo(f"wrote {path}: the default playbook, commented; edit it, then")
    click.echo(f"  sf-social playbook check {path}")
    click.echo(
        f"  and use it: SF_SOCIAL_PLAYBOOK={path}, or playbook = {str(path)!r} in the config file"
    )


@playbook.command()
@click.argument("path", type=FilePath(exists=True, dir_okay=False))
def check(path: Path) -> None:
    """Validate PATH: exit 0 with a summary, or 2 naming each problem (file:line: key)."""
    book = load_playbook(path)  # PlaybookError -> exit 2 with every problem
    queues = sorted(routed_queues(book))
    click.echo(
        f"ok: {path}: {len(book.segments)} segments, routed to {len(queues)} queues"
        f" ({', '.join(queues)}); `sf-social metadata validate` checks them against the package"
    )

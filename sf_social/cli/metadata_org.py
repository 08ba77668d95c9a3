"""``sf-social metadata diff`` and ``deploy``: the org side of the metadata package.

Both log in with the ``SF_*`` settings (the environment over ``$SF_SOCIAL_CONFIG``) and
read the org through the Metadata API; ``deploy`` prints its progress on stderr and the
per-component result on stdout, and fails unless every component succeeded.
"""

from __future__ import annotations

from pathlib import Path

import click

from sf_social.bundled import bundled_path
from sf_social.cli.params import FilePath, Real, input_file
from sf_social.config import load_config
from sf_social.errors import MetadataDeployError
from sf_social.metadata.components import MetadataPackage
from sf_social.metadata.deploy import deploy_package, render_outcome
from sf_social.metadata.diff import plan_deploy, read_org, render_diff
from sf_social.metadata.mdapi import MetadataApi
from sf_social.metadata.session import open_session
from sf_social.metadata.validate import checked_package, unshipped_queues
from sf_social.playbook import load_playbook

METADATA_OPTION = click.option(
    "--metadata",
    "source",
    type=FilePath(exists=True, file_okay=False),
    default=None,
    help="Metadata folder in Salesforce DX source format (default: the bundled metadata/).",
)
PLAYBOOK_OPTION = click.option(
    "--playbook",
    type=input_file(),
    default=None,
    envvar="SF_SOCIAL_PLAYBOOK",
    help="Playbook whose mapping and routing must fit the metadata"
    " (default: $SF_SOCIAL_PLAYBOOK, else the bundled one).",
)


def metadata_root(source: Path | None) -> Path:
    """The metadata folder: ``source``, or the bundled ``metadata/``."""
    return source if source is not None else bundled_path("metadata")


def _checked(source: Path | None, playbook: Path | None) -> tuple[MetadataPackage, list[str]]:
    """The package, checked as ``metadata validate`` checks it, before the org is touched,
    and the routed queues it lacks (the org must have them)."""
    rules = load_playbook(playbook)
    package = checked_package(metadata_root(source), rules)
    return package, unshipped_queues(package, rules)


def _connect() -> tuple[MetadataApi, str]:
    """The Metadata API of the org the settings name, and the API version to use."""
    salesforce = load_config().salesforce
    session = open_session(salesforce)
    api = MetadataApi(session, api_version=salesforce.api_version, timeout=salesforce.timeout)
    return api, salesforce.api_version


@click.command()
@PLAYBOOK_OPTION
@METADATA_OPTION
def diff(playbook: Path | None, source: Path | None) -> None:
    """Show what a deploy would change in the org: fields, picklist values and queues to add.

    Refuses a package that ``metadata validate`` finds problems in (it names each one).
    """
    package, routed = _checked(source, playbook)
    api, _ = _connect()
    for line in render_diff(plan_deploy(package, read_org(api, package, routed), routed)):
        click.echo(line)


@click.command()
@click.option("--check-only", is_flag=True, help="Validate the deploy; change nothing.")
@click.option(
    "--sandbox", is_flag=True, help="The org is a sandbox: run no Apex tests (NoTestRun)."
)
@click.option(
    "--wait",
    type=Real(10, 7200),
    default=600,
    show_default=True,
    help="Seconds to wait for the deploy to finish.",
)
@PLAYBOOK_OPTION
@METADATA_OPTION
def deploy(
    check_only: bool, sandbox: bool, wait: float, playbook: Path | None, source: Path | None
) -> None:
    """Merge our values into the org's picklists, our queues into its queues, and deploy.

    Never drops an org value, nor a queue's members, email or objects.

    Checks the package as ``metadata validate`` does first, and sends nothing if it finds a
    problem. Reads the org, deploys the union of its values and ours (rolled back on any
    error), and prints each component's result. Fails (exit 2) unless every component
    succeeded.
    """
    package, routed = _checked(source, playbook)
    api, api_version = _connect()
    outcome = deploy_package(
        api,
        package,
        routed=routed,
        check_only=check_only,
        sandbox=sandbox,
        api_version=api_version,
        wait=wait,
        progress=lambda line: click.echo(line, err=True),
    )
    for line in render_diff(outcome.diff) + render_outcome(outcome):
        click.echo(line)
    if not outcome.ok:
        raise MetadataDeployError(f"deploy {outcome.result.id} {outcome.verdict}")

"""A local org set up as an admin following the README would: queues, fields, assignment."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from sf_social.playbook import load_playbook
from sf_social.routing import routed_queues
from sf_social.testing import LocalOrg
from sf_social.testing.setup import assign_permission_set, seed_queue, seed_setup
from tests.cli.conftest import Ops, clean_env


def ready_org(skip: tuple[str, ...] = ()) -> LocalOrg:
    """Every prerequisite in place, except the routed queues named in ``skip``."""
    org = LocalOrg(seed=5, api_version="63.0")
    seed_setup(org, "Northwind")
    agent = org.add_user("agent@northwind.example")
    for queue, sobjects in routed_queues(load_playbook()).items():
        if queue not in skip:
            seed_queue(org, queue, sobjects, [agent])
    assign_permission_set(org, "SF_Social_Integration", org.user_id)
    return org


@pytest.fixture
def doc(tmp_path: Path) -> Iterator[Ops]:
    org = ready_org()
    env = clean_env(
        SF_INSTANCE_URL=org.instance_url,
        SF_ACCESS_TOKEN=org.access_token,
        SF_USERNAME=org.credentials.username,
        SF_SOCIAL_DB=f"sqlite:///{tmp_path / 'state.db'}",
    )
    with org.mock():
        yield Ops(org, tmp_path, env)

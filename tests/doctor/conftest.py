"""A local org set up as an admin following the README would: queues, fields, assignment."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from sf_social.testing import LocalOrg, setup
from tests.cli.conftest import Ops, clean_env


def ready_org(skip: tuple[str, ...] = ()) -> LocalOrg:
    """Every prerequisite in place, except the routed queues named in ``skip``."""
    return setup.ready_org(skip=skip, seed=5, api_version="63.0")


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

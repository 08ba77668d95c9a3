"""pytest fixtures for code that uses sf_social: a ready local org and a config for it.

Installed with ``sf_social[testing]`` (entry point ``pytest11``), so a test asks for them
by name, no import needed::

    def test_my_sync(local_org, local_org_config):
        with sf_social.connect(local_org_config) as sync:
            sync.send([post])
        assert local_org.count("Case") == 1

``local_org`` is :func:`sf_social.testing.setup.ready_org` (metadata, queues, permission
set) answering every request to its instance URL through ``responses`` for the test's
duration; ``local_org_config`` logs in to it and keeps the state in the test's
``tmp_path``. The module imports nothing beyond pytest until a fixture is used, so an
installation without the ``testing`` extra (``responses``) still runs its own tests.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from sf_social.config import Config
    from sf_social.testing.org import LocalOrg


@pytest.fixture
def local_org() -> Iterator[LocalOrg]:
    """A ready local org, in-process: requests to its instance URL reach it."""
    from sf_social.testing.setup import ready_org

    org = ready_org(seed=0)
    with org.mock():
        yield org


@pytest.fixture
def local_org_config(local_org: LocalOrg, tmp_path: Path) -> Config:
    """A configuration logging in to ``local_org``, its state in ``tmp_path/state.db``."""
    from sf_social.config import Config, StateConfig
    from sf_social.salesforce_settings import SalesforceSettings

    return Config(
        state=StateConfig(url=f"sqlite:///{tmp_path / 'state.db'}"),
        salesforce=SalesforceSettings(
            instance_url=local_org.instance_url, access_token=local_org.access_token
        ),
    )

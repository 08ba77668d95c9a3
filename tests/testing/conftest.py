"""Fixtures of the local org tests: a fresh org, and a client talking to it in-process."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from sf_social.testing import LocalOrg
from tests.testing.helpers import Api


@pytest.fixture
def org() -> LocalOrg:
    """A fresh local org with the bundled metadata."""
    return LocalOrg(seed=1)


@pytest.fixture
def api(org: LocalOrg) -> Iterator[Api]:
    """A REST client answered by ``org`` through ``responses``."""
    with org.mock():
        yield Api(org)

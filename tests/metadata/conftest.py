"""Fixtures shared by the metadata tests."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import responses
from pydantic import SecretStr

from sf_social.bundled import bundled_path
from sf_social.metadata.components import MetadataPackage
from sf_social.metadata.mdapi import MetadataApi
from sf_social.metadata.session import OrgSession
from sf_social.metadata.source import load_package
from tests.metadata.fake_mdapi import INSTANCE, FakeOrg


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """A private copy of the shipped metadata/ folder, free to break."""
    copy = tmp_path / "metadata"
    shutil.copytree(bundled_path("metadata"), copy)
    return copy


@pytest.fixture(scope="session")
def package() -> MetadataPackage:
    """The shipped package, parsed."""
    return load_package(bundled_path("metadata"))


@pytest.fixture
def org() -> Iterator[FakeOrg]:
    """A Metadata API answering from documented fixtures."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield FakeOrg(mock)


@pytest.fixture
def api() -> MetadataApi:
    """A client of the fake org."""
    return MetadataApi(
        OrgSession(INSTANCE, SecretStr("00Dxx!session")), api_version="63.0", timeout=5
    )

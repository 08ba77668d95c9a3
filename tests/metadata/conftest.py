"""Fixtures shared by the metadata tests: the shipped package, a private copy of it, and a
local org whose Metadata API holds the components of the documented readMetadata answers."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from sf_social.bundled import bundled_path
from sf_social.metadata.components import MetadataPackage
from sf_social.metadata.mdapi import MetadataApi
from sf_social.metadata.session import OrgSession
from sf_social.metadata.source import load_package
from sf_social.testing import LocalOrg
from tests.metadata.files import DATA


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
def org() -> Iterator[LocalOrg]:
    """A local org without our fields that already has what the read_*.xml answers hold
    (a lowercase 'twitter' Case origin, an inactive 'InMail Sent', a Sales Desk queue...),
    answering in-process."""
    org = LocalOrg(custom_fields=False)
    for name in ("read_standard_value_sets.xml", "read_custom_fields.xml", "read_queues.xml"):
        org.metadata.load(DATA / name)
    with org.mock():
        yield org


@pytest.fixture
def api(org: LocalOrg) -> MetadataApi:
    """A Metadata API client of ``org``."""
    session = OrgSession(org.instance_url, SecretStr(org.access_token))
    return MetadataApi(session, api_version="63.0", timeout=5)

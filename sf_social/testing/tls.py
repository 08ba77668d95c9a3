"""A throw-away certificate authority and a server certificate for 127.0.0.1/localhost.

trustme makes both (EC P-256 keys: fast to make). Clients trust the server by trusting
``ca.pem`` (``REQUESTS_CA_BUNDLE`` or ``verify=``); nothing is added to the system's trust
store.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import trustme


@dataclass(frozen=True)
class CertificateFiles:
    """PEM files: the CA to trust, and the server's certificate chain and key."""

    ca_file: Path
    cert_file: Path
    key_file: Path


def make_certificates(
    folder: Path, hosts: tuple[str, ...] = ("127.0.0.1", "localhost")
) -> CertificateFiles:
    """Write ``ca.pem``, ``server.pem`` and ``server.key`` into ``folder``."""
    ca = trustme.CA(organization_name="sf_social local org CA")
    server = ca.issue_cert(*hosts, common_name=hosts[0])
    folder.mkdir(parents=True, exist_ok=True)
    files = CertificateFiles(folder / "ca.pem", folder / "server.pem", folder / "server.key")
    ca.cert_pem.write_to_path(str(files.ca_file))
    files.cert_file.write_bytes(b"".join(blob.bytes() for blob in server.cert_chain_pems))
    server.private_key_pem.write_to_path(str(files.key_file))
    files.key_file.chmod(0o600)
    return files

"""Where ``webhook serve`` keeps what each network sent until it is synced: the file an
environment variable names, else one in the working directory."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

SPOOL_ENV = {"facebook": "FB_WEBHOOK_SPOOL", "linkedin": "LI_LEADS_SPOOL"}
DEFAULT_SPOOLS = {"facebook": "facebook-webhooks.db", "linkedin": "linkedin-leads.db"}


def spool_path(network: str, env: Mapping[str, str]) -> Path:
    """The spool file of ``network`` (``facebook`` or ``linkedin``) as ``env`` sets it."""
    return Path(env.get(SPOOL_ENV[network]) or DEFAULT_SPOOLS[network])

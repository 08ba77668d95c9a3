"""Where the bundled default playbook (``mappings/``) and metadata (``metadata/``) live.

In a source checkout they are the top-level folders; an installed wheel carries copies
inside the package (``sf_social/_bundled/``).
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def bundled_path(name: str) -> Path:
    """The folder ``name`` ("mappings" or "metadata") of the bundled defaults."""
    for candidate in (_PACKAGE / "_bundled" / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(
        f"bundled folder {name!r} not found next to {_PACKAGE}: reinstall sf_social"
    )

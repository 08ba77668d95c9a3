"""Files we create hold posts, people and secrets: owner-only (0600), never through a symlink.

The state database, the webhook spool and their lock files are opened here. A file that
does not exist is created with mode 0600 (SQLite gives its ``-wal``, ``-shm`` and
``-journal`` files the database's mode). A path whose last component is a symbolic link is
refused: whoever can plant the link could make us overwrite or truncate its target.
Symlinked *folders* on the way, as container volumes use, stay allowed. An existing file
keeps the mode its owner gave it.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

from sf_social.errors import StateError

PRIVATE_MODE = 0o600


def open_private(path: Path, what: str, flags: int = os.O_RDWR) -> int:
    """A file descriptor on ``path`` (created 0600 if missing); ``StateError`` if a symlink.

    ``what`` names the file in messages ("state database", "lock file"...).
    """
    try:
        return os.open(path, flags | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, PRIVATE_MODE)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise StateError(
                f"{what} {path} is a symbolic link, which is refused (it could point anywhere):"
                " point the setting at the real file (a symlinked folder is fine)"
            ) from None
        raise StateError(f"cannot open {what} {path}: {exc.strerror}") from None


def create_private(path: Path, what: str) -> None:
    """Create ``path`` empty and 0600 unless it exists; refuse it if it is a symlink.

    An existing file is not opened: closing any descriptor of a file drops every POSIX
    lock this process holds on it, SQLite's included (another store open on the same
    database would then lose its locks, and its writes could be lost to a checkpoint).
    """
    if not path.is_symlink() and path.exists():
        return
    os.close(open_private(path, what, os.O_RDONLY))

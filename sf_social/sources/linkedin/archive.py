"""Open a LinkedIn member data export, a folder or the ZIP LinkedIn mails, within safe limits.

The export's CSV files are found by name, case-insensitively, at the top or in one
sub-folder (people often unzip into a folder of the same name). A ZIP is read member by
member without extracting anything to disk; its declared sizes are checked before reading
and the bytes actually read are counted (a lying header cannot get past the cap), so a
"zip bomb" is refused with a clear ``ExportError`` instead of filling memory.
"""

from __future__ import annotations

import hashlib
import os
import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from sf_social.errors import ExportError

KNOWN_FILES = ("connections.csv", "invitations.csv", "messages.csv")
"""The files the importer reads (lower case); every other file of the export is ignored."""


@dataclass(frozen=True)
class Limits:
    """Caps on what an export may make us read, so that its memory stays bounded.

    Memory grows with the events more than with the bytes (~5 KB per event at the peak:
    its row, its post and the marked copy; 437 MB for 70,000 messages), so the number of
    rows is capped too. At the defaults an import peaks near 600 MB; the largest real
    exports (30,000 connections, tens of thousands of messages) are well inside them.
    """

    max_file_bytes: int = 64 * 1024 * 1024
    max_total_bytes: int = 128 * 1024 * 1024
    max_ratio: int = 100
    """Largest uncompressed/compressed ratio of a ZIP member (CSV text compresses ~10x),
    from the declared sizes and again from the bytes actually read."""
    max_members: int = 20_000
    max_rows: int = 120_000
    """Rows (events) read from all the files together."""


@dataclass(frozen=True)
class ExportFiles:
    """The known files of one export, as text, with a fingerprint of their content."""

    path: str
    texts: dict[str, str]
    """Lower-case file name → decoded text (only the files present)."""
    fingerprint: str

    def text(self, name: str) -> str | None:
        return self.texts.get(name.lower())


DEFAULT_LIMITS = Limits()


def open_export(path: Path, limits: Limits = DEFAULT_LIMITS) -> ExportFiles:
    """The known files of the export at ``path`` (folder or ZIP); ``ExportError`` if unusable."""
    where = str(path)
    if path.is_dir():
        raw = _from_dir(path, limits)
    elif path.is_file():
        if not zipfile.is_zipfile(path):
            raise ExportError(where, "not a folder or a ZIP file: give the LinkedIn export")
        raw = _from_zip(path, limits)
    else:
        raise ExportError(where, "no such file or folder")
    if not raw:
        expected = ", ".join(n.capitalize() if n != "messages.csv" else n for n in KNOWN_FILES)
        raise ExportError(
            where,
            f"none of {expected} found: is this a LinkedIn data export"
            " (Settings & Privacy > Data privacy > Get a copy of your data)?",
        )
    digest = hashlib.sha256()
    texts: dict[str, str] = {}
    for name in sorted(raw):
        digest.update(name.encode() + b"\0" + raw[name] + b"\0")
        texts[name] = raw[name].decode("utf-8-sig", errors="replace")
    return ExportFiles(where, texts, digest.hexdigest()[:32])


def _wanted(relative: PurePosixPath) -> str | None:
    name = relative.name.lower()
    if name in KNOWN_FILES and len(relative.parts) <= 2:
        return name
    return None


def _from_dir(root: Path, limits: Limits) -> dict[str, bytes]:
    """The known files of a folder export. The folder itself may be reached through a
    symbolic link (container volumes are); a link *inside* it (a file or the sub-folder)
    is refused, named by its place in the export, its target never read nor shown."""
    found: dict[str, bytes] = {}
    total = 0
    candidates = sorted(p for p in [*root.glob("*"), *root.glob("*/*")] if p.is_file())
    for file in candidates:
        relative = PurePosixPath(file.relative_to(root).as_posix())
        name = _wanted(relative)
        if name is None or name in found:
            continue
        _refuse_links(root, relative)
        data = _read_regular(root / Path(*relative.parts), limits.max_file_bytes)
        total += len(data)
        if total > limits.max_total_bytes:
            raise ExportError(str(root), f"more than {limits.max_total_bytes:,} bytes to read")
        found[name] = data
    return found


def _refuse_links(root: Path, relative: PurePosixPath) -> None:
    for depth in range(1, len(relative.parts) + 1):
        inside = PurePosixPath(*relative.parts[:depth])
        if (root / Path(*inside.parts)).is_symlink():
            raise ExportError(
                str(root),
                f"{inside} is a symbolic link: links inside an export are refused"
                " (copy the file into the export instead)",
            )


def _read_regular(file: Path, cap: int) -> bytes:
    """The bytes of a regular file, opened without following a link (checked again, in
    case it was swapped after the check) and read at most ``cap`` bytes."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(file, flags)
    except OSError as exc:
        raise ExportError(str(file), f"cannot open: {exc.strerror}") from None
    with os.fdopen(fd, "rb") as stream:
        info = os.fstat(stream.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise ExportError(str(file), "not a regular file; refused")
        _check_size(str(file), info.st_size, Limits(max_file_bytes=cap))
        data = stream.read(cap + 1)
    if len(data) > cap:
        _check_size(str(file), len(data), Limits(max_file_bytes=cap))
    return data


def _from_zip(path: Path, limits: Limits) -> dict[str, bytes]:
    where = str(path)
    found: dict[str, bytes] = {}
    total = 0
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            if len(members) > limits.max_members:
                raise ExportError(
                    where, f"{len(members):,} entries: more than {limits.max_members:,}"
                )
            for info in sorted(members, key=lambda i: i.filename):
                if info.is_dir():
                    continue
                name = _wanted(PurePosixPath(info.filename))
                if name is None or name in found:
                    continue
                _check_size(f"{where}!{info.filename}", info.file_size, limits)
                if info.compress_size and info.file_size / info.compress_size > limits.max_ratio:
                    raise ExportError(
                        where,
                        f"{info.filename}: compression ratio above {limits.max_ratio}:1"
                        " (a zip bomb?); refusing to read it",
                    )
                cap = min(limits.max_file_bytes, limits.max_total_bytes - total)
                ratio_cap = max(info.compress_size, 1) * limits.max_ratio
                data = _read_capped(archive, info, min(cap, ratio_cap), where)
                total += len(data)
                found[name] = data
    except zipfile.BadZipFile as exc:
        raise ExportError(where, f"broken ZIP file: {exc}") from None
    return found


def _read_capped(archive: zipfile.ZipFile, info: zipfile.ZipInfo, cap: int, where: str) -> bytes:
    chunks: list[bytes] = []
    size = 0
    with archive.open(info) as stream:
        while chunk := stream.read(1024 * 1024):
            size += len(chunk)
            if size > cap:
                raise ExportError(
                    where,
                    f"{info.filename}: more than {cap:,} bytes uncompressed (size limit, or"
                    " compression ratio above the limit: a zip bomb?); refusing it",
                )
            chunks.append(chunk)
    return b"".join(chunks)


def _check_size(where: str, size: int, limits: Limits) -> None:
    if size > limits.max_file_bytes:
        raise ExportError(
            where, f"{size:,} bytes: larger than the {limits.max_file_bytes:,}-byte limit"
        )

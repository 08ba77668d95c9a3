"""Salesforce record Ids: 15-character case-sensitive Ids and their 18-character form.

An Id starts with the three-character key prefix of its object (``00Q`` Lead, ``500``
Case, ...). The 18-character form appends a checksum of the letter case of the first 15
characters, which is why an 18-character Id with a wrong suffix is malformed.
"""

from __future__ import annotations

import itertools
import re
import threading
import zlib
from functools import lru_cache

from sf_social.testing.setup import KEY_PREFIXES as SETUP_PREFIXES

KEY_PREFIXES: dict[str, str] = {
    "Account": "001",
    "Contact": "003",
    "User": "005",
    "Group": "00G",
    "Lead": "00Q",
    "Task": "00T",
    "Case": "500",
    "BulkJob": "750",
    "DeployRequest": "0Af",
    "Organization": "00D",
    "QueryLocator": "01g",
    "Individual": "0PK",
    "ContactPointTypeConsent": "0ZY",
    **SETUP_PREFIXES,
}
"""Key prefixes of the objects the local org knows (and of a few internal things)."""

_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_SUFFIX = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
_SHAPE = re.compile(r"^[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?$")


def key_prefix(sobject: str) -> str:
    """The key prefix of ``sobject``; a custom object (``__c``) gets one of the ``a0``
    prefixes, derived from its name and remembered in ``KEY_PREFIXES``."""
    if sobject not in KEY_PREFIXES:
        if not sobject.endswith("__c"):
            raise KeyError(f"no key prefix for {sobject}")
        KEY_PREFIXES[sobject] = "a0" + _ALPHABET[zlib.crc32(sobject.encode()) % len(_ALPHABET)]
    return KEY_PREFIXES[sobject]


def checksum(id15: str) -> str:
    """The three characters that turn a 15-character Id into its 18-character form."""
    return _part(id15[0:5]) + _part(id15[5:10]) + _part(id15[10:15])


@lru_cache(maxsize=1 << 16)
def _part(chars: str) -> str:
    """The checksum character of five Id characters (which of them are capitals)."""
    return _SUFFIX[sum(1 << i for i, c in enumerate(chars) if "A" <= c <= "Z")]


def to18(record_id: str) -> str:
    """The 18-character form of a well-formed Id (15 or 18 characters)."""
    return record_id if len(record_id) == 18 else record_id + checksum(record_id)


def is_well_formed(value: str) -> bool:
    """True for a 15-character Id, or an 18-character one whose checksum matches."""
    if not _SHAPE.match(value):
        return False
    return len(value) == 15 or checksum(value[:15]) == value[15:]


def object_of(record_id: str) -> str | None:
    """The object a well-formed Id belongs to, by its key prefix (None if unknown)."""
    prefix = record_id[:3]
    return next((name for name, p in KEY_PREFIXES.items() if p == prefix), None)


class IdFactory:
    """Makes unique, real-looking 18-character Ids, thread-safe."""

    def __init__(self, pod: str = "8d") -> None:
        self._pod = pod
        self._counter = itertools.count(1)
        self._lock = threading.Lock()

    def new(self, sobject: str) -> str:
        """A fresh Id for a record of ``sobject``."""
        with self._lock:
            n = next(self._counter)
        digits = ""
        for _ in range(6):
            n, rest = divmod(n, 62)
            digits = _ALPHABET[rest] + digits
        id15 = f"{key_prefix(sobject)}{self._pod}0000{digits}"
        return id15 + checksum(id15)

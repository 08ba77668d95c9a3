"""Who a person is, without keeping who they are: digests for erasure and suppression.

Design rule 11: what people take back stays taken back. An erased person is remembered
only as a digest (``sha256:`` of the network and handle, or of the email), in the
suppression list and in the ledger's ``author`` column, so their later posts can be
refused and their earlier ones found again, without the store holding the handle or the
email itself. A digest is pseudonymous, not anonymous: whoever guesses the handle can
confirm it (``docs/privacy.md``).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from sf_social.posts import Network, SocialPost

_PREFIX = "sha256:"
_HANDLE = re.compile(r"[^\s@]+")
_EMAIL = re.compile(r"[^\s@]+@[^\s@]+\.[^\s@]+")


def _digest(kind: str, value: str) -> str:
    text = f"sf_social:{kind}:{value}"
    return _PREFIX + hashlib.sha256(text.encode("utf-8")).hexdigest()


def handle_digest(network: Network, handle: str) -> str:
    """The digest of a handle on one network (a handle is unique only on its network).

    Case-insensitive, without a leading ``@``.
    """
    return _digest(f"handle:{network.value}", handle.strip().lstrip("@").casefold())


def email_digest(email: str) -> str:
    """The digest of an email address (case-insensitive: the domain is, the local part is
    in practice)."""
    return _digest("email", email.strip().casefold())


def author_digest(post: SocialPost) -> str | None:
    """The digest the ledger keeps of a post's author: by handle, else by email (a lead
    form's author has only that), ``None`` for a post with neither."""
    author = post.author
    if author is None:
        return None
    if author.handle:
        return handle_digest(post.network, author.handle)
    return email_digest(author.email) if author.email else None


def author_digests(post: SocialPost) -> set[str]:
    """Every digest a post's author can be suppressed by: handle and email."""
    found = set()
    author = post.author
    if author is not None and author.handle:
        found.add(handle_digest(post.network, author.handle))
    if author is not None and author.email:
        found.add(email_digest(author.email))
    return found


@dataclass(frozen=True, slots=True)
class Person:
    """A person to erase: a handle on one network, and/or an email address."""

    network: Network | None = None
    handle: str | None = None
    email: str | None = None

    def __post_init__(self) -> None:
        if self.handle is not None and self.network is None:
            raise ValueError("--handle needs --network: a handle is unique only on one")
        if not (self.handle or self.email):
            raise ValueError("name the person: --network N --handle H, and/or --email E")
        if self.handle is not None and not _HANDLE.fullmatch(self.clean_handle or ""):
            raise ValueError(
                f"--handle {self.handle!r} is no handle: one word, as the network shows it"
                " (with or without @)"
            )
        if self.email is not None and not _EMAIL.fullmatch(self.email.strip()):
            raise ValueError(
                f"--email {self.email!r} is no email address: it must read name@domain"
            )

    @property
    def clean_handle(self) -> str | None:
        """The handle without ``@`` and surrounding space."""
        return self.handle.strip().lstrip("@") if self.handle else None

    def digests(self) -> frozenset[str]:
        """The digests naming this person (handle on its network, email)."""
        found = set()
        if self.handle and self.network is not None:
            found.add(handle_digest(self.network, self.handle))
        if self.email:
            found.add(email_digest(self.email))
        return frozenset(found)

    def needles(self) -> tuple[str, ...]:
        """Casefolded texts whose presence in a stored plan names the person: ``@handle``,
        the email."""
        found = []
        if self.clean_handle:
            found.append("@" + self.clean_handle.casefold())
        if self.email:
            found.append(self.email.strip().casefold())
        return tuple(found)


def mentions(text: str, needles: tuple[str, ...]) -> bool:
    """Whether ``text`` holds one of ``needles`` (``Person.needles``) as a whole word."""
    folded = text.casefold()
    for needle in filter(None, needles):  # an empty needle would match every text
        pattern = re.escape(needle) + r"(?![\w.-]*\w)"
        if re.search(r"(?<![\w.+-])" + pattern, folded):
            return True
    return False

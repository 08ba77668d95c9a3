"""Webhook routes: another network's notifications served beside Facebook's on one receiver.

``sf-social webhook serve`` answers Facebook at ``/`` and each :class:`WebhookRoute` at its
own path (LinkedIn Lead Sync at ``/linkedin``), behind the same proxy, with the same bounds
on connections, bodies and time. A route answers its network's GET challenge, says whether
a body's HMAC (computed by the receiver as the body streams in, keyed with the route's
``secret``) is the one its header carries, splits a signed body into events with stable
ids, and stores them durably before the receiver answers 200. Its source reads them back
through an :class:`EventLog` with its own cursor.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol


class WebhookRoute(Protocol):
    """One network's webhook endpoint on the receiver."""

    path: str
    """Where it is served, e.g. ``/linkedin``."""
    secret: str
    """The key of the body's HMAC-SHA256 (the app's client secret)."""
    signed_prefixes: tuple[bytes, ...]
    """Bytes the network may sign before the body: the receiver checks the body's HMAC and
    one per prefix (LinkedIn documents ``hmacsha256=``)."""

    def challenge(self, query: Mapping[str, list[str]]) -> tuple[int, str, str]:
        """The answer to a GET: (status, content type, body)."""
        ...

    def signed(self, hexdigest: str, headers: Mapping[str, str]) -> bool:
        """Whether the body whose HMAC is ``hexdigest`` carries that signature (constant
        time)."""
        ...

    def events(self, payload: Any) -> list[tuple[str, dict[str, Any]]]:
        """``(stable id, event)`` pairs of a signed body; ``ValueError`` when it is not one of
        this network's notifications."""
        ...

    def store(self, events: list[tuple[str, dict[str, Any]]]) -> int:
        """Store ``events`` durably, repeats once; how many were new."""
        ...


class EventLog(Protocol):
    """Stored webhook events, read in order of arrival (a webhook spool)."""

    @property
    def path(self) -> Any:
        """Where the events are kept (named in rejections)."""
        ...

    def read(self, after: int, limit: int) -> list[tuple[int, str, dict[str, Any]]]:
        """Up to ``limit`` events after sequence number ``after``: (seq, event id, event)."""
        ...

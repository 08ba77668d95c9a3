"""A state store belongs to the one Salesforce org it writes to.

The ledger says which posts were written, the record Ids and threads say where: all of it
is about one org. Pointed at another org, the store would skip every post it wrote to the
first one. So the org id (from the login, at no extra call) is recorded on first use under
the status entry :data:`BINDING`, and a store used with another org is refused
(:class:`~sf_social.errors.OtherOrgError`) unless the operator rebinds it, which forgets
what the store knew of the old org (``StateStore.forget_org``).
"""

from __future__ import annotations

import logging
from datetime import datetime
from enum import StrEnum

from sf_social.errors import OtherOrgError
from sf_social.state.clock import now_or
from sf_social.state.port import StateStore

log = logging.getLogger(__name__)

BINDING = "@org"
"""The status entry holding the bound org id (names starting with ``@`` are not sources)."""


class Binding(StrEnum):
    """What :func:`bind_to_org` found and did."""

    BOUND = "bound"  # first use: the org is recorded
    SAME = "same"  # already bound to this org
    REBOUND = "rebound"  # bound to another org: forgotten and bound to this one
    UNKNOWN = "unknown"  # the org id could not be known: the store stays unbound


def bound_org(store: StateStore) -> str | None:
    """The org id the store belongs to, ``None`` if it was never bound."""
    state = store.source(BINDING)
    org_id = state.status.get("org_id") if state and state.status else None
    return org_id if isinstance(org_id, str) else None


def bind_to_org(
    store: StateStore,
    database: str,
    org_id: str | None,
    *,
    rebind: bool = False,
    now: datetime | None = None,
) -> Binding:
    """Check that ``store`` belongs to ``org_id``; record it on first use.

    ``OtherOrgError`` when the store belongs to another org and ``rebind`` is false.
    """
    if org_id is None:
        log.warning(
            "the Salesforce org id is unknown (the session id does not carry it): the state"
            " database %s is not bound to an org",
            database,
        )
        return Binding.UNKNOWN
    org_id = org_id[:15]  # 15 and 18 character forms name the same org
    bound = bound_org(store)
    if bound == org_id:
        return Binding.SAME
    result = Binding.BOUND
    if bound is not None:
        if not rebind:
            raise OtherOrgError(database, bound, org_id)
        forgotten = store.forget_org()
        log.warning("state rebound from org %s to %s; forgotten: %s", bound, org_id, forgotten)
        result = Binding.REBOUND
    at = now_or(now)
    store.set_source_status(BINDING, {"org_id": org_id, "since": at.isoformat()}, now=at)
    return result

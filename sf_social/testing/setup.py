"""The setup objects a preflight reads: the org, queue objects and members, permission sets.

Queryable only, as in an org (sf_social reads them, never writes them): ``Organization``,
``QueueSobject`` (which objects a queue may own), ``GroupMember`` (who works a queue),
``PermissionSet`` and ``PermissionSetAssignment``, defined with the other standard objects
(``sf_social.testing.standard``). Seed them with :func:`seed_setup`, :func:`seed_queue`
and :func:`assign_permission_set`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sf_social.testing.org import LocalOrg

KEY_PREFIXES = {
    "QueueSobject": "03g",
    "GroupMember": "011",
    "PermissionSet": "0PS",
    "PermissionSetAssignment": "0Pa",
}


def seed_setup(org: LocalOrg, name: str = "Local org", sandbox: bool = False) -> None:
    """The ``Organization`` row (with the org's Id) and the integration permission set."""
    org.insert("Organization", Id=org.org_id, Name=name, IsSandbox=sandbox)
    org.insert("PermissionSet", Name="SF_Social_Integration", Label="SF Social Integration")


def seed_queue(
    org: LocalOrg, name: str, sobjects: Iterable[str] = ("Case",), members: Iterable[str] = ()
) -> str:
    """A queue that may own ``sobjects``, worked by the users ``members``; its Id."""
    queue = org.add_queue(name, sobjects=sobjects)
    for user in members:
        org.insert("GroupMember", GroupId=queue, UserOrGroupId=user)
    return queue


def assign_permission_set(org: LocalOrg, name: str, user_id: str) -> str:
    """Assign the permission set ``name`` (seeded before) to ``user_id``; the assignment Id."""
    (found,) = [r["Id"] for r in org.records("PermissionSet") if r["Name"] == name]
    return org.insert("PermissionSetAssignment", AssigneeId=user_id, PermissionSetId=found)

"""The setup objects a preflight reads: the org, queue objects and members, permission sets.

Queryable only, as in an org (sf_social reads them, never writes them): ``Organization``,
``QueueSobject`` (which objects a queue may own), ``GroupMember`` (who works a queue),
``PermissionSet`` and ``PermissionSetAssignment``, defined with the other standard objects
(``sf_social.testing.standard``). Seed them with :func:`seed_setup`, :func:`seed_queue`
and :func:`assign_permission_set`, or take :func:`ready_org`: an org set up as an admin
following the README would (what ``sf-social doctor`` passes).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sf_social.playbook import Playbook
    from sf_social.testing.org import LocalOrg

INTEGRATION_PERMISSION_SET = "SF_Social_Integration"

KEY_PREFIXES = {
    "QueueSobject": "03g",
    "GroupMember": "011",
    "PermissionSet": "0PS",
    "PermissionSetAssignment": "0Pa",
    "CustomNotificationType": "0ML",
}


def seed_setup(org: LocalOrg, name: str = "Local org", sandbox: bool = False) -> None:
    """The ``Organization`` row (with the org's Id) and the integration permission set."""
    org.insert("Organization", Id=org.org_id, Name=name, IsSandbox=sandbox)
    org.insert("PermissionSet", Name=INTEGRATION_PERMISSION_SET, Label="SF Social Integration")


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


def ready_org(
    playbook: Playbook | None = None, *, skip: Iterable[str] = (), **options: Any
) -> LocalOrg:
    """A local org with every prerequisite of ``playbook`` (default: the bundled one): the
    metadata's fields, each routed queue (but those in ``skip``) accepting its objects and
    worked by an agent, and the integration permission set assigned. ``options`` go to
    :class:`LocalOrg` (``seed``, ``api_version``...)."""
    from sf_social.playbook import load_playbook
    from sf_social.routing import routed_queues
    from sf_social.testing.org import LocalOrg

    org = LocalOrg(**options)
    seed_setup(org, "Northwind")
    agent = org.add_user("agent@northwind.example")
    for queue, sobjects in routed_queues(playbook or load_playbook()).items():
        if queue not in skip:
            seed_queue(org, queue, sobjects, [agent])
    assign_permission_set(org, INTEGRATION_PERMISSION_SET, org.user_id)
    return org

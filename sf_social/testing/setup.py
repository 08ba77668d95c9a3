"""The setup objects a preflight reads: the org, queue objects and members, permission sets.

Queryable only, as in an org (sf_social reads them, never writes them): ``Organization``,
``QueueSobject`` (which objects a queue may own), ``GroupMember`` (who works a queue),
``PermissionSet`` and ``PermissionSetAssignment``. Seed them with :func:`seed_setup`,
:func:`seed_queue` and :func:`assign_permission_set`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from sf_social.testing.schema import FieldSpec, FieldType, ObjectSpec

if TYPE_CHECKING:
    from sf_social.testing.org import LocalOrg

T = FieldType
KEY_PREFIXES = {
    "QueueSobject": "03g",
    "GroupMember": "011",
    "PermissionSet": "0PS",
    "PermissionSetAssignment": "0Pa",
}


def _ref(name: str, to: tuple[str, ...], relationship: str) -> FieldSpec:
    return FieldSpec(
        name=name,
        type=T.REFERENCE,
        label=name,
        length=18,
        reference_to=to,
        relationship=relationship,
    )


def _text(name: str, length: int = 80) -> FieldSpec:
    return FieldSpec(name=name, type=T.STRING, label=name, length=length)


def setup_objects() -> list[ObjectSpec]:
    """Fresh definitions of the setup objects (an Id field each, no owner)."""
    fields: dict[str, list[FieldSpec]] = {
        "Organization": [
            _text("Name"),
            _text("OrganizationType", 40),
            FieldSpec(name="IsSandbox", type=T.BOOLEAN, label="Is Sandbox", default=False),
        ],
        "QueueSobject": [_ref("QueueId", ("Group",), "Queue"), _text("SobjectType", 40)],
        "GroupMember": [
            _ref("GroupId", ("Group",), "Group"),
            _ref("UserOrGroupId", ("User", "Group"), "UserOrGroup"),
        ],
        "PermissionSet": [_text("Name"), _text("Label")],
        "PermissionSetAssignment": [
            _ref("AssigneeId", ("User",), "Assignee"),
            _ref("PermissionSetId", ("PermissionSet",), "PermissionSet"),
        ],
    }
    objects = []
    for name, own in fields.items():
        spec = ObjectSpec(name=name, label=name, queryable_only=True)
        identity = FieldSpec(
            name="Id", type=T.ID, label="ID", length=18, createable=False, updateable=False
        )
        for field in (identity, *own):
            spec.add(field)
        objects.append(spec)
    return objects


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

"""What a deploy of our package would change in the org, read through the Metadata API.

``read_org`` reads the org's side of every component of the package (our standard value
sets, our custom fields, our queues and the routed queues we do not ship); ``plan_deploy``
merges our values into the org's lists, our queues into the org's (``queues``) and lists
the fields to add; ``render_diff`` words the plan for an admin.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from dataclasses import field as default

from sf_social.errors import MetadataApiError
from sf_social.metadata.components import MetadataPackage, ValueDef
from sf_social.metadata.mdapi import MetadataApi, MetadataRecord
from sf_social.metadata.merge import MatchKind, PicklistValue, ValueSetMerge, merge_values
from sf_social.metadata.queues import QueueMerge, merge_queue

SHARED = {"LeadSource": "Lead.LeadSource and Account.AccountSource"}
"""Standard value sets that several fields use: a change shows in each."""


@dataclass(frozen=True)
class OrgState:
    """The org's side of our components; a component the org lacks is absent."""

    value_sets: Mapping[str, MetadataRecord]
    fields: Mapping[str, MetadataRecord]
    queues: Mapping[str, MetadataRecord] = default(default_factory=dict)


@dataclass(frozen=True)
class MetadataDiff:
    """What deploying the package changes: fields to add, merged value lists, conflicts.

    ``merges`` holds one merge per standard value set and per picklist field the org
    already has; ``conflicts`` lists what a deploy must not touch (it refuses to start).
    """

    fields_to_add: tuple[str, ...]
    fields_present: tuple[str, ...]
    merges: tuple[ValueSetMerge, ...]
    conflicts: tuple[str, ...] = ()
    queues: tuple[QueueMerge, ...] = ()
    analytics: tuple[str, ...] = ()
    """Our custom objects' settings, validation rules, report types, reports, dashboards,
    folders, notification types, custom permissions and quick actions
    (``Report Social_Care/...``): ours, so deployed as they are."""

    @property
    def changes(self) -> bool:
        """Whether a deploy would add a field, a value or a queue (or a queue's object)."""
        merges: tuple[ValueSetMerge | QueueMerge, ...] = (*self.merges, *self.queues)
        return bool(self.fields_to_add) or any(m.changes_org for m in merges)


def read_org(api: MetadataApi, package: MetadataPackage, routed: Sequence[str] = ()) -> OrgState:
    """The org's current value sets, custom fields and queues (``package``'s and ``routed``).

    Every org has every standard value set, with values: one read as missing or empty is
    a bad answer (or a user who may not read it), and merging into it would deploy our
    values alone — deactivating all of the org's. That stops here, naming the value set.
    """
    names = [s.name for s in package.value_sets]
    value_sets = api.read_metadata("StandardValueSet", names)
    for name in names:
        record = value_sets.get(name)
        if record is None or not record.values:
            answered = "no such value set" if record is None else "a value set with no values"
            raise MetadataApiError(
                "readMetadata",
                f"StandardValueSet {name}",
                f"the org answered {answered}; every org has its {name} values, and deploying"
                " ours alone would deactivate them, so nothing was deployed. Check that the"
                " user may read metadata (Modify Metadata or View Setup), then run again",
            )
    return OrgState(
        value_sets=value_sets,
        fields=api.read_metadata("CustomField", [f.member for f in package.fields]),
        queues=api.read_metadata("Queue", [q.name for q in package.queues] + list(routed)),
    )


def plan_deploy(
    package: MetadataPackage, org: OrgState, routed: Sequence[str] = ()
) -> MetadataDiff:
    """The deploy that adds ``package`` to ``org`` without losing anything the org has.

    ``routed``: queues the playbook routes to that the package does not ship; one the org
    lacks too is a conflict.
    """
    merges: list[ValueSetMerge] = []
    for value_set in package.value_sets:
        record = org.value_sets.get(value_set.name)
        org_values = record.values if record else ()
        flag = record.sorted if record else value_set.sorted
        merges.append(
            merge_values(value_set.name, org_values, _ours(value_set.values), sorted=flag)
        )
    to_add: list[str] = []
    present: list[str] = []
    conflicts: list[str] = []
    for field in package.fields:
        record = org.fields.get(field.member)
        if record is None:
            to_add.append(field.member)
            continue
        present.append(field.member)
        if record.field_type != field.type:
            conflicts.append(
                f"{field.member} is a {record.field_type} field in the org, ours is a"
                f" {field.type}: change it in Setup or rename ours, a deploy won't convert it"
            )
        elif field.is_picklist and record.value_set_name:
            conflicts.append(
                f"{field.member} takes its values from the global value set"
                f" {record.value_set_name} in the org: add our values there in Setup"
            )
        elif field.is_picklist:
            merges.append(
                merge_values(field.member, record.values, _ours(field.values), sorted=record.sorted)
            )
    conflicts += [
        f"{merge.name}: the org's {reuse.org_name!r} carries the label of our {reuse.ours!r},"
        f" but sf_social writes the API name {reuse.ours!r}, which the org lacks (a restricted"
        " picklist refuses it, an open one stores it as an inactive value): rename the org"
        f" value's API name to {reuse.ours!r} in Setup, or give it another label, then deploy"
        for merge in merges
        for reuse in merge.reused
        if reuse.how is MatchKind.LABEL
    ]
    conflicts += [
        f"the playbook routes to queue {name}, which is neither in metadata/queues nor in the"
        f" org: add queues/{name}.queue-meta.xml, create the queue in Setup or fix routing"
        for name in routed
        if name not in org.queues
    ]
    queues = tuple(merge_queue(q, org.queues.get(q.name)) for q in package.queues)
    analytics = (
        *(f"CustomObject {o.name}" for o in package.objects),
        *(f"ValidationRule {r.member}" for r in package.validation_rules),
        *(f"{a.kind} {a.name}" for a in package.analytics),
    )
    return MetadataDiff(
        tuple(to_add), tuple(present), tuple(merges), tuple(conflicts), queues, analytics
    )


def _ours(values: tuple[ValueDef, ...]) -> list[PicklistValue]:
    return [PicklistValue(v.full_name, v.label) for v in values]


def render_diff(diff: MetadataDiff) -> list[str]:
    """The plan in lines an admin reads: what is added, re-activated, reused, kept, refused."""
    lines = [f"Custom fields to add ({len(diff.fields_to_add)}):"]
    lines += [f"  + {name}" for name in diff.fields_to_add] or ["  (none)"]
    lines.append(f"Custom fields already in the org: {len(diff.fields_present)}")
    if diff.queues:
        lines.append("Queues (members, email and objects the org has stay as they are):")
    for queue in diff.queues:
        if not queue.exists:
            lines.append(f"  + {queue.name} for {', '.join(queue.added)}")
        elif queue.added:
            lines.append(f"  {queue.name}: also for {', '.join(queue.added)}")
        else:
            lines.append(f"  {queue.name}: nothing to add")
    if diff.analytics:
        lines.append(
            "Custom objects, validation rules, report types, reports, dashboards, notification"
            " types, custom permissions and quick actions"
            f" ({len(diff.analytics)}), deployed as they are (ours: a deploy replaces them):"
        )
        lines += [f"  {name}" for name in diff.analytics]
    lines.append("Picklist values:")
    for merge in diff.merges:
        shared = f" (shared by {SHARED[merge.name]})" if merge.name in SHARED else ""
        complete = "" if merge.changes_org else " nothing to add"
        lines.append(f"  {merge.name}{shared}:{complete}")
        lines += [f"    + {name}" for name in merge.added]
        lines += [f"    re-activate {name}" for name in merge.reactivated]
        for reuse in merge.respelled:
            how = "differs only in case" if reuse.how is MatchKind.CASE else "matched by label"
            lines.append(f"    keep the org's {reuse.org_name!r} for our {reuse.ours!r} ({how})")
        if merge.org_only:
            kept = ", ".join(merge.org_only)
            lines.append(f"    keep {len(merge.org_only)} org value(s) our file lacks: {kept}")
    if any(m.org_only for m in diff.merges):
        lines.append(
            "Deploying metadata/ as is (e.g. `sf project deploy start`) would deactivate the"
            " kept values; `sf-social metadata deploy` keeps them."
        )
    if diff.conflicts:
        lines.append("Conflicts (the deploy refuses to start):")
        lines += [f"  ! {conflict}" for conflict in diff.conflicts]
    lines.append("A deploy would change the org." if diff.changes else "Nothing to deploy.")
    return lines

"""Typed models of the components in ``metadata/`` (Salesforce DX source format).

``CustomObjectDef``, ``CustomFieldDef``, ``ValidationRuleDef``, ``StandardValueSetDef``,
``PermissionSetDef``, ``QueueDef`` and ``AnalyticsDef`` hold what sf_social needs to know
about each file; ``MetadataPackage`` holds them all.
``sf_social.metadata.source.load_package`` reads a folder into these models.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote

from pydantic import BaseModel, ConfigDict, Field

ACTIVITY = "Activity"
"""Custom fields of Task and Event live on the Activity object."""

ACTIVITY_OBJECTS = ("Event", "Task")
"""The objects that share Activity's custom fields (and their field-level security)."""

PICKLIST_TYPES = frozenset({"Picklist", "MultiselectPicklist"})


def field_object(sobject: str) -> str:
    """The object whose folder holds the custom fields of ``sobject`` (Task → Activity)."""
    return ACTIVITY if sobject in ACTIVITY_OBJECTS else sobject


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class _Located(_Model):
    file: Path = Field(description="the source file")
    line: int | None = Field(default=None, description="line of the element in the file")


class ValueDef(_Located):
    """One picklist value.

    ``full_name`` is spelled as in the file: the Metadata API URL-encodes some characters
    there (``1,000+`` is ``1%2C000%2B``); ``api_name`` is what records carry.
    """

    full_name: str
    label: str
    default: bool = False
    active: bool = True

    @property
    def api_name(self) -> str:
        return unquote(self.full_name)


class CustomFieldDef(_Located):
    """A custom field (``objects/<object>/fields/<api_name>.field-meta.xml``)."""

    object: str = Field(description="Lead, Case, Contact, Activity (for Task and Event), ...")
    api_name: str
    type: str
    label: str
    description: str | None = None
    help_text: str | None = None
    length: int | None = None
    precision: int | None = None
    scale: int | None = None
    visible_lines: int | None = None
    default_value: str | None = None
    external_id: bool = False
    unique: bool = False
    case_sensitive: bool = False
    restricted: bool = False
    values: tuple[ValueDef, ...] = ()
    reference_to: str | None = Field(default=None, description="a Lookup's object")
    relationship_name: str | None = Field(
        default=None, description="a Lookup's child relationship on the parent (Social_Replies)"
    )
    source: bytes = Field(repr=False, description="the file as read")

    @property
    def member(self) -> str:
        """The name in ``package.xml``, e.g. ``Lead.Social_Profile_Key__c``."""
        return f"{self.object}.{self.api_name}"

    @property
    def is_picklist(self) -> bool:
        return self.type in PICKLIST_TYPES

    def value(self, api_name: str) -> ValueDef | None:
        """The value whose API name is exactly ``api_name``."""
        return next((v for v in self.values if v.api_name == api_name), None)


class CustomObjectDef(_Located):
    """A custom object (``objects/<name>/<name>.object-meta.xml``): its own settings; its
    fields and validation rules are components of their own."""

    name: str = Field(description="the API name, ending in __c")
    label: str
    plural_label: str
    name_format: str | None = Field(
        default=None, description="the display format of an AutoNumber name, e.g. SR-{000000}"
    )
    source: bytes = Field(repr=False, description="the file as read")


class ValidationRuleDef(_Located):
    """A validation rule (``objects/<object>/validationRules/<name>.validationRule-meta.xml``)."""

    object: str
    name: str
    active: bool
    source: bytes = Field(repr=False, description="the file as read")

    @property
    def member(self) -> str:
        """The name in ``package.xml``, e.g. ``Social_Reply__c.Approval_Needs_Approver``."""
        return f"{self.object}.{self.name}"


class StandardValueSetDef(_Located):
    """Our values for a standard value set (``standardValueSets/<name>...``)."""

    name: str
    sorted: bool = False
    values: tuple[ValueDef, ...] = ()
    source: bytes = Field(repr=False, description="the file as read")

    def value(self, api_name: str) -> ValueDef | None:
        """The value whose API name is exactly ``api_name``."""
        return next((v for v in self.values if v.api_name == api_name), None)


class FieldPermissionDef(_Located):
    """Field-level security for one field: ``field`` is ``Object.Field__c``."""

    field: str
    readable: bool
    editable: bool


class ObjectPermissionDef(_Located):
    """What the permission set allows on one object."""

    object: str
    allow_create: bool
    allow_read: bool
    allow_edit: bool
    allow_delete: bool


class PermissionSetDef(_Located):
    """A permission set (``permissionsets/<name>.permissionset-meta.xml``)."""

    name: str
    label: str
    description: str | None = None
    field_permissions: tuple[FieldPermissionDef, ...] = ()
    object_permissions: tuple[ObjectPermissionDef, ...] = ()
    user_permissions: tuple[str, ...] = Field(default=(), description="enabled ones, by name")
    source: bytes = Field(repr=False, description="the file as read")

    def field_permission(self, field: str) -> FieldPermissionDef | None:
        return next((p for p in self.field_permissions if p.field == field), None)

    def object_permission(self, sobject: str) -> ObjectPermissionDef | None:
        return next((p for p in self.object_permissions if p.object == sobject), None)


class QueueDef(_Located):
    """A queue (``queues/<DeveloperName>.queue-meta.xml``) and the objects it accepts."""

    name: str = Field(description="the DeveloperName records are routed by")
    label: str
    sobjects: tuple[str, ...] = ()
    source: bytes = Field(repr=False, description="the file as read")


ANALYTICS_TYPES = {  # kind → (package.xml type, mdapi path of member ``m``)
    "ReportType": ("ReportType", "reportTypes/{m}.reportType"),
    "ReportFolder": ("Report", "reports/{m}-meta.xml"),
    "Report": ("Report", "reports/{m}.report"),
    "DashboardFolder": ("Dashboard", "dashboards/{m}-meta.xml"),
    "Dashboard": ("Dashboard", "dashboards/{m}.dashboard"),
    "CustomNotificationType": ("CustomNotificationType", "notificationtypes/{m}.notiftype"),
    "CustomPermission": ("CustomPermission", "customPermissions/{m}.customPermission"),
    "QuickAction": ("QuickAction", "quickActions/{m}.quickAction"),
}
"""The report types, reports, dashboards and their folders, the custom notification type,
custom permissions and quick actions: deployed as they are."""


class AnalyticsDef(_Located):
    """A component deployed as it is (``kind``, one of ``ANALYTICS_TYPES``): a report type,
    report, dashboard or folder, a notification type, a custom permission, a quick action.

    ``name`` is its package.xml member: ``Social_Cases``, ``Social_Care`` (a folder),
    ``Social_Care/Social_Response_Times`` (a report or dashboard in its folder).
    """

    kind: str
    name: str
    label: str
    refers_to: tuple[str, ...] = Field(
        default=(),
        description="what it needs: a report's report type (its API name), a dashboard's"
        " reports (Folder/Name), a report type's or a quick action's fields (Object.Field)",
    )
    source: bytes = Field(repr=False, description="the file as read")

    @property
    def folder(self) -> str | None:
        """The folder of a report or dashboard."""
        return self.name.partition("/")[0] if "/" in self.name else None

    @property
    def package_type(self) -> str:
        return ANALYTICS_TYPES[self.kind][0]

    @property
    def mdapi_path(self) -> str:
        return ANALYTICS_TYPES[self.kind][1].format(m=self.name)


Component = (
    CustomObjectDef
    | CustomFieldDef
    | ValidationRuleDef
    | StandardValueSetDef
    | PermissionSetDef
    | QueueDef
    | AnalyticsDef
)


class MetadataPackage(_Model):
    """Every component of a metadata folder, each list sorted by its package.xml member."""

    root: Path
    objects: tuple[CustomObjectDef, ...] = ()
    fields: tuple[CustomFieldDef, ...] = ()
    validation_rules: tuple[ValidationRuleDef, ...] = ()
    value_sets: tuple[StandardValueSetDef, ...] = ()
    permission_sets: tuple[PermissionSetDef, ...] = ()
    queues: tuple[QueueDef, ...] = ()
    analytics: tuple[AnalyticsDef, ...] = ()

    @classmethod
    def of(cls, root: Path, components: list[Component]) -> MetadataPackage:
        """A package of ``components``, sorted."""
        objects = [c for c in components if isinstance(c, CustomObjectDef)]
        fields = [c for c in components if isinstance(c, CustomFieldDef)]
        rules = [c for c in components if isinstance(c, ValidationRuleDef)]
        value_sets = [c for c in components if isinstance(c, StandardValueSetDef)]
        permission_sets = [c for c in components if isinstance(c, PermissionSetDef)]
        queues = [c for c in components if isinstance(c, QueueDef)]
        analytics = [c for c in components if isinstance(c, AnalyticsDef)]
        return cls(
            root=root,
            objects=tuple(sorted(objects, key=lambda c: c.name)),
            fields=tuple(sorted(fields, key=lambda c: (c.object, c.api_name))),
            validation_rules=tuple(sorted(rules, key=lambda c: (c.object, c.name))),
            value_sets=tuple(sorted(value_sets, key=lambda c: c.name)),
            permission_sets=tuple(sorted(permission_sets, key=lambda c: c.name)),
            queues=tuple(sorted(queues, key=lambda c: c.name)),
            analytics=tuple(sorted(analytics, key=lambda c: (c.kind, c.name))),
        )

    def field(self, sobject: str, api_name: str) -> CustomFieldDef | None:
        """The custom field ``api_name`` of ``sobject`` (Task and Event look in Activity)."""
        obj = field_object(sobject)
        return next((f for f in self.fields if (f.object, f.api_name) == (obj, api_name)), None)

    def custom_object(self, name: str) -> CustomObjectDef | None:
        """The custom object ``name`` the package creates."""
        return next((o for o in self.objects if o.name == name), None)

    def value_set(self, name: str) -> StandardValueSetDef | None:
        return next((s for s in self.value_sets if s.name == name), None)

    def permission_set(self, name: str) -> PermissionSetDef | None:
        return next((p for p in self.permission_sets if p.name == name), None)

    def queue(self, name: str) -> QueueDef | None:
        return next((q for q in self.queues if q.name == name), None)

    def analytic(self, kind: str, name: str) -> AnalyticsDef | None:
        return next((a for a in self.analytics if (a.kind, a.name) == (kind, name)), None)

    def members(self) -> dict[str, list[str]]:
        """package.xml members by metadata type, each list sorted."""
        members = {
            "CustomField": [f.member for f in self.fields],
            "PermissionSet": [p.name for p in self.permission_sets],
            "Queue": [q.name for q in self.queues],
            "StandardValueSet": [s.name for s in self.value_sets],
        }
        for obj in self.objects:
            members.setdefault("CustomObject", []).append(obj.name)
        for rule in self.validation_rules:
            members.setdefault("ValidationRule", []).append(rule.member)
        for item in self.analytics:
            members.setdefault(item.package_type, []).append(item.name)
        return {kind: sorted(names) for kind, names in members.items()}

    @property
    def count(self) -> int:
        """How many components the package holds."""
        parts = (
            self.objects,
            self.fields,
            self.validation_rules,
            self.value_sets,
            self.permission_sets,
            self.queues,
            self.analytics,
        )
        return sum(map(len, parts))

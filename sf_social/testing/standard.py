"""Standard fields of the objects the local org knows, with their real types and limits.

Lengths and required fields follow Salesforce's object reference (Lead.LastName 80 and
required, Lead.FirstName 40, Lead.Company 255 and required, Case.Subject 255,
Description 32,000, ...). Picklist values are each org's defaults; standard picklists are
unrestricted: an unknown value is saved (as an inactive value), not rejected.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from sf_social.bundled import bundled_path
from sf_social.metadata.components import MetadataPackage
from sf_social.metadata.source import load_package
from sf_social.testing.ids import key_prefix
from sf_social.testing.schema import FieldSpec, FieldType, ObjectSpec, OrgSchema

T = FieldType

LEAD_STATUS = [
    "Open - Not Contacted",
    "Working - Contacted",
    "Closed - Converted",
    "Closed - Not Converted",
]
LEAD_SOURCE = ["Web", "Phone Inquiry", "Partner Referral", "Purchased List", "Other"]
CASE_STATUS = ["New", "Working", "Escalated", "Closed"]
CASE_CLOSED_STATUSES = frozenset({"Closed"})
CASE_ORIGIN = ["Phone", "Email", "Web"]
CASE_TYPE = ["Mechanical", "Electrical", "Electronic", "Structural", "Other"]
CASE_PRIORITY = ["High", "Medium", "Low"]
CASE_REASON = [
    "Installation",
    "Equipment Complexity",
    "Performance",
    "Breakdown",
    "Equipment Design",
    "Feedback",
    "Other",
]
TASK_STATUS = ["Not Started", "In Progress", "Completed", "Waiting on someone else", "Deferred"]
TASK_CLOSED_STATUSES = frozenset({"Completed"})
TASK_PRIORITY = ["High", "Normal", "Low"]
TASK_TYPE = ["Call", "Email", "Meeting", "Other"]
TASK_SUBJECT = ["Call", "Send Letter", "Send Quote", "Other"]
ACCOUNT_TYPE = ["Prospect", "Customer - Direct", "Customer - Channel", "Channel Partner / Reseller",
                "Installation Partner", "Technology Partner", "Other"]  # fmt: skip
INDUSTRY = ["Agriculture", "Banking", "Communications", "Education", "Technology", "Other"]


def _text(name: str, label: str, length: int, **kw: Any) -> FieldSpec:
    return FieldSpec(name=name, type=T.STRING, label=label, length=length, **kw)


def _pick(name: str, label: str, values: list[str], **kw: Any) -> FieldSpec:
    return FieldSpec(name=name, type=T.PICKLIST, label=label, length=255, values=list(values), **kw)


def _ref(name: str, label: str, to: tuple[str, ...], relationship: str, **kw: Any) -> FieldSpec:
    return FieldSpec(
        name=name,
        type=T.REFERENCE,
        label=label,
        length=18,
        reference_to=to,
        relationship=relationship,
        **kw,
    )


def _read_only(spec: FieldSpec) -> FieldSpec:
    spec.createable = False
    spec.updateable = False
    return spec


def _system(sobject: str, owned: bool = True) -> list[FieldSpec]:
    fields = [
        FieldSpec(
            name="Id",
            type=T.ID,
            label=f"{sobject} ID",
            length=18,
            createable=False,
            updateable=False,
            id_lookup=True,
        ),
        _read_only(FieldSpec(name="IsDeleted", type=T.BOOLEAN, label="Deleted", default=False)),
        _read_only(FieldSpec(name="CreatedDate", type=T.DATETIME, label="Created Date")),
        _read_only(_ref("CreatedById", "Created By ID", ("User",), "CreatedBy")),
        _read_only(FieldSpec(name="LastModifiedDate", type=T.DATETIME, label="Last Modified Date")),
        _read_only(_ref("LastModifiedById", "Last Modified By ID", ("User",), "LastModifiedBy")),
        _read_only(FieldSpec(name="SystemModstamp", type=T.DATETIME, label="System Modstamp")),
    ]
    if owned:
        fields.append(_ref("OwnerId", "Owner ID", ("User", "Group"), "Owner"))
    return fields


def _object(name: str, label: str, fields: list[FieldSpec], owned: bool = True) -> ObjectSpec:
    spec = ObjectSpec(name=name, label=label)
    for f in [*_system(name, owned), *fields]:
        spec.add(f)
    return spec


def _person() -> list[FieldSpec]:
    return [
        _text("FirstName", "First Name", 40),
        _text("LastName", "Last Name", 80, required=True),
        _read_only(_text("Name", "Full Name", 121)),
        _text("Title", "Title", 128),
        FieldSpec(name="Email", type=T.EMAIL, label="Email", length=80, id_lookup=True),
        FieldSpec(name="Phone", type=T.PHONE, label="Phone", length=40),
        FieldSpec(name="MobilePhone", type=T.PHONE, label="Mobile Phone", length=40),
        FieldSpec(name="Description", type=T.TEXTAREA, label="Description", length=32000),
        _pick("LeadSource", "Lead Source", LEAD_SOURCE),
        FieldSpec(name="HasOptedOutOfEmail", type=T.BOOLEAN, label="Email Opt Out", default=False),
    ]


def standard_objects() -> list[ObjectSpec]:
    """Fresh definitions of Account, Contact, Lead, Case, Task, User, Group and the setup
    objects a preflight reads (seeded by ``sf_social.testing.setup``)."""
    account = _object(
        "Account",
        "Account",
        [
            _text("Name", "Account Name", 255, required=True, id_lookup=True),
            _text("AccountNumber", "Account Number", 40),
            FieldSpec(
                name="Description", type=T.TEXTAREA, label="Account Description", length=32000
            ),
            _pick("Industry", "Industry", INDUSTRY),
            _pick("AccountSource", "Account Source", LEAD_SOURCE),
            _pick("Type", "Account Type", ACCOUNT_TYPE),
            _text("BillingCity", "Billing City", 40),
            _text("ShippingCity", "Shipping City", 40),
            FieldSpec(name="AnnualRevenue", type=T.DOUBLE, label="Annual Revenue", precision=18),
            FieldSpec(name="NumberOfEmployees", type=T.INT, label="Employees", precision=8),
            FieldSpec(name="Website", type=T.URL, label="Website", length=255),
            FieldSpec(name="Phone", type=T.PHONE, label="Account Phone", length=40),
        ],
    )
    contact = _object(
        "Contact",
        "Contact",
        [
            *_person(),
            _text("Department", "Department", 80),
            _ref("AccountId", "Account ID", ("Account",), "Account"),
        ],
    )
    lead = _object(
        "Lead",
        "Lead",
        [
            *_person(),
            _text("Company", "Company", 255, required=True),
            _text("Country", "Country", 80),
            _pick("Status", "Status", LEAD_STATUS, default=LEAD_STATUS[0]),
            _pick("Industry", "Industry", INDUSTRY),
            _pick("Rating", "Rating", ["Hot", "Warm", "Cold"]),
            FieldSpec(name="Website", type=T.URL, label="Website", length=255),
            _read_only(
                FieldSpec(name="IsConverted", type=T.BOOLEAN, label="Converted", default=False)
            ),
        ],
    )
    case = _object(
        "Case",
        "Case",
        [
            _read_only(_text("CaseNumber", "Case Number", 30, id_lookup=True)),
            _text("Subject", "Subject", 255),
            FieldSpec(name="Description", type=T.TEXTAREA, label="Description", length=32000),
            _pick("Origin", "Case Origin", CASE_ORIGIN),
            _pick("Type", "Case Type", CASE_TYPE),
            _pick("Priority", "Priority", CASE_PRIORITY, default="Medium"),
            _pick("Status", "Status", CASE_STATUS, default="New"),
            _pick("Reason", "Case Reason", CASE_REASON),
            _ref("ContactId", "Contact ID", ("Contact",), "Contact"),
            _ref("AccountId", "Account ID", ("Account",), "Account"),
            _ref("ParentId", "Parent Case ID", ("Case",), "Parent"),
            _text("SuppliedName", "Name", 80),
            FieldSpec(name="SuppliedEmail", type=T.EMAIL, label="Email Address", length=80),
            FieldSpec(name="IsEscalated", type=T.BOOLEAN, label="Escalated", default=False),
            _read_only(FieldSpec(name="IsClosed", type=T.BOOLEAN, label="Closed", default=False)),
            _read_only(FieldSpec(name="ClosedDate", type=T.DATETIME, label="Closed Date")),
        ],
    )
    task = _object(
        "Task",
        "Task",
        [
            FieldSpec(
                name="Subject",
                type=T.COMBOBOX,
                label="Subject",
                length=255,
                values=list(TASK_SUBJECT),
            ),
            FieldSpec(name="Description", type=T.TEXTAREA, label="Description", length=32000),
            _pick("Type", "Type", TASK_TYPE),
            _pick("Status", "Status", TASK_STATUS, default="Not Started"),
            _pick("Priority", "Priority", TASK_PRIORITY, default="Normal"),
            _pick("TaskSubtype", "Task Subtype", ["Task", "Email", "Call"], default="Task"),
            FieldSpec(name="ActivityDate", type=T.DATE, label="Due Date Only"),
            _ref("WhoId", "Name ID", ("Contact", "Lead"), "Who"),
            _ref("WhatId", "Related To ID", ("Account", "Case"), "What"),
            _read_only(FieldSpec(name="IsClosed", type=T.BOOLEAN, label="Closed", default=False)),
            _read_only(
                FieldSpec(name="CompletedDateTime", type=T.DATETIME, label="Completed Date/Time")
            ),
        ],
    )
    user = _object(
        "User",
        "User",
        [
            _text("Username", "Username", 80, required=True, id_lookup=True),
            _text("FirstName", "First Name", 40),
            _text("LastName", "Last Name", 80, required=True),
            _read_only(_text("Name", "Full Name", 121)),
            FieldSpec(name="Email", type=T.EMAIL, label="Email", length=128, required=True),
            FieldSpec(name="IsActive", type=T.BOOLEAN, label="Active", default=True),
        ],
        owned=False,
    )
    group = _object(
        "Group",
        "Group",
        [
            _text("Name", "Name", 40, required=True),
            _text("DeveloperName", "Developer Name", 80, id_lookup=True),
            _pick(
                "Type",
                "Type",
                ["Regular", "Queue", "Role", "Organization"],
                required=True,
                restricted=True,
            ),
        ],
        owned=False,
    )
    for spec in (user, group):
        spec.queryable_only = True
    return [account, contact, lead, case, task, user, group, *_setup_objects()]


def _setup_objects() -> list[ObjectSpec]:
    """Organization, QueueSobject, GroupMember, PermissionSet, CustomNotificationType and
    PermissionSetAssignment: queryable only, as sf_social only reads them."""
    specs = [
        _object(
            "Organization",
            "Organization",
            [
                _text("Name", "Name", 80),
                _text("OrganizationType", "Edition", 40),
                FieldSpec(name="IsSandbox", type=T.BOOLEAN, label="Is Sandbox", default=False),
            ],
            owned=False,
        ),
        _object(
            "QueueSobject",
            "Queue Sobject",
            [
                _ref("QueueId", "Queue ID", ("Group",), "Queue"),
                _text("SobjectType", "Sobject Type", 40),
            ],
            owned=False,
        ),
        _object(
            "GroupMember",
            "Group Member",
            [
                _ref("GroupId", "Group ID", ("Group",), "Group"),
                _ref("UserOrGroupId", "User/Group ID", ("User", "Group"), "UserOrGroup"),
            ],
            owned=False,
        ),
        _object(
            "PermissionSet",
            "Permission Set",
            [_text("Name", "Name", 80), _text("Label", "Label", 80)],
            owned=False,
        ),
        _object(
            "CustomNotificationType",
            "Custom Notification Type",
            [
                _text("DeveloperName", "Notification Name", 80, id_lookup=True),
                _text("MasterLabel", "Label", 80),
                _text("CustomNotifTypeName", "Custom Notification Name", 80),
            ],
            owned=False,
        ),
        _object(
            "PermissionSetAssignment",
            "Permission Set Assignment",
            [
                _ref("AssigneeId", "Assignee ID", ("User",), "Assignee"),
                _ref("PermissionSetId", "Permission Set ID", ("PermissionSet",), "PermissionSet"),
            ],
            owned=False,
        ),
    ]
    for spec in specs:
        spec.queryable_only = True
    return specs


CONSENT_POINTS = ["Email", "MailingAddress", "Phone", "Social", "Web"]
CONSENT_STATUS = ["NotSeen", "Seen", "OptIn", "OptOut"]


def enable_data_privacy(schema: OrgSchema) -> None:
    """Turn on Data Protection and Privacy in ``schema``: ``Individual`` and
    ``ContactPointTypeConsent``, and ``IndividualId`` on Lead and Contact (an org has
    them only with the setting on, so the default schema has none)."""
    individual = _object(
        "Individual",
        "Individual",
        [
            _text("FirstName", "First Name", 40),
            _text("LastName", "Last Name", 80, required=True),
            FieldSpec(
                name="HasOptedOutSolicit", type=T.BOOLEAN, label="Don't Market", default=False
            ),
        ],
    )
    consent = _object(
        "ContactPointTypeConsent",
        "Contact Point Type Consent",
        [
            _text("Name", "Name", 255, required=True, id_lookup=True),
            _ref("PartyId", "Party ID", ("Individual",), "Party", required=True),
            _pick("ContactPointType", "Contact Point Type", CONSENT_POINTS, required=True),
            _pick("CaptureContactPointType", "Capture Contact Point Type", CONSENT_POINTS),
            _pick("PrivacyConsentStatus", "Privacy Consent Status", CONSENT_STATUS),
            FieldSpec(name="CaptureDate", type=T.DATETIME, label="Capture Date"),
            _text("CaptureSource", "Capture Source", 255),
            FieldSpec(name="EffectiveFrom", type=T.DATETIME, label="Effective From"),
            FieldSpec(name="EffectiveTo", type=T.DATETIME, label="Effective To"),
        ],
    )
    schema.add_object(individual)
    schema.add_object(consent)
    for sobject in ("Lead", "Contact"):
        schema.add_field(
            sobject, _ref("IndividualId", "Individual ID", ("Individual",), "Individual")
        )


def custom_object_spec(name: str, label: str, name_format: str | None = None) -> ObjectSpec:
    """A custom object as Setup creates it: system fields, owner, ``Name`` (numbered by the
    store when ``name_format`` is an AutoNumber's display format); its key prefix is set."""
    key_prefix(name)
    spec = _object(name, label, [_text("Name", f"{label} Name", 80)])
    if name_format is not None:
        spec.name_format = name_format
        _read_only(spec.fields["name"])
    return spec


def default_schema(metadata: Path | None = None, *, custom_fields: bool = True) -> OrgSchema:
    """Standard objects, plus the custom fields and values of ``metadata``.

    ``metadata`` defaults to the bundled ``metadata/`` folder; ``custom_fields=False``
    gives an org where our package was never deployed.
    """
    schema = OrgSchema(standard_objects())
    if custom_fields:
        package = package_of(metadata)
        for custom in package.objects:
            schema.add_object(custom_object_spec(custom.name, custom.label, custom.name_format))
        schema.apply_package(package)
    return schema


def package_of(metadata: Path | None = None) -> MetadataPackage:
    """The metadata package of ``metadata`` (default: the bundled ``metadata/``), parsed once."""
    return _package(str((metadata or bundled_path("metadata")).resolve()))


@functools.lru_cache(maxsize=8)
def _package(root: str) -> MetadataPackage:
    """A metadata folder, parsed once per process (parsing validates against the XSD)."""
    return load_package(Path(root))

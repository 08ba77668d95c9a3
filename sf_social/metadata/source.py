"""Reading a metadata folder (Salesforce DX source format) into a ``MetadataPackage``.

Every file is parsed safely, validated against the Metadata API XSD and read into its
model by :class:`sf_social.metadata.component_reader.ComponentReader`, which also checks
the rules the XSD cannot express (a label on every field, the values of a picklist, no
duplicate values, a field named like its file, ...).
``scan_package`` returns what loaded and every problem; ``load_package`` raises instead.

Layout (also under ``main/default/``): ``objects/<Object>/fields/<Field>.field-meta.xml``,
``objects/<Name__c>/<Name__c>.object-meta.xml`` (a custom object),
``objects/<Object>/validationRules/<Rule>.validationRule-meta.xml``,
``standardValueSets/<Name>.standardValueSet-meta.xml``,
``permissionsets/<Name>.permissionset-meta.xml``, ``queues/<DeveloperName>.queue-meta.xml``.
"""

from __future__ import annotations

import re
from pathlib import Path

from sf_social.errors import MetadataError
from sf_social.metadata.component_reader import ComponentReader
from sf_social.metadata.components import (
    Component,
    MetadataPackage,
)
from sf_social.metadata.problems import Problem
from sf_social.metadata.xmlfile import (
    NS,
    XmlSyntaxError,
    local_name,
    namespace,
    parse_xml,
)
from sf_social.metadata.xsd import schema_errors

_KINDS = (
    (
        re.compile(r"(?:^|/)objects/(?P<object>[^/]+)/fields/(?P<name>[^/]+)\.field-meta\.xml$"),
        "CustomField",
    ),
    (
        re.compile(r"(?:^|/)objects/(?P<object>[^/]+)/(?P<name>[^/]+)\.object-meta\.xml$"),
        "CustomObject",
    ),
    (
        re.compile(
            r"(?:^|/)objects/(?P<object>[^/]+)/validationRules/"
            r"(?P<name>[^/]+)\.validationRule-meta\.xml$"
        ),
        "ValidationRule",
    ),
    (
        re.compile(r"(?:^|/)standardValueSets/(?P<name>[^/]+)\.standardValueSet-meta\.xml$"),
        "StandardValueSet",
    ),
    (
        re.compile(r"(?:^|/)permissionsets/(?P<name>[^/]+)\.permissionset-meta\.xml$"),
        "PermissionSet",
    ),
    (re.compile(r"(?:^|/)queues/(?P<name>[^/]+)\.queue-meta\.xml$"), "Queue"),
    (re.compile(r"(?:^|/)reportTypes/(?P<name>[^/]+)\.reportType-meta\.xml$"), "ReportType"),
    (re.compile(r"(?:^|/)reports/(?P<name>[^/]+)\.reportFolder-meta\.xml$"), "ReportFolder"),
    (re.compile(r"(?:^|/)reports/(?P<name>[^/]+/[^/]+)\.report-meta\.xml$"), "Report"),
    (
        re.compile(r"(?:^|/)dashboards/(?P<name>[^/]+)\.dashboardFolder-meta\.xml$"),
        "DashboardFolder",
    ),
    (re.compile(r"(?:^|/)dashboards/(?P<name>[^/]+/[^/]+)\.dashboard-meta\.xml$"), "Dashboard"),
    (
        re.compile(r"(?:^|/)notificationtypes/(?P<name>[^/]+)\.notiftype-meta\.xml$"),
        "CustomNotificationType",
    ),
    (
        re.compile(r"(?:^|/)customPermissions/(?P<name>[^/]+)\.customPermission-meta\.xml$"),
        "CustomPermission",
    ),
    (
        re.compile(r"(?:^|/)quickActions/(?P<name>[^/.]+\.[^/.]+)\.quickAction-meta\.xml$"),
        "QuickAction",
    ),
)
_LAYOUT = (
    "objects/<Object>/fields/<Field>.field-meta.xml, "
    "objects/<Name__c>/<Name__c>.object-meta.xml, "
    "objects/<Object>/validationRules/<Rule>.validationRule-meta.xml, "
    "standardValueSets/<Name>.standardValueSet-meta.xml, "
    "permissionsets/<Name>.permissionset-meta.xml, queues/<Name>.queue-meta.xml, "
    "reportTypes/<Name>.reportType-meta.xml, reports/<Folder>.reportFolder-meta.xml, "
    "reports/<Folder>/<Name>.report-meta.xml, dashboards/<Folder>.dashboardFolder-meta.xml, "
    "dashboards/<Folder>/<Name>.dashboard-meta.xml, notificationtypes/<Name>.notiftype-meta.xml, "
    "customPermissions/<Name>.customPermission-meta.xml or "
    "quickActions/<Object>.<Name>.quickAction-meta.xml"
)
_PER_OBJECT = ("CustomField", "ValidationRule")
"""The kinds named ``Object.Name`` in package.xml."""


def load_package(root: Path) -> MetadataPackage:
    """Every component under ``root``; ``MetadataError`` listing every problem found."""
    package, problems = scan_package(root)
    if problems:
        raise MetadataError(str(root), [str(p) for p in problems])
    return package


def scan_package(root: Path) -> tuple[MetadataPackage, list[Problem]]:
    """The components that could be read under ``root``, and every problem found."""
    if not root.is_dir():
        return MetadataPackage(root=root), [Problem(root, None, "", "no such metadata folder")]
    components: list[Component] = []
    problems: list[Problem] = []
    for path in source_files(root):
        component, found = read_component(root, path)
        problems += found
        if component is not None:
            components.append(component)
    return MetadataPackage.of(root, components), problems


def source_files(root: Path) -> list[Path]:
    """Every file under ``root`` except hidden ones (``.forceignore``, ``.DS_Store``)."""
    return sorted(
        p
        for p in root.rglob("*")
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(root).parts)
    )


def read_component(root: Path, path: Path) -> tuple[Component | None, list[Problem]]:
    """The component in ``path`` (``None`` if unreadable) and the problems of the file."""
    relative = path.relative_to(root).as_posix()
    found = next(((m, kind) for p, kind in _KINDS if (m := p.search(relative))), None)
    if found is None:
        return None, [Problem(path, None, "", f"not a metadata file sf_social reads ({_LAYOUT})")]
    match, kind = found
    name = match["name"]
    component = f"{match['object']}.{name}" if kind in _PER_OBJECT else name
    try:
        data = path.read_bytes()
        document = parse_xml(data)
    except OSError as exc:
        return None, [Problem(path, None, component, f"cannot read: {exc.strerror}")]
    except XmlSyntaxError as exc:
        return None, [Problem(path, exc.line, component, f"not well-formed XML: {exc.message}")]
    if (namespace(document), local_name(document)) != (NS, kind):
        actual = f"{{{namespace(document)}}}{local_name(document)}"
        message = f"the root element must be {kind} in namespace {NS}, not {actual}"
        return None, [Problem(path, document.sourceline, component, message)]
    reader = ComponentReader(path, component)
    reader.problems += [
        Problem(path, e.line, component, f"XSD: {e.message}") for e in schema_errors(document)
    ]
    sobject = match.groupdict().get("object")
    return reader.read(document, kind, sobject, name, data), reader.problems

"""The Metadata API (mdapi-format) package built from ``metadata/``, as a folder or a zip.

Layout: ``package.xml``; ``objects/<Object>.object`` (a ``CustomObject`` holding only our
fields and validation rules: package.xml lists them as ``CustomField`` and
``ValidationRule`` members, so a standard object itself is left alone; a custom object of
ours is a ``CustomObject`` member too, and its file carries the object's own settings);
``standardValueSets/<Name>.standardValueSet``; ``permissionsets/<Name>.permissionset``;
``queues/<Name>.queue``; ``reportTypes/<Name>.reportType``, ``reports/<Folder>-meta.xml`` and
``reports/<Folder>/<Name>.report``, ``dashboards/<Folder>-meta.xml`` and
``dashboards/<Folder>/<Name>.dashboard``, ``notificationtypes/<Name>.notiftype``,
``customPermissions/<Name>.customPermission``, ``quickActions/<Object>.<Name>.quickAction``.
The output is deterministic: sorted entries, fixed zip timestamps.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from sf_social.errors import ConfigError
from sf_social.metadata.components import MetadataPackage
from sf_social.metadata.source import load_package
from sf_social.metadata.xmlfile import (
    add_child,
    child_text,
    children,
    copy_into,
    local_name,
    new_element,
    parse_xml,
    to_bytes,
)

API_VERSION = "63.0"
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def build_package(root: Path, out: Path) -> MetadataPackage:
    """Build the package of ``root`` into ``out`` (a ``.zip`` file, else a new folder)."""
    package = load_package(root)
    files = mdapi_files(package)
    if out.suffix.lower() == ".zip":
        out.parent.mkdir(parents=True, exist_ok=True)
        partial = out.with_name(out.name + ".partial")
        partial.write_bytes(zip_bytes(files))
        partial.replace(out)
        return package
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ConfigError(f"{out} exists and is not an empty folder: build into a new one")
    for name, content in files.items():
        target = out / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
    return package


def mdapi_files(package: MetadataPackage, api_version: str = API_VERSION) -> dict[str, bytes]:
    """Path in the package → content, ``package.xml`` included, sorted by path."""
    files = {"package.xml": package_xml(package.members(), api_version)}
    for sobject in sorted({f.object for f in package.fields} | {o.name for o in package.objects}):
        files[f"objects/{sobject}.object"] = object_file(package, sobject)
    for value_set in package.value_sets:
        files[f"standardValueSets/{value_set.name}.standardValueSet"] = value_set.source
    for permission_set in package.permission_sets:
        files[f"permissionsets/{permission_set.name}.permissionset"] = permission_set.source
    for queue in package.queues:
        files[f"queues/{queue.name}.queue"] = queue.source
    for item in package.analytics:
        files[item.mdapi_path] = item.source
    return dict(sorted(files.items()))


def object_file(package: MetadataPackage, sobject: str) -> bytes:
    """``objects/<sobject>.object``: a custom object's own settings, if the package creates
    it, then our fields and validation rules, each element in the schema's order."""
    parts: list[tuple[str, str, bytes]] = [
        ("fields", f.api_name, f.source) for f in package.fields if f.object == sobject
    ]
    parts += [
        ("validationRules", r.name, r.source)
        for r in package.validation_rules
        if r.object == sobject
    ]
    custom = package.custom_object(sobject)
    elements = (
        [] if custom is None else [(local_name(c), c) for c in children(parse_xml(custom.source))]
    )
    for tag, name, data in parts:
        source = parse_xml(data)
        element = new_element(tag)
        if child_text(source, "fullName") is None:
            add_child(element, "fullName", name)
        for child in children(source):
            copy_into(element, child, local_name(child))
        elements.append((tag, element))
    custom_object = new_element("CustomObject")
    # CustomObject's schema sequence is alphabetical: a stable sort by name keeps each
    # kind's elements in their order.
    for tag, element in sorted(elements, key=lambda item: item[0]):
        copy_into(custom_object, element, tag)
    return to_bytes(custom_object)


def package_xml(members: dict[str, list[str]], api_version: str = API_VERSION) -> bytes:
    """A ``package.xml`` listing ``members`` by metadata type (empty types left out)."""
    package = new_element("Package")
    for type_name, names in sorted(members.items()):
        if not names:
            continue
        types = add_child(package, "types")
        for name in sorted(names):
            add_child(types, "members", name)
        add_child(types, "name", type_name)
    add_child(package, "version", api_version)
    return to_bytes(package)


def zip_bytes(files: dict[str, bytes]) -> bytes:
    """``files`` as a zip archive with fixed timestamps, entries sorted."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, files[name])
    return buffer.getvalue()

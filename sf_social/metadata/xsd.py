"""Validation against the Metadata API XSD, taken from the WSDL that simple-salesforce ships.

The WSDL's ``<types>`` holds one schema that declares the metadata *types* (``CustomField``,
``StandardValueSet``, ...) but no global *elements* for them, so no file could name them as
its root. We add one global element per root type we read or write; nothing else changes.
The schema insists on element order and on some elements the server would default (such as
``default`` on every picklist value): our files are written to pass it. Source-format files
validate as they are: ``fullName`` is an optional string, so a field's short name passes.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from typing import NamedTuple, Protocol, cast

from lxml import etree  # type: ignore[import-untyped]  # lxml ships no type hints

from sf_social.metadata.xmlfile import NS, XmlElement

ROOT_TYPES = (
    "CustomField",
    "CustomNotificationType",
    "CustomObject",
    "CustomPermission",
    "Dashboard",
    "DashboardFolder",
    "Package",
    "PermissionSet",
    "QuickAction",
    "Queue",
    "Report",
    "ReportFolder",
    "ReportType",
    "StandardValueSet",
    "ValidationRule",
)
_XSD = "http://www.w3.org/2001/XMLSchema"
_WSDL = "http://schemas.xmlsoap.org/wsdl/"


class SchemaError(NamedTuple):
    """One way a document breaks the schema."""

    line: int | None
    message: str


class _LogEntry(Protocol):
    line: int
    message: str


class _Schema(Protocol):
    error_log: list[_LogEntry]

    def validate(self, root: XmlElement) -> bool: ...


def wsdl_bytes() -> bytes:
    """The Metadata API WSDL installed with simple-salesforce."""
    return files("simple_salesforce").joinpath("metadata.wsdl").read_bytes()


@cache
def metadata_schema() -> _Schema:
    """The compiled schema (built once per process: the WSDL is 1.5 MB)."""
    wsdl = etree.fromstring(wsdl_bytes(), etree.XMLParser(resolve_entities=False, no_network=True))
    embedded = wsdl.find(f"{{{_WSDL}}}types/{{{_XSD}}}schema")
    if embedded is None:
        raise RuntimeError("simple_salesforce/metadata.wsdl has no <types><xsd:schema>")
    # Serializing carries the namespace prefixes declared on <definitions> (tns, xsd) along.
    schema = etree.fromstring(etree.tostring(embedded))
    for name in ROOT_TYPES:
        etree.SubElement(schema, f"{{{_XSD}}}element", name=name, type=f"tns:{name}")
    return cast(_Schema, etree.XMLSchema(schema))


def schema_errors(root: XmlElement) -> list[SchemaError]:
    """Every way the document ``root`` breaks the Metadata API schema (empty when valid)."""
    schema = metadata_schema()
    if schema.validate(root):
        return []
    return [
        SchemaError(entry.line or None, entry.message.replace(f"{{{NS}}}", ""))
        for entry in schema.error_log
    ]

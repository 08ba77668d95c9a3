"""Metadata API XML read safely, with the line numbers that error messages need.

The parser resolves no entities, loads no DTD and never uses the network; a document with a
DOCTYPE is refused outright (Metadata API files never have one), so entity tricks such as
"billion laughs" or external entities cannot work.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol, cast

from lxml import etree  # type: ignore[import-untyped]  # lxml ships no type hints

NS = "http://soap.sforce.com/2006/04/metadata"


class XmlElement(Protocol):
    """The part of an lxml element this package uses."""

    tag: object  # a str for elements; a function for comments and processing instructions
    text: str | None
    sourceline: int | None

    def __iter__(self) -> Iterator[XmlElement]: ...


class XmlSyntaxError(ValueError):
    """A document that is not well-formed XML, or that we refuse to read."""

    def __init__(self, line: int | None, message: str) -> None:
        self.line = line
        self.message = message
        super().__init__(f"line {line}: {message}" if line else message)


def _parser() -> object:
    return etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, remove_blank_text=True
    )


def parse_xml(data: bytes) -> XmlElement:
    """The root element of ``data``; ``XmlSyntaxError`` (with its line) when it is not XML."""
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        raise XmlSyntaxError(exc.lineno, str(exc.msg)) from None
    if root.getroottree().docinfo.doctype:
        raise XmlSyntaxError(1, "a DOCTYPE is not allowed in Metadata API files")
    return cast(XmlElement, root)


def local_name(element: XmlElement) -> str:
    """The tag of ``element`` without its ``{namespace}``; ``""`` for comments."""
    return element.tag.rpartition("}")[2] if isinstance(element.tag, str) else ""


def namespace(element: XmlElement) -> str:
    """The namespace of ``element`` (``""`` when it has none)."""
    tag = element.tag if isinstance(element.tag, str) else ""
    return tag[1:].partition("}")[0] if tag.startswith("{") else ""


def children(element: XmlElement, name: str | None = None) -> list[XmlElement]:
    """Child elements (comments skipped), only those called ``name`` when given."""
    return [c for c in element if local_name(c) and (name is None or local_name(c) == name)]


def child_text(element: XmlElement, name: str) -> str | None:
    """Stripped text of the first child called ``name``; ``None`` when there is none."""
    found = children(element, name)
    return (found[0].text or "").strip() if found else None


def new_element(name: str, text: str | None = None) -> XmlElement:
    """A new root element ``name`` in the Metadata API namespace."""
    element = cast(XmlElement, etree.Element(f"{{{NS}}}{name}", nsmap={None: NS}))
    element.text = text
    return element


def add_child(parent: XmlElement, name: str, text: str | None = None) -> XmlElement:
    """A new child ``name`` appended to ``parent``, in the Metadata API namespace."""
    element = cast(XmlElement, etree.SubElement(parent, f"{{{NS}}}{name}"))
    element.text = text
    return element


def copy_into(parent: XmlElement, element: XmlElement, name: str) -> XmlElement:
    """A deep copy of ``element`` (comments dropped), called ``name``, appended to ``parent``."""
    copy = add_child(parent, name, element.text)
    for child in children(element):
        copy_into(copy, child, local_name(child))
    return copy


def to_bytes(root: XmlElement) -> bytes:
    """``root`` as an indented UTF-8 document with an XML declaration."""
    return cast(
        bytes,
        etree.tostring(root, encoding="UTF-8", xml_declaration=True, pretty_print=True),
    )

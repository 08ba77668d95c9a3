"""Picklist values as Metadata API XML (``CustomValue`` / ``StandardValue``), both ways.

Elements are matched by local name, so a value parses the same whether it came from a
source file, an mdapi package or a SOAP answer, whatever namespace prefix it carries.
"""

from __future__ import annotations

from xml.etree.ElementTree import Element, ParseError, SubElement

import defusedxml.ElementTree as SafeET

from sf_social.metadata.merge import PicklistValue

MD_NS = "http://soap.sforce.com/2006/04/metadata"

# XSD order: Metadata.fullName, CustomValue's sequence, then StandardValue's extension.
_ORDER = (
    "fullName",
    "color",
    "default",
    "description",
    "isActive",
    "label",
    "allowEmail",
    "closed",
    "converted",
    "cssExposed",
    "forecastCategory",
    "groupingString",
    "highPriority",
    "probability",
    "reverseRole",
    "reviewed",
    "won",
)
_OWN = frozenset({"fullName", "default", "isActive", "label"})


def parse_xml(data: bytes) -> Element:
    """XML parsed safely (defusedxml); ``ParseError`` or ``DefusedXmlException`` if bad."""
    try:
        root: Element = SafeET.fromstring(data)
    except SyntaxError as exc:
        if isinstance(exc, ParseError):
            raise
        # defusedxml before 0.7.1 parses with its own copy of ElementTree: another ParseError
        raise ParseError(str(exc)) from exc
    return root


def local(tag: str) -> str:
    """An element tag without its ``{namespace}``."""
    return tag.rpartition("}")[2]


def children(element: Element, name: str) -> list[Element]:
    """Direct children of ``element`` whose local name is ``name``."""
    return [child for child in element if local(child.tag) == name]


def child_text(element: Element, name: str) -> str | None:
    """Text of the first direct child named ``name`` (``""`` if empty), ``None`` if absent."""
    found = children(element, name)
    return (found[0].text or "").strip() if found else None


def parse_bool(text: str | None, default: bool) -> bool:
    """An ``xsd:boolean``; ``ValueError`` for anything else."""
    if text is None:
        return default
    if text in ("true", "1"):
        return True
    if text in ("false", "0"):
        return False
    raise ValueError(f"not a boolean: {text!r}")


def parse_value(element: Element) -> PicklistValue:
    """A ``<value>`` / ``<standardValue>`` element; ``ValueError`` naming what is wrong."""
    full_name = child_text(element, "fullName")
    if not full_name:
        raise ValueError(f"<{local(element.tag)}> without a fullName")
    extra: list[tuple[str, str]] = []
    for child in element:
        if local(child.tag) in _OWN:
            continue
        if len(child):
            raise ValueError(f"value {full_name!r}: unexpected nested <{local(child.tag)}>")
        extra.append((local(child.tag), (child.text or "").strip()))
    return PicklistValue(
        full_name=full_name,
        label=child_text(element, "label") or full_name,
        default=parse_bool(child_text(element, "default"), False),
        active=parse_bool(child_text(element, "isActive"), True),
        extra=tuple(extra),
    )


def value_element(value: PicklistValue, tag: str, namespace: str = MD_NS) -> Element:
    """``value`` as a ``<tag>`` element, children in XSD order, unknown extras last."""
    fields = {
        "fullName": value.full_name,
        "default": "true" if value.default else "false",
        "isActive": "true" if value.active else "false",
        "label": value.label,
        **dict(value.extra),
    }
    ordered = [name for name in _ORDER if name in fields]
    ordered += [name for name in fields if name not in _ORDER]
    element = Element(f"{{{namespace}}}{tag}")
    for name in ordered:
        SubElement(element, f"{{{namespace}}}{name}").text = fields[name]
    return element

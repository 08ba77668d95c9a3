"""Put merged value lists into a built mdapi package, so a deploy sends the union.

The package built from ``metadata/`` holds only our values; deploying it as is would
deactivate every org value it lacks. ``apply_merges`` rewrites the value list of each merged
standard value set (``standardValueSets/X.standardValueSet``) and picklist field (a
``<fields>`` entry of ``objects/Object.object``) in the built files, before they are zipped.
"""

from __future__ import annotations

from collections.abc import Mapping
from xml.etree.ElementTree import Element, ParseError, tostring

from defusedxml import DefusedXmlException

from sf_social.errors import MetadataDeployError
from sf_social.metadata.merge import ValueSetMerge
from sf_social.metadata.valuexml import MD_NS, child_text, children, parse_xml, value_element

_SET_DIR, _SET_SUFFIX = "standardValueSets/", ".standardValueSet"
_OBJ_DIR, _OBJ_SUFFIX = "objects/", ".object"


def apply_merges(
    files: Mapping[str, bytes], merges: Mapping[str, ValueSetMerge]
) -> dict[str, bytes]:
    """The package ``files`` (path → content) with the values of each merge written in.

    Merges are keyed by component: standard value sets by name (``CaseOrigin``), picklist
    fields by ``Object.Field__c``. A merge whose component is not in the package is an error.
    """
    pending = dict(merges)
    patched = {name: _patched(name, data, pending) for name, data in files.items()}
    if pending:
        missing = ", ".join(sorted(pending))
        raise MetadataDeployError(f"the built package has no component for {missing}")
    return patched


def _patched(name: str, data: bytes, pending: dict[str, ValueSetMerge]) -> bytes:
    """One file of the package with the pending merges it holds applied (and removed)."""
    if name.startswith(_SET_DIR) and name.endswith(_SET_SUFFIX):
        set_name = name[len(_SET_DIR) : -len(_SET_SUFFIX)]
        if set_name not in pending:
            return data
        root = _parse(name, data)
        _replace_values(root, "standardValue", pending.pop(set_name))
        return _serialize(root)
    if name.startswith(_OBJ_DIR) and name.endswith(_OBJ_SUFFIX):
        sobject = name[len(_OBJ_DIR) : -len(_OBJ_SUFFIX)]
        if not any(key.startswith(f"{sobject}.") for key in pending):
            return data
        root = _parse(name, data)
        for field in children(root, "fields"):
            merge = pending.pop(f"{sobject}.{child_text(field, 'fullName')}", None)
            if merge is None:
                continue
            definition = [
                d for s in children(field, "valueSet") for d in children(s, "valueSetDefinition")
            ]
            if not definition:
                raise MetadataDeployError(f"{name}: {merge.name} has no valueSetDefinition")
            _replace_values(definition[0], "value", merge)
        return _serialize(root)
    return data


def _replace_values(parent: Element, tag: str, merge: ValueSetMerge) -> None:
    """Swap the ``tag`` children of ``parent`` for the merged values, in the same place."""
    old = children(parent, tag)
    position = list(parent).index(old[0]) if old else len(parent)
    for element in old:
        parent.remove(element)
    for offset, value in enumerate(merge.values):
        parent.insert(position + offset, value_element(value, tag))
    sorted_flag = children(parent, "sorted")
    if sorted_flag:
        sorted_flag[0].text = "true" if merge.sorted else "false"


def _parse(name: str, data: bytes) -> Element:
    try:
        return parse_xml(data)
    except (ParseError, DefusedXmlException) as exc:
        raise MetadataDeployError(f"the built package's {name} is not valid XML: {exc}") from None


def _serialize(root: Element) -> bytes:
    body = tostring(root, encoding="unicode", default_namespace=MD_NS)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n").encode("utf-8")

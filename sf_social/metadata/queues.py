"""Merge our queues into the org's: an existing queue keeps its members, email and objects.

A deployed Queue replaces the org's whole: a file without ``queueMembers`` would empty the
queue, one without an org's ``queueSobject`` would stop it owning that object. So a queue
the org has is deployed as the org returned it (``readMetadata``), with only the objects of
ours it lacks appended (``queueSobject`` comes last in the Queue type); a queue the org
lacks is deployed from our file.
"""

from __future__ import annotations

from dataclasses import dataclass
from xml.etree.ElementTree import Element, SubElement, tostring

from sf_social.metadata.components import QueueDef
from sf_social.metadata.mdapi import MetadataRecord
from sf_social.metadata.valuexml import MD_NS, local, parse_xml


@dataclass(frozen=True)
class QueueMerge:
    """One of our queues against the org: created, or the org's with ``added`` objects."""

    name: str
    exists: bool
    added: tuple[str, ...]
    content: bytes

    @property
    def changes_org(self) -> bool:
        return not self.exists or bool(self.added)


def merge_queue(ours: QueueDef, org: MetadataRecord | None) -> QueueMerge:
    """The file to deploy for ``ours``, given the org's queue of that name (if any)."""
    if org is None:
        return QueueMerge(ours.name, False, ours.sobjects, ours.source)
    added = tuple(
        s for s in ours.sobjects if s.casefold() not in {o.casefold() for o in org.sobjects}
    )
    queue = Element(f"{{{MD_NS}}}Queue")
    for child in parse_xml(org.source):
        if local(child.tag) != "fullName":
            queue.append(_in_metadata_namespace(child))
    for sobject in added:
        entry = SubElement(queue, f"{{{MD_NS}}}queueSobject")
        SubElement(entry, f"{{{MD_NS}}}sobjectType").text = sobject
    body = tostring(queue, encoding="unicode", default_namespace=MD_NS)
    content = ('<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n").encode("utf-8")
    return QueueMerge(ours.name, True, added, content)


def _in_metadata_namespace(element: Element) -> Element:
    """A copy of ``element`` (text and children) with every tag in the Metadata namespace."""
    copy = Element(f"{{{MD_NS}}}{local(element.tag)}")
    copy.text = element.text
    for child in element:
        copy.append(_in_metadata_namespace(child))
    return copy

"""parse_xml: well-formed Metadata API XML in, nothing dangerous let through."""

from __future__ import annotations

import pytest

from sf_social.metadata.xmlfile import (
    XmlSyntaxError,
    add_child,
    child_text,
    children,
    local_name,
    namespace,
    new_element,
    parse_xml,
    to_bytes,
)

NS = "http://soap.sforce.com/2006/04/metadata"


def test_reads_elements_with_their_lines_and_skips_comments() -> None:
    root = parse_xml(
        b'<?xml version="1.0"?>\n<!-- a comment -->\n'
        b'<CustomField xmlns="http://soap.sforce.com/2006/04/metadata">\n'
        b"  <!-- inside -->\n  <label> Social Network </label>\n</CustomField>\n"
    )

    assert (namespace(root), local_name(root), root.sourceline) == (NS, "CustomField", 3)
    assert [local_name(c) for c in children(root)] == ["label"]
    assert children(root)[0].sourceline == 5
    assert child_text(root, "label") == "Social Network"
    assert child_text(root, "type") is None


def test_malformed_xml_names_the_line() -> None:
    with pytest.raises(XmlSyntaxError) as caught:
        parse_xml(b"<CustomField>\n  <label>x</labl>\n</CustomField>")

    assert caught.value.line == 2
    assert "label" in caught.value.message


@pytest.mark.parametrize(
    "document",
    [
        # billion laughs: nested internal entities
        b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
        b"<CustomField>&b;</CustomField>",
        # external entity reading a local file
        b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b"<CustomField>&x;</CustomField>",
        # external DTD over the network
        b'<?xml version="1.0"?><!DOCTYPE a SYSTEM "http://example.invalid/x.dtd"><CustomField/>',
    ],
    ids=["entity-expansion", "external-entity", "external-dtd"],
)
def test_documents_with_a_doctype_are_refused(document: bytes) -> None:
    with pytest.raises(XmlSyntaxError, match="DOCTYPE is not allowed"):
        parse_xml(document)


def test_new_elements_serialize_in_the_metadata_namespace() -> None:
    root = new_element("Package")
    add_child(root, "version", "63.0")

    text = to_bytes(root).decode()

    assert text.startswith("<?xml version='1.0' encoding='UTF-8'?>\n")
    assert '<Package xmlns="http://soap.sforce.com/2006/04/metadata">' in text
    assert "  <version>63.0</version>\n" in text
    assert text.count("xmlns") == 1

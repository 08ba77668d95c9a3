"""The Metadata API XSD from simple-salesforce's WSDL, applied to every shipped file."""

from __future__ import annotations

from pathlib import Path

import pytest

from sf_social.bundled import bundled_path
from sf_social.metadata.source import source_files
from sf_social.metadata.xmlfile import parse_xml
from sf_social.metadata.xsd import metadata_schema, schema_errors, wsdl_bytes

SHIPPED = bundled_path("metadata")
HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n'
NS = 'xmlns="http://soap.sforce.com/2006/04/metadata"'


def errors_of(text: str) -> list[tuple[int | None, str]]:
    return [(e.line, e.message) for e in schema_errors(parse_xml((HEAD + text).encode()))]


@pytest.mark.parametrize(
    "path", source_files(SHIPPED), ids=lambda p: p.relative_to(SHIPPED).as_posix()
)
def test_every_shipped_file_is_valid(path: Path) -> None:
    assert schema_errors(parse_xml(path.read_bytes())) == []


def test_the_schema_is_the_one_simple_salesforce_ships() -> None:
    assert b"Salesforce.com Metadata API version 63.0" in wsdl_bytes()
    assert metadata_schema() is metadata_schema()  # compiled once


def test_a_valid_field() -> None:
    field = f"<CustomField {NS}><fullName>A__c</fullName><label>A</label><length>10</length>"
    assert errors_of(field + "<type>Text</type></CustomField>") == []


def test_elements_out_of_order_are_reported_with_their_line() -> None:
    text = f"<CustomField {NS}>\n<label>A</label>\n<type>Text</type>\n<length>10</length>\n"
    errors = errors_of(text + "</CustomField>")

    assert len(errors) == 1
    line, message = errors[0]
    assert line == 5  # the XML declaration is line 1
    assert message.startswith("Element 'length': This element is not expected.")
    assert "{http" not in message


def test_an_unknown_element_is_reported() -> None:
    errors = errors_of(f"<CustomField {NS}><label>A</label><colour>red</colour></CustomField>")

    assert [m for _, m in errors] == [
        "Element 'colour': This element is not expected. Expected is one of "
        "( length, lookupFilter, maskChar, maskType, metadataRelationshipControllingField, "
        "mktDataLakeFieldAttributes, mktDataModelFieldAttributes, populateExistingRows, "
        "precision, referenceTargetField )."
    ]


def test_a_standard_value_needs_default_although_the_server_would_assume_false() -> None:
    text = f"<StandardValueSet {NS}><sorted>false</sorted><standardValue>"
    errors = errors_of(text + "<fullName>Tweet</fullName></standardValue></StandardValueSet>")

    assert len(errors) == 1
    assert "default" in errors[0][1]


def test_a_wrong_value_type_is_reported() -> None:
    errors = errors_of(f"<CustomField {NS}><externalId>yes</externalId></CustomField>")

    assert len(errors) == 1
    assert "'yes' is not a valid value of the atomic type 'xs:boolean'" in errors[0][1]


def test_an_unknown_root_element_is_reported() -> None:
    errors = errors_of(f"<CustomFeld {NS}/>")

    assert errors[0][1].startswith("Element 'CustomFeld': No matching global declaration")

"""Bulk API 2.0 CSV as the guide's "Valid CSV Record Rows" has it, read back strictly."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sf_social.salesforce.bulk import _csv_parts, carries, csv_value
from sf_social.testing.csvfile import read_rows

COLUMNS = ["Key__c", "Text__c", "Other__c"]


def roundtrip(values: list[str]) -> list[list[str]]:
    records = [{"Key__c": f"k{i}", "Text__c": v, "Other__c": "x"} for i, v in enumerate(values)]
    [(text, count)] = list(_csv_parts(records, COLUMNS, 10**9))
    assert count == len(values)
    return read_rows(text, ",", "LF")


def test_line_breaks_quotes_and_commas_are_quoted() -> None:
    values = ["cr\ronly", "lf\nonly", "crlf\r\n", 'say "hi"', "a,b", " spaced ", ""]
    [(text, _)] = list(_csv_parts([{"Key__c": "k", "Text__c": v} for v in values], COLUMNS, 10**9))
    assert text.splitlines(keepends=True)[1] == 'k,"cr\r'
    rows = roundtrip(values)
    assert [row[1] for row in rows[1:]] == values


@given(st.lists(st.text(alphabet=st.characters(codec="utf-8")), max_size=8))
def test_any_text_reads_back_exactly(values: list[str]) -> None:
    values = [v for v in values if v != "#N/A"]
    rows = roundtrip(values)
    assert rows[0] == COLUMNS
    assert [row[1] for row in rows[1:]] == values


def test_the_null_cell_is_not_carried() -> None:
    assert not carries({"Key__c": "k", "Text__c": "#N/A"})
    assert carries({"Key__c": "k", "Text__c": "#N/A ", "Other__c": None})
    with pytest.raises(ValueError, match=r"#N/A \(it means null\): use REST"):
        csv_value("#N/A")

"""The local org reads Bulk API 2.0 job data as strictly as the guide documents it."""

from __future__ import annotations

import pytest

from sf_social.testing.csvfile import CsvSyntaxError, read_rows


def test_the_documented_valid_rows() -> None:
    text = 'a,b\n"Director of Operations, Western Region",x\n"the ""gold"" standard",John, Smith\n'
    assert read_rows(text) == [
        ["a", "b"],
        ["Director of Operations, Western Region", "x"],
        ['the "gold" standard', "John", " Smith"],
    ]
    assert read_rows("a;b\r\n\r\n1;\r\n;2", ";", "CRLF") == [["a", "b"], ["1", ""], ["", "2"]]
    assert read_rows('a,"multi\nline\r\nvalue"\n') == [["a", "multi\nline\r\nvalue"]]


@pytest.mark.parametrize(
    ("text", "ending", "problem"),
    [
        ("a\nb\rc\n", "LF", "row 2: unquoted value holds '\\r': quote the value"),
        ("a\r\nb\nc\r\n", "CRLF", "row 2: unquoted value holds '\\n': quote the value"),
        ('a\nsay "hi"\n', "LF", "row 2: unquoted value holds '\"': quote the value"),
        ('"John", "Smith"\n', "LF", "row 1: unquoted value holds '\"': quote the value"),
        ('"John" ,Smith\n', "LF", "row 1: ' ' after a closing quote"),
        ('a\n"never closed\n', "LF", "row 2: a quoted value is never closed"),
    ],
)
def test_what_the_guide_calls_invalid_is_refused_with_its_row(
    text: str, ending: str, problem: str
) -> None:
    with pytest.raises(CsvSyntaxError) as refused:
        read_rows(text, ",", ending)
    assert str(refused.value) == problem

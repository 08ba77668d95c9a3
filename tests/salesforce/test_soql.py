"""SOQL literals are always data: escaping and splitting of IN lists."""

from __future__ import annotations

import re
from urllib.parse import quote_plus

import pytest

from sf_social.salesforce import soql


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        ("o'brien", "o\\'brien"),
        ("back\\slash", "back\\\\slash"),
        ('say "hi"', 'say \\"hi\\"'),
        ("line\nbreak", "line\\nbreak"),
        ("carriage\rreturn", "carriage\\rreturn"),
        ("tab\there", "tab\\there"),
        ("bell\bhere", "bell\\bhere"),
        ("form\ffeed", "form\\ffeed"),
        ("nul\x00byte", "nul\\u0000byte"),
        ("plain_handle%", "plain_handle%"),  # _ and % are literal outside LIKE
        ("émile 🙂", "émile 🙂"),
    ],
)
def test_escape_sequences_of_the_soql_reference(raw: str, escaped: str) -> None:
    assert soql.escape(raw) == escaped


def test_escape_like_also_escapes_wildcards() -> None:
    assert soql.escape_like("50%_off'") == "50\\%\\_off\\'"


def _unquote(literal: str) -> str:
    """Read a SOQL string literal back, as Salesforce would (the escapes above only)."""
    assert literal.startswith("'") and literal.endswith("'")
    body, out, i = literal[1:-1], [], 0
    table = {"n": "\n", "r": "\r", "t": "\t", "b": "\b", "f": "\f", '"': '"', "'": "'", "\\": "\\"}
    while i < len(body):
        char = body[i]
        if char == "'":
            raise AssertionError(f"unescaped quote ends the literal early: {literal}")
        if char == "\\":
            nxt = body[i + 1]
            if nxt == "u":
                out.append(chr(int(body[i + 2 : i + 6], 16)))
                i += 6
                continue
            out.append(table[nxt])
            i += 2
            continue
        out.append(char)
        i += 1
    return "".join(out)


@pytest.mark.parametrize(
    "handle",
    [
        "o'brien",
        "x' OR Name LIKE '%",
        "x\\' OR Id != '",
        "\\",
        "'",
        "a'); DELETE FROM Contact; --",
        "multi\nline\t'quoted'\\",
    ],
)
def test_hostile_handles_stay_one_literal(handle: str) -> None:
    [statement] = soql.select_in("Contact", ["Id"], {"Twitter_Handle__c": [handle]})
    match = re.fullmatch(
        r"SELECT Id FROM Contact WHERE \(Twitter_Handle__c IN \((.*)\)\)", statement
    )
    assert match is not None, statement
    assert _unquote(match.group(1)) == handle


def test_where_equalities_are_quoted_and_names_checked() -> None:
    [statement] = soql.select_in(
        "Group", ["Id", "DeveloperName"], {"DeveloperName": ["Social_PR"]}, where={"Type": "Queue"}
    )
    assert statement == (
        "SELECT Id, DeveloperName FROM Group WHERE Type = 'Queue' AND"
        " (DeveloperName IN ('Social_PR'))"
    )
    with pytest.raises(ValueError, match="not a SOQL identifier"):
        soql.select_in("Contact", ["Id"], {"Name) OR (Id": ["x"]})
    with pytest.raises(ValueError, match="not a SOQL identifier"):
        soql.select_in("Contact WHERE", ["Id"], {"Email": ["x"]})


def test_values_deduplicated_case_insensitively_and_fields_ored() -> None:
    [statement] = soql.select_in(
        "Contact", ["Id"], {"Email": ["A@x.io", "a@X.io", ""], "Social_Handle__c": ["dana"]}
    )
    assert statement == (
        "SELECT Id FROM Contact WHERE (Email IN ('A@x.io') OR Social_Handle__c IN ('dana'))"
    )
    assert soql.select_in("Contact", ["Id"], {"Email": []}) == []


def test_long_in_lists_split_under_the_statement_limit() -> None:
    keys = [f"twitter:thread:{n:019d}" for n in range(10_000)]
    statements = soql.select_in(
        "Case", ["Id", "Social_Thread_Key__c"], {"Social_Thread_Key__c": keys}
    )
    assert all(len(s) <= soql.MAX_SOQL_CHARS for s in statements)
    assert all(s.count("'") // 2 <= soql.MAX_ROWS for s in statements)
    assert len(statements) == 5  # 2,000 keys each: the row limit binds first
    found = [k for s in statements for k in re.findall(r"'([^']*)'", s)]
    assert found == keys  # every key once, in order


def test_split_by_length_when_rows_are_not_the_limit() -> None:
    keys = [f"k{n:04d}" + "x" * 40 for n in range(100)]
    statements = soql.select_in(
        "Case", ["Id"], {"Key__c": keys}, max_length=1_000, max_values=10**6
    )
    assert len(statements) > 1
    assert all(len(s) <= 1_000 for s in statements)
    assert sorted(k for s in statements for k in re.findall(r"'([^']*)'", s)) == keys


def test_get_queries_measured_url_encoded() -> None:
    handles = [f"o'brien {n} ☃" for n in range(3_000)]
    statements = soql.select_in(
        "Contact",
        ["Id"],
        {"Twitter_Handle__c": handles},
        max_length=soql.MAX_GET_QUERY_BYTES,
        measure=soql.measure_get,
    )
    assert len(statements) > 1
    assert all(len(quote_plus(s)) <= soql.MAX_GET_QUERY_BYTES for s in statements)
    assert soql.measure_get("a b'") == len("a+b%27")


def test_a_value_too_long_for_any_statement_is_refused() -> None:
    with pytest.raises(ValueError, match="one value alone"):
        soql.select_in("Case", ["Id"], {"Key__c": ["x" * 500]}, max_length=300)

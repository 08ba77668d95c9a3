"""The SOQL subset: exactly the matching rows, escaping honoured, garbage refused."""

from __future__ import annotations

from typing import Any

import pytest
from simple_salesforce.api import Salesforce

from sf_social.salesforce.soql import quote as soql_quote
from sf_social.testing import LocalOrg
from tests.testing.helpers import Api

HANDLES = ["o'brien", "O'BRIEN", "x' OR Name LIKE '%", "back\\slash", "plain", "under_score",
           "underXscore", "100%", "1000"]  # fmt: skip


def quote(value: str) -> str:
    """A SOQL string literal, escaped the way a correct client escapes it."""
    escaped = value.replace("\\", "\\\\").replace("'", "\\'")
    return f"'{escaped}'"


def like_quote(value: str) -> str:
    """A LIKE pattern matching ``value`` literally."""
    escaped = value.replace("\\", "\\\\").replace("'", "\\'")
    return "'" + escaped.replace("%", "\\%").replace("_", "\\_") + "'"


@pytest.fixture
def contacts(org: LocalOrg) -> dict[str, str]:
    """One Contact per handle; handle → Id."""
    return {h: org.insert("Contact", LastName=f"N{i}", Twitter_Handle__c=h)
            for i, h in enumerate(HANDLES)}  # fmt: skip


def handles(response: Any) -> list[str]:
    assert response.status_code == 200, response.text
    return sorted(r["Twitter_Handle__c"] for r in response.json()["records"])


def test_escaped_quotes_are_data(api: Api, contacts: dict[str, str]) -> None:
    wanted = f"{quote(HANDLES[0])}, {quote(HANDLES[2])}"
    soql = f"SELECT Id, Twitter_Handle__c FROM Contact WHERE Twitter_Handle__c IN ({wanted})"
    assert handles(api.query(soql)) == sorted(["o'brien", "O'BRIEN", "x' OR Name LIKE '%"]), (
        "text comparisons ignore case; the injection attempt matched only itself"
    )


def test_unescaped_quote_breaks_the_query_instead_of_widening_it(
    api: Api, contacts: dict[str, str]
) -> None:
    response = api.query("SELECT Id FROM Contact WHERE Twitter_Handle__c = 'o'brien'")
    assert response.status_code == 400
    [error] = response.json()
    assert error["errorCode"] == "MALFORMED_QUERY"
    assert "ERROR at Row:1:Column:" in error["message"]


def test_backslashes(api: Api, contacts: dict[str, str]) -> None:
    literal = quote(HANDLES[3])
    soql = f"SELECT Twitter_Handle__c FROM Contact WHERE Twitter_Handle__c = {literal}"
    assert handles(api.query(soql)) == ["back\\slash"]
    lone = api.query("SELECT Id FROM Contact WHERE Twitter_Handle__c = 'back\\slash'")
    assert lone.status_code == 400
    assert "Illegal character sequence '\\s'" in lone.json()[0]["message"]


def test_like_with_escaped_wildcards(api: Api, contacts: dict[str, str]) -> None:
    select = "SELECT Twitter_Handle__c FROM Contact WHERE Twitter_Handle__c LIKE "
    assert handles(api.query(select + like_quote("under_score"))) == ["under_score"]
    assert handles(api.query(select + "'under_score'")) == ["underXscore", "under_score"]
    assert handles(api.query(select + like_quote("100%"))) == ["100%"]
    assert handles(api.query(select + "'100%'")) == ["100%", "1000"]
    assert handles(api.query(select + "'O\\'%'")) == ["O'BRIEN", "o'brien"]
    assert handles(api.query(select + like_quote("x' OR Name LIKE '%"))) == ["x' OR Name LIKE '%"]


def test_every_documented_escape_is_read_as_the_writer_emits_it(org: LocalOrg) -> None:
    values = ["bell\x07tab\tcr\rlf\nff\fbs\b", "del\x7fnul\x1f", "quote\"'\\é"]
    ids = {org.insert("Contact", LastName="N", Twitter_Handle__c=v): v for v in values}
    with org.mock():
        sf: Any = Salesforce(instance_url=org.instance_url, session_id=org.access_token)
        for contact, value in ids.items():
            found = sf.query(
                f"SELECT Id FROM Contact WHERE Twitter_Handle__c = {soql_quote(value)}"
            )
            assert [r["Id"] for r in found["records"]] == [contact], repr(value)
        upper = sf.query(r"SELECT Id FROM Contact WHERE Twitter_Handle__c = 'QUOTE\"\'\\\u00E9'")
        assert upper["totalSize"] == 1, "\\uXXXX takes either case of hex digit"


def test_like_escapes_and_unlisted_escapes_are_refused_where_salesforce_refuses_them(
    api: Api, contacts: dict[str, str]
) -> None:
    select = "SELECT Twitter_Handle__c FROM Contact WHERE Twitter_Handle__c "
    refused = {
        "= 'under\\_score'": "'\\_'",
        "IN ('plain', '100\\%')": "'\\%'",
        "!= 'x\\u12'": "'\\u'",
        "= '\\U00e9'": "'\\U'",
        "LIKE '\\a'": "'\\a'",
    }
    for condition, sequence in refused.items():
        response = api.query(select + condition)
        assert response.status_code == 400, condition
        [error] = response.json()
        assert error["errorCode"] == "MALFORMED_QUERY", condition
        assert f"Illegal character sequence {sequence}" in error["message"], condition
    assert handles(api.query(select + "LIKE 'under\\_sc%'")) == ["under_score"]
    assert handles(api.query(select + "= '\\u0070lain'")) == ["plain"]


def test_conditions(api: Api, org: LocalOrg, contacts: dict[str, str]) -> None:
    org.update_record("Contact", contacts["plain"], Social_Followers__c=1500.0)
    org.update_record("Contact", contacts["1000"], Social_Followers__c=10.0)
    q = "SELECT Twitter_Handle__c FROM Contact WHERE "
    assert handles(api.query(q + "Social_Followers__c > 100")) == ["plain"]
    assert handles(api.query(q + "Social_Followers__c != null")) == ["1000", "plain"]
    assert len(handles(api.query(q + "Social_Followers__c = null"))) == len(HANDLES) - 2
    either = "(Twitter_Handle__c = 'plain' OR Twitter_Handle__c = '1000')"
    assert handles(api.query(q + either + " AND Social_Followers__c < 100")) == ["1000"]
    assert handles(api.query(q + "NOT Twitter_Handle__c LIKE '%o%'")) == sorted(
        h for h in HANDLES if "o" not in h.lower()
    )
    assert (
        len(handles(api.query(q + "Twitter_Handle__c NOT IN ('plain', '1000')")))
        == len(HANDLES) - 2
    )
    mixed = api.query(q + "Twitter_Handle__c = 'a' AND LastName = 'b' OR LastName = 'c'")
    assert mixed.status_code == 400
    assert mixed.json()[0]["errorCode"] == "MALFORMED_QUERY"
    by_id = api.query(
        f"SELECT Twitter_Handle__c FROM Contact WHERE Id = '{contacts['plain'][:15]}'"
    )
    assert handles(by_id) == ["plain"]


def test_order_limit_offset_and_count(api: Api, contacts: dict[str, str]) -> None:
    ordered = api.query("SELECT LastName FROM Contact ORDER BY LastName DESC LIMIT 3 OFFSET 1")
    assert [r["LastName"] for r in ordered.json()["records"]] == ["N7", "N6", "N5"]
    counted = api.query("SELECT COUNT() FROM Contact WHERE Twitter_Handle__c LIKE 'o%'").json()
    assert counted == {"totalSize": 2, "done": True, "records": []}


def test_answer_shape(api: Api, contacts: dict[str, str]) -> None:
    body = api.query(
        "select id, twitter_handle__c, owner.name from contact where twitter_handle__c = 'plain'"
    ).json()
    assert body["totalSize"] == 1 and body["done"] is True
    [record] = body["records"]
    assert list(record) == ["attributes", "Id", "Twitter_Handle__c", "Owner"], "canonical names"
    assert record["attributes"] == {
        "type": "Contact", "url": f"/services/data/v62.0/sobjects/Contact/{contacts['plain']}"
    }  # fmt: skip
    assert record["Owner"]["Name"] == "SF Social Integration"


def test_errors(api: Api) -> None:
    cases = {
        "SELECT Nope__c FROM Contact": "INVALID_FIELD",
        "SELECT Id FROM Nope": "INVALID_TYPE",
        "SELECT Id FROM": "MALFORMED_QUERY",
        "DROP TABLE Contact": "MALFORMED_QUERY",
        "SELECT Id FROM Contact WHERE Social_Followers__c = 'ten'": "INVALID_FIELD",
        "SELECT Id FROM Contact WHERE Id = 'nope'": "INVALID_QUERY_FILTER_OPERATOR",
        "SELECT Id FROM Contact WHERE LastName = 'x": "MALFORMED_QUERY",
        "SELECT Id, Id FROM Contact": "MALFORMED_QUERY",
        "SELECT Id FROM Contact; DELETE": "MALFORMED_QUERY",
    }
    for query, code in cases.items():
        response = api.query(query)
        assert response.status_code == 400, query
        assert response.json()[0]["errorCode"] == code, query
    assert api.get("/query").json()[0]["errorCode"] == "MALFORMED_QUERY"


def test_queues_and_dates(api: Api, org: LocalOrg) -> None:
    support = org.add_queue("Technical_Support", "Technical Support")
    org.add_queue("PR")
    org.insert("Group", Name="Everyone", DeveloperName="Everyone", Type="Regular")
    soql = ("SELECT Id, DeveloperName FROM Group WHERE Type = 'Queue' "
            "AND DeveloperName IN ('Technical_Support', 'Legal')")  # fmt: skip
    records = api.query(soql).json()["records"]
    assert [(r["Id"], r["DeveloperName"]) for r in records] == [(support, "Technical_Support")]
    old = org.insert("Case", Subject="old", Status="Closed")
    org.update_record("Case", old, ClosedDate="2020-01-01T00:00:00Z")
    org.insert("Case", Subject="new", Status="Closed")
    org.insert("Case", Subject="open")
    recent = api.query("SELECT Subject FROM Case WHERE ClosedDate > 2021-01-01T00:00:00Z")
    assert [r["Subject"] for r in recent.json()["records"]] == ["new"]
    quoted = api.query("SELECT Subject FROM Case WHERE ClosedDate > '2021-01-01T00:00:00Z'")
    assert quoted.json()[0]["errorCode"] == "INVALID_FIELD"


def test_paging(api: Api, org: LocalOrg, contacts: dict[str, str]) -> None:
    org.queries.batch_size = 4
    first = api.query("SELECT Id FROM Contact").json()
    assert (first["totalSize"], first["done"], len(first["records"])) == (9, False, 4)
    seen = [r["Id"] for r in first["records"]]
    page = first
    while not page["done"]:
        page = api.session.get(org.instance_url + page["nextRecordsUrl"], timeout=5).json()
        seen += [r["Id"] for r in page["records"]]
    assert sorted(seen) == sorted(contacts.values())


def test_direct_queries_raise_the_documented_error(org: LocalOrg) -> None:
    from sf_social.errors import LocalOrgError, SfSocialError

    with pytest.raises(LocalOrgError) as failure:
        org.query("SELECT FROM WHERE")
    assert isinstance(failure.value, SfSocialError)
    assert (failure.value.status, failure.value.code) == (400, "MALFORMED_QUERY")

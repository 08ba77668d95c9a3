"""A Selection renders SOQL from names it checks and literals it escapes, and its in-memory
test agrees with the statement."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from sf_social.salesforce.selection import Selection


def test_one_of_renders_escaped_literals() -> None:
    selection = Selection(
        "Social_Reply__c",
        ("Id", "Status__c"),
        since={"SystemModstamp": datetime(2026, 12, 1, tzinfo=UTC)},
        one_of={"Status__c": ("Approved", "it's")},
    )

    assert selection.soql() == (
        "SELECT Id, Status__c FROM Social_Reply__c WHERE SystemModstamp >= 2026-12-01T00:00:00Z"
        " AND Status__c IN ('Approved', 'it\\'s')"
    )
    assert selection.matches(
        {"Status__c": "Approved", "SystemModstamp": datetime(2026, 12, 2, tzinfo=UTC)},
        lambda v: v,
    )
    assert not selection.matches(
        {"Status__c": "Sent", "SystemModstamp": datetime(2026, 12, 2, tzinfo=UTC)}, lambda v: v
    )


def test_a_name_from_outside_is_refused() -> None:
    with pytest.raises(ValueError, match="not a SOQL identifier"):
        Selection("Social_Reply__c", ("Id",), one_of={"Status__c) OR (Id": ("x",)}).soql()

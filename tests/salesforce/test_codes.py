"""Retry decisions come from error codes (and, for one code, its message)."""

from __future__ import annotations

import pytest

from sf_social.salesforce.codes import Disposition, classify, http_code

TRANSIENT = [
    "UNABLE_TO_LOCK_ROW",
    "SERVER_UNAVAILABLE",
    "TIMEOUT",
    "CONNECTION_ERROR",
    "MALFORMED_RESPONSE",
    "HTTP_500",
    "HTTP_502",
    "HTTP_503",
]
PERMANENT = [
    "INVALID_FIELD",
    "REQUIRED_FIELD_MISSING",
    "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
    "FIELD_CUSTOM_VALIDATION_EXCEPTION",
    "MALFORMED_ID",
    "INVALID_CROSS_REFERENCE_KEY",
    "STRING_TOO_LONG",
    "MORE_THAN_ONE_RECORD",
    "DUPLICATES_DETECTED",
    "SOMETHING_NEW_AND_UNKNOWN",
]


@pytest.mark.parametrize("code", TRANSIENT)
def test_transient_codes(code: str) -> None:
    assert classify(code) is Disposition.TRANSIENT
    assert classify(code).retryable


@pytest.mark.parametrize("code", PERMANENT)
def test_permanent_codes(code: str) -> None:
    assert classify(code, "whatever", 400) is Disposition.PERMANENT
    assert not classify(code).retryable


def test_request_limit_exceeded_is_told_apart_by_its_message() -> None:
    daily = "TotalRequests Limit exceeded."
    concurrent = "ConcurrentPerOrgLongTxn Limit exceeded."
    assert classify("REQUEST_LIMIT_EXCEEDED", daily, 403) is Disposition.DAILY_LIMIT
    assert classify("REQUEST_LIMIT_EXCEEDED", concurrent, 403) is Disposition.CONCURRENCY


def test_special_codes() -> None:
    assert classify("DUPLICATE_VALUE", "duplicate value found") is Disposition.RACE
    assert classify("INVALID_SESSION_ID", "Session expired", 401) is Disposition.SESSION
    lock = "CANNOT_INSERT_UPDATE_ACTIVATE_ENTITY"
    assert classify(lock, "trigger: UNABLE_TO_LOCK_ROW, unable to obtain") is Disposition.TRANSIENT
    assert classify(lock, "trigger: division by zero") is Disposition.PERMANENT


def test_unknown_code_follows_the_status() -> None:
    assert classify("UNKNOWN_EXCEPTION", "oops", 500) is Disposition.TRANSIENT
    assert classify("UNKNOWN_EXCEPTION", "oops", 400) is Disposition.PERMANENT
    assert http_code(300) == "MORE_THAN_ONE_RECORD"
    assert http_code(502) == "HTTP_502"

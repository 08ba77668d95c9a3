"""What to do about a Salesforce error, decided by its error code (never its exception class).

==================================  ==========================================================
disposition                         codes
==================================  ==========================================================
``TRANSIENT`` (back off, retry)     UNABLE_TO_LOCK_ROW, SERVER_UNAVAILABLE, HTTP 500/502/503/504,
                                    TIMEOUT, CONNECTION_ERROR, MALFORMED_RESPONSE, QUERY_TIMEOUT,
                                    CANNOT_INSERT_UPDATE_ACTIVATE_ENTITY caused by a row lock
``CONCURRENCY`` (longer backoff)    REQUEST_LIMIT_EXCEEDED "ConcurrentPerOrgLongTxn" (and any
                                    REQUEST_LIMIT_EXCEEDED that is not the daily budget)
``DAILY_LIMIT`` (pause writes)      REQUEST_LIMIT_EXCEEDED "TotalRequests Limit exceeded"
``RACE`` (once more, as an update)  DUPLICATE_VALUE — on our external id: another writer
                                    inserted the same key first
``SESSION`` (log in again, once)    INVALID_SESSION_ID
``PERMANENT`` (never retried)       everything else: INVALID_FIELD, REQUIRED_FIELD_MISSING,
                                    INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST,
                                    FIELD_CUSTOM_VALIDATION_EXCEPTION, MALFORMED_ID,
                                    INVALID_CROSS_REFERENCE_KEY, STRING_TOO_LONG, HTTP 300,
                                    DUPLICATES_DETECTED (a duplicate rule blocked the save) ...
==================================  ==========================================================

An unknown code is permanent unless the HTTP status is a 5xx: a dead letter with its
reason is better than retrying forever something that cannot succeed.
"""

from __future__ import annotations

from enum import StrEnum


class Disposition(StrEnum):
    TRANSIENT = "transient"
    CONCURRENCY = "concurrency"
    DAILY_LIMIT = "daily_limit"
    RACE = "race"
    SESSION = "session"
    PERMANENT = "permanent"

    @property
    def retryable(self) -> bool:
        """True when trying the same thing again later can succeed."""
        return self is not Disposition.PERMANENT


# Our own codes for failures that have no Salesforce code.
TIMEOUT = "TIMEOUT"
CONNECTION_ERROR = "CONNECTION_ERROR"
MALFORMED_RESPONSE = "MALFORMED_RESPONSE"
MORE_THAN_ONE_RECORD = "MORE_THAN_ONE_RECORD"  # HTTP 300
API_BUDGET_PAUSED = "API_BUDGET_PAUSED"
PARENT_FAILED = "PARENT_FAILED"
UNKNOWN_QUEUE = "UNKNOWN_QUEUE"
NOT_REPORTED = "NOT_REPORTED"  # a bulk job did not report the row

REQUEST_LIMIT_EXCEEDED = "REQUEST_LIMIT_EXCEEDED"
DUPLICATE_VALUE = "DUPLICATE_VALUE"
DUPLICATES_DETECTED = "DUPLICATES_DETECTED"
INVALID_SESSION_ID = "INVALID_SESSION_ID"
UNABLE_TO_LOCK_ROW = "UNABLE_TO_LOCK_ROW"

TRANSIENT_CODES = frozenset(
    {
        UNABLE_TO_LOCK_ROW,
        "SERVER_UNAVAILABLE",
        "QUERY_TIMEOUT",
        TIMEOUT,
        CONNECTION_ERROR,
        MALFORMED_RESPONSE,
        NOT_REPORTED,
        API_BUDGET_PAUSED,
        "HTTP_500",
        "HTTP_502",
        "HTTP_503",
        "HTTP_504",
    }
)
PERMANENT_CODES = frozenset(
    {
        "INVALID_FIELD",
        "REQUIRED_FIELD_MISSING",
        "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
        "FIELD_CUSTOM_VALIDATION_EXCEPTION",
        "MALFORMED_ID",
        "INVALID_CROSS_REFERENCE_KEY",
        "STRING_TOO_LONG",
        MORE_THAN_ONE_RECORD,
        DUPLICATES_DETECTED,
        "DUPLICATE_EXTERNAL_ID",
        "ENTITY_IS_DELETED",
        "INVALID_TYPE",
        "MALFORMED_QUERY",
        UNKNOWN_QUEUE,
    }
)
SETUP_FIXES = {
    "INVALID_FIELD": "deploy the metadata (`sf-social metadata deploy`), assign the"
    " SF_Social_Integration permission set to the integration user, then run `sf-social doctor`",
    "INVALID_TYPE": "the org lacks an object we write: deploy the metadata and check the"
    " integration user's object access (`sf-social doctor`)",
    "INSUFFICIENT_ACCESS_OR_READONLY": "give the integration user edit access (assign the"
    " SF_Social_Integration permission set), then run `sf-social doctor`",
    "INVALID_FIELD_FOR_INSERT_UPDATE": "a field is not editable by the integration user:"
    " assign the SF_Social_Integration permission set (`sf-social doctor` names the field)",
    UNKNOWN_QUEUE: "create the queue (`sf-social metadata deploy` ships the default playbook's"
    " queues) or route to an existing one in the playbook",
}
"""Codes that mean the org is not set up for us, with the fix: no retry can succeed."""

DAILY_LIMIT_MESSAGE = "TotalRequests Limit exceeded"
CONCURRENCY_MESSAGE = "ConcurrentPerOrgLongTxn"


def classify(code: str, message: str = "", status: int | None = None) -> Disposition:
    """The disposition of an error, from its code (and message/status where they decide)."""
    if code == REQUEST_LIMIT_EXCEEDED:
        if DAILY_LIMIT_MESSAGE.lower() in message.lower():
            return Disposition.DAILY_LIMIT
        return Disposition.CONCURRENCY
    if code == INVALID_SESSION_ID:
        return Disposition.SESSION
    if code == DUPLICATE_VALUE:
        return Disposition.RACE
    if code in TRANSIENT_CODES:
        return Disposition.TRANSIENT
    if code == "CANNOT_INSERT_UPDATE_ACTIVATE_ENTITY" and UNABLE_TO_LOCK_ROW in message:
        return Disposition.TRANSIENT  # a trigger hit a row lock: the save itself was fine
    if code in PERMANENT_CODES:
        return Disposition.PERMANENT
    if status is not None and status in (500, 502, 503, 504):
        return Disposition.TRANSIENT
    return Disposition.PERMANENT


def setup_fix(code: str) -> str | None:
    """What an admin must do when ``code`` says the org is not set up for us (else None)."""
    return SETUP_FIXES.get(code)


def http_code(status: int) -> str:
    """Our code for an HTTP status that came without a Salesforce error code."""
    return MORE_THAN_ONE_RECORD if status == 300 else f"HTTP_{status}"

"""Field values: reading them from JSON or CSV, checking them, writing them back out.

Reading fails like Salesforce's deserializer (a wrong JSON type fails the whole request
with JSON_PARSER_ERROR); checking fails per record (STRING_TOO_LONG, restricted picklist,
invalid email, number out of range). Dates come back as ``2024-05-01`` and date/times as
``2024-05-01T12:00:00.000+0000``, as the REST API writes them.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any

from sf_social.testing.replies import RecordError
from sf_social.testing.schema import TEXT_TYPES, FieldSpec, FieldType

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_JSON_NAMES = {
    FieldType.BOOLEAN: "boolean",
    FieldType.DOUBLE: "double",
    FieldType.INT: "int",
    FieldType.DATE: "date",
    FieldType.DATETIME: "datetime",
}


class WrongType(Exception):
    """A value of the wrong type for its field (JSON_PARSER_ERROR in REST)."""

    def __init__(self, spec: FieldSpec, raw: object) -> None:
        kind = _JSON_NAMES.get(spec.type, "string")
        source = "VALUE_STRING" if isinstance(raw, str) else type(raw).__name__.upper()
        super().__init__(
            f"Cannot deserialize instance of {kind} from {source} value {raw} "
            "or request may be missing a required field"
        )
        self.spec = spec


def read(spec: FieldSpec, raw: object) -> object:
    """The stored value of ``raw`` (a JSON value or a CSV string); None clears the field."""
    if raw is None:
        return None
    kind = spec.type
    if kind in TEXT_TYPES or kind in (FieldType.ID, FieldType.REFERENCE):
        if isinstance(raw, bool) or not isinstance(raw, str | int | float):
            raise WrongType(spec, raw)
        text = raw if isinstance(raw, str) else str(raw)
        return text or None
    if kind is FieldType.BOOLEAN:
        if isinstance(raw, bool):
            return raw
        if isinstance(raw, str) and raw.lower() in ("true", "false", "1", "0"):
            return raw.lower() in ("true", "1")
        raise WrongType(spec, raw)
    if kind in (FieldType.DOUBLE, FieldType.INT):
        return _number(spec, raw)
    if kind is FieldType.DATE:
        return _date(spec, raw)
    return _datetime(spec, raw)


def _number(spec: FieldSpec, raw: object) -> float | int | None:
    if isinstance(raw, bool):
        raise WrongType(spec, raw)
    if isinstance(raw, str):
        if not raw.strip():
            return None
        try:
            raw = float(raw)
        except ValueError:
            raise WrongType(spec, raw) from None
    if not isinstance(raw, int | float):
        raise WrongType(spec, raw)
    if spec.type is FieldType.INT:
        if float(raw) != int(raw):
            raise WrongType(spec, raw)
        return int(raw)
    return float(raw)


def _date(spec: FieldSpec, raw: object) -> date:
    if not isinstance(raw, str):
        raise WrongType(spec, raw)
    try:
        return date.fromisoformat(raw[:10]) if len(raw) >= 10 else date.fromisoformat(raw)
    except ValueError:
        raise WrongType(spec, raw) from None


def _datetime(spec: FieldSpec, raw: object) -> datetime:
    if not isinstance(raw, str):
        raise WrongType(spec, raw)
    text = raw.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    text = re.sub(r"([+-]\d{2})(\d{2})$", r"\1:\2", text)
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise WrongType(spec, raw) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def check(spec: FieldSpec, value: object) -> tuple[list[RecordError], list[str]]:
    """Per-record errors of a read value, and the unknown values of unrestricted picklists."""
    errors: list[RecordError] = []
    unknown: list[str] = []
    if value is None:
        return errors, unknown
    if isinstance(value, str):
        if spec.length is not None and len(value) > spec.length:
            errors.append(
                RecordError(
                    "STRING_TOO_LONG",
                    f"{spec.label}: data value too large: {value[:50]} (max length={spec.length})",
                    (spec.name,),
                )
            )
        if spec.type is FieldType.EMAIL and not _EMAIL.match(value):
            errors.append(
                RecordError(
                    "INVALID_EMAIL_ADDRESS",
                    f"{spec.label}: invalid email address: {value}",
                    (spec.name,),
                )
            )
        if spec.type in (FieldType.PICKLIST, FieldType.MULTIPICKLIST):
            chosen = value.split(";") if spec.type is FieldType.MULTIPICKLIST else [value]
            bad = [v for v in chosen if v not in spec.values]
            if bad and spec.restricted:
                errors.append(
                    RecordError(
                        "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
                        f"{spec.label}: bad value for restricted picklist field: {bad[0]}",
                        (spec.name,),
                    )
                )
            unknown = bad
    if isinstance(value, int | float) and not isinstance(value, bool) and spec.precision:
        digits = spec.precision - (spec.scale or 0)
        if abs(value) >= 10**digits:
            errors.append(
                RecordError(
                    "NUMBER_OUTSIDE_VALID_RANGE",
                    f"{spec.label}: value outside of valid range on numeric field: {value}",
                    (spec.name,),
                )
            )
    return errors, unknown


def write(value: object) -> Any:
    """A stored value as the REST API writes it in JSON."""
    if isinstance(value, datetime):
        return format_datetime(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def format_datetime(value: datetime) -> str:
    """``2024-05-01T12:00:00.000+0000``."""
    utc = value.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}+0000"


def csv_text(value: object) -> str:
    """A stored value as a Bulk API result CSV writes it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    written = write(value)
    return str(written)

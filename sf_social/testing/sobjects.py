"""sObject resources: one record (create, get, update, upsert by external id, delete,
describe) and sObject Collections (create, update by Id, upsert by external id).

Single-record errors answer ``[{"message", "errorCode", "fields"}]``; a collection call
that is well formed answers 200 with one result per record, in order, each failing
record carrying ``{"statusCode", "message", "fields"}``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from sf_social.testing import ids
from sf_social.testing.replies import (
    ApiFault,
    RecordError,
    RecordFailure,
    Reply,
    Request,
)
from sf_social.testing.schema import FieldSpec, ObjectSpec
from sf_social.testing.store import Record, Store
from sf_social.testing.writes import Parsed, Writer, parse

MAX_COLLECTION = 200


@dataclass
class Context:
    """What a handler needs for one call."""

    store: Store
    writer: Writer
    version: str
    lock_row: Callable[[], bool]
    """Asked once per record written: True if that record fails with UNABLE_TO_LOCK_ROW."""
    record_error: Callable[[dict[str, Any]], RecordError | None] = lambda values: None
    """Asked with the field values of each record written (and the Id it updates): the
    error injected for it (``Faults.fail_record``), if any."""
    user_id: str | None = None
    """The user of the call's session (``None``: the integration user)."""

    @property
    def version_number(self) -> float:
        return float(self.version)


NOT_FOUND = ApiFault(404, "NOT_FOUND", "The requested resource does not exist")


def object_spec(ctx: Context, name: str) -> ObjectSpec:
    """The object of a URL, or 404 NOT_FOUND."""
    obj = ctx.store.schema.object(unquote(name))
    if obj is None or obj.queryable_only:
        raise NOT_FOUND
    return obj


def _locked(record_id: str | None = None) -> RecordError:
    return RecordError(
        "UNABLE_TO_LOCK_ROW",
        "unable to obtain exclusive access to this record or 1 records:"
        + (f" {record_id}" if record_id else ""),
        (),
    )


def _save(ctx: Context, parsed: Parsed, existing: Record | None) -> Record:
    if ctx.lock_row():
        raise RecordFailure(_locked(existing["Id"] if existing else None))
    injected = ctx.record_error({**parsed.values, **({"Id": existing["Id"]} if existing else {})})
    if injected is not None:
        raise RecordFailure(injected)
    return ctx.writer.save(parsed, existing, user_id=ctx.user_id)


def _body(request: Request) -> dict[str, Any]:
    body = request.json()
    if not isinstance(body, dict):
        raise ApiFault(400, "JSON_PARSER_ERROR", "Cannot deserialize instance of sObject")
    return body


# -- one record ---------------------------------------------------------------------


def create(ctx: Context, request: Request, sobject: str) -> Reply:
    """``POST /sobjects/{Type}/`` → 201 ``{"id", "success", "errors"}``."""
    obj = object_spec(ctx, sobject)
    parsed = parse(obj, _body(request))
    try:
        record = _save(ctx, parsed, None)
    except RecordFailure as failure:
        raise _fault(failure) from None
    return Reply.of_json(
        201,
        {"id": record["Id"], "success": True, "errors": []},
        {"Location": ctx.store.url(obj.name, record["Id"])},
    )


def _fault(failure: RecordFailure) -> ApiFault:
    first = failure.errors[0]
    return first.as_fault(400)


def _existing(ctx: Context, obj: ObjectSpec, record_id: str) -> Record:
    if not ids.is_well_formed(record_id):
        raise ApiFault(
            404,
            "NOT_FOUND",
            f"Provided external ID field does not exist or is not accessible: {record_id}",
        )
    record = ctx.store.get(obj.name, record_id)
    if record is None:
        raise NOT_FOUND
    return record


def get(ctx: Context, request: Request, sobject: str, record_id: str) -> Reply:
    """``GET /sobjects/{Type}/{Id}[?fields=a,b]``."""
    obj = object_spec(ctx, sobject)
    record = _existing(ctx, obj, unquote(record_id))
    return Reply.of_json(200, _render(ctx, obj, record, request))


def _render(ctx: Context, obj: ObjectSpec, record: Record, request: Request) -> dict[str, Any]:
    wanted = request.params().get("fields")
    names: list[str] | None = None
    if wanted:
        names = []
        for name in wanted.split(","):
            spec = obj.field(name.strip())
            if spec is None:
                raise ApiFault(
                    400, "INVALID_FIELD", f"No such column '{name}' on sobject of type {obj.name}"
                )
            names.append(spec.name)
    return ctx.store.render(obj, record, names)


def update(ctx: Context, request: Request, sobject: str, record_id: str) -> Reply:
    """``PATCH /sobjects/{Type}/{Id}`` → 204."""
    obj = object_spec(ctx, sobject)
    raw_id = unquote(record_id)
    if not ids.is_well_formed(raw_id) or ids.object_of(raw_id) != obj.name:
        raise ApiFault(
            400, "MALFORMED_ID", f"{obj.label} ID: id value of incorrect type: {raw_id}", ["Id"]
        )
    record = _existing(ctx, obj, raw_id)
    parsed = parse(obj, _body(request))
    parsed.values.pop("Id", None)
    try:
        _save(ctx, parsed, record)
    except RecordFailure as failure:
        raise _fault(failure) from None
    return Reply.empty(204)


def delete(ctx: Context, request: Request, sobject: str, record_id: str) -> Reply:
    """``DELETE /sobjects/{Type}/{Id}`` → 204."""
    obj = object_spec(ctx, sobject)
    record = _existing(ctx, obj, unquote(record_id))
    ctx.store.delete(obj.name, record["Id"])
    return Reply.empty(204)


def key_field(obj: ObjectSpec, name: str) -> FieldSpec:
    """The external-id field of an upsert URL, or 404 NOT_FOUND as Salesforce answers."""
    spec = obj.field(unquote(name))
    if spec is None or not spec.indexed:
        raise NOT_FOUND
    return spec


def by_key(ctx: Context, request: Request, sobject: str, field: str, value: str) -> Reply:
    """``GET|PATCH|DELETE /sobjects/{Type}/{ExtField}/{value}``."""
    obj = object_spec(ctx, sobject)
    spec = key_field(obj, field)
    key = unquote(value)
    matches = ctx.store.find(obj.name, spec, key)
    if len(matches) > 1:
        return Reply.of_json(300, [ctx.store.url(obj.name, m) for m in matches])
    if request.method == "GET":
        if not matches:
            raise NOT_FOUND
        record = ctx.store.get(obj.name, matches[0])
        assert record is not None
        return Reply.of_json(200, _render(ctx, obj, record, request))
    if request.method == "DELETE":
        if not matches:
            raise NOT_FOUND
        ctx.store.delete(obj.name, matches[0])
        return Reply.empty(204)
    parsed = parse(obj, _body(request))
    given = parsed.values.get(spec.name)
    if given is not None and spec.normalize(str(given)) != spec.normalize(key):
        raise ApiFault(
            400,
            "INVALID_FIELD",
            f"The external ID field {spec.name} is specified in both the URL and the body"
            " with different values",
        )
    existing = ctx.store.get(obj.name, matches[0]) if matches else None
    if existing is None and request.params().get("updateOnly", "").lower() == "true":
        raise NOT_FOUND
    if existing is None:
        parsed.values[spec.name] = key
    try:
        record = _save(ctx, parsed, existing)
    except RecordFailure as failure:
        raise _fault(failure) from None
    result = {"id": record["Id"], "success": True, "errors": [], "created": existing is None}
    location = {"Location": ctx.store.url(obj.name, record["Id"])}
    if existing is None:
        return Reply.of_json(201, result, location)
    if ctx.version_number < 46.0:
        return Reply.empty(204)
    return Reply.of_json(200, result, location)


def describe(ctx: Context, request: Request, sobject: str) -> Reply:
    """``GET /sobjects/{Type}/describe``: the fields as the writer may check them."""
    obj = ctx.store.schema.object(unquote(sobject))
    if obj is None:
        raise NOT_FOUND
    with ctx.store.schema.lock:
        fields = [
            {
                "name": f.name,
                "label": f.label,
                "type": f.type.value,
                "length": f.length or 0,
                "nillable": not f.required,
                "createable": f.createable,
                "updateable": f.updateable,
                "custom": f.custom,
                "externalId": f.external_id,
                "unique": f.unique,
                "caseSensitive": f.case_sensitive,
                "idLookup": f.indexed,
                "referenceTo": list(f.reference_to),
                "relationshipName": f.relationship,
                "restrictedPicklist": f.restricted,
                "picklistValues": [
                    {"active": True, "defaultValue": v == f.default, "label": v, "value": v}
                    for v in f.values
                ],
            }
            for f in obj.all_fields()
        ]
    described = {"name": obj.name, "label": obj.label, "custom": False, "fields": fields}
    return Reply.of_json(200, {**described, "keyPrefix": ids.KEY_PREFIXES.get(obj.name)})


# -- sObject Collections ----------------------------------------------------------------


def _collection(request: Request) -> tuple[bool, list[dict[str, Any]]]:
    body = _body(request)
    records = body.get("records")
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        raise ApiFault(400, "JSON_PARSER_ERROR", "records: a list of sObjects is required")
    if len(records) > MAX_COLLECTION:
        raise ApiFault(
            400,
            "EXCEEDED_ID_LIMIT",
            f"record limit reached. cannot submit more than {MAX_COLLECTION} records into this"
            " call",
        )
    return bool(body.get("allOrNone", False)), records


def _type_of(ctx: Context, record: dict[str, Any]) -> ObjectSpec:
    attributes = record.get("attributes")
    name = attributes.get("type") if isinstance(attributes, dict) else None
    if not isinstance(name, str):
        raise ApiFault(
            400, "INVALID_TYPE", "Must send a concrete entity type in the attributes of each record"
        )
    obj = ctx.store.schema.object(name)
    if obj is None or obj.queryable_only:
        raise ApiFault(400, "INVALID_TYPE", f"sObject type '{name}' is not supported.")
    return obj


def _failed(
    errors: list[RecordError], *, upsert: bool, record_id: str | None = None
) -> dict[str, Any]:
    result: dict[str, Any] = {"success": False, "errors": [e.payload() for e in errors]}
    if record_id:
        result = {"id": record_id, **result}
    if upsert:
        result["created"] = False
    return result


RolledBack = RecordError(
    "ALL_OR_NONE_OPERATION_ROLLED_BACK",
    "Record rolled back because not all records were valid and the request was using AllOrNone"
    " header",
)


def _run_all(
    ctx: Context,
    all_or_none: bool,
    jobs: list[Callable[[], dict[str, Any]]],
    *,
    upsert: bool,
) -> Reply:
    with ctx.store.journal() as rollback:
        results = [job() for job in jobs]
        if all_or_none and not all(r["success"] for r in results):
            rollback()
            results = [
                r if not r["success"] else _failed([RolledBack], upsert=upsert) for r in results
            ]
    return Reply.of_json(200, results)


def collection_create(ctx: Context, request: Request) -> Reply:
    """``POST /composite/sobjects`` → one SaveResult per record."""
    all_or_none, records = _collection(request)
    prepared = [(obj := _type_of(ctx, r), parse(obj, r)) for r in records]

    def job(parsed: Parsed) -> Callable[[], dict[str, Any]]:
        def run() -> dict[str, Any]:
            if "Id" in parsed.values:
                return _failed(
                    [RecordError("INVALID_FIELD", "cannot specify Id in an insert call", ("Id",))],
                    upsert=False,
                )
            try:
                record = _save(ctx, parsed, None)
            except RecordFailure as failure:
                return _failed(failure.errors, upsert=False)
            return {"id": record["Id"], "success": True, "errors": []}

        return run

    return _run_all(ctx, all_or_none, [job(p) for _, p in prepared], upsert=False)


def collection_update(ctx: Context, request: Request) -> Reply:
    """``PATCH /composite/sobjects`` (each record with its ``id``) → SaveResults."""
    all_or_none, records = _collection(request)
    prepared = [(obj := _type_of(ctx, r), parse(obj, r)) for r in records]

    def job(obj: ObjectSpec, parsed: Parsed) -> Callable[[], dict[str, Any]]:
        def run() -> dict[str, Any]:
            record_id = parsed.values.pop("Id", None)
            if not isinstance(record_id, str) or not record_id:
                error = RecordError("MISSING_ARGUMENT", "Id not specified in an update call", ())
                return _failed([error], upsert=False)
            if not ids.is_well_formed(record_id) or ids.object_of(record_id) != obj.name:
                error = RecordError(
                    "MALFORMED_ID",
                    f"{obj.label} ID: id value of incorrect type: {record_id}",
                    ("Id",),
                )
                return _failed([error], upsert=False)
            existing = ctx.store.get(obj.name, record_id)
            if existing is None:
                error = RecordError("ENTITY_IS_DELETED", "entity is deleted", ())
                return _failed([error], upsert=False)
            try:
                record = _save(ctx, parsed, existing)
            except RecordFailure as failure:
                return _failed(failure.errors, upsert=False, record_id=existing["Id"])
            return {"id": record["Id"], "success": True, "errors": []}

        return run

    return _run_all(ctx, all_or_none, [job(o, p) for o, p in prepared], upsert=False)


def collection_upsert(ctx: Context, request: Request, sobject: str, field: str) -> Reply:
    """``PATCH /composite/sobjects/{Type}/{ExtField}`` → one UpsertResult per record."""
    obj = object_spec(ctx, sobject)
    spec = key_field(obj, field)
    all_or_none, records = _collection(request)
    prepared: list[Parsed] = []
    for record in records:
        if _type_of(ctx, record).name != obj.name:
            raise ApiFault(
                400,
                "INVALID_TYPE",
                f"The type of each record must be {obj.name}, the type in the URL",
            )
        prepared.append(parse(obj, record))
    keys = [p.values.get(spec.name) for p in prepared]
    counts: dict[str, int] = {}
    for key in keys:
        if isinstance(key, str):
            counts[spec.normalize(key)] = counts.get(spec.normalize(key), 0) + 1

    def job(parsed: Parsed, key: object) -> Callable[[], dict[str, Any]]:
        def run() -> dict[str, Any]:
            if not isinstance(key, str):
                error = RecordError("MISSING_ARGUMENT", f"{spec.name} not specified", ())
                return _failed([error], upsert=True)
            if counts[spec.normalize(key)] > 1:
                error = RecordError(
                    "DUPLICATE_VALUE", f"Duplicate external id specified: {key}", (spec.name,)
                )
                return _failed([error], upsert=True)
            matches = ctx.store.find(obj.name, spec, key)
            if len(matches) > 1:
                error = RecordError(
                    "DUPLICATE_EXTERNAL_ID",
                    f"{spec.label}: more than one record found for external id field:"
                    f" [{', '.join(matches)}]",
                    (spec.name,),
                )
                return _failed([error], upsert=True)
            existing = ctx.store.get(obj.name, matches[0]) if matches else None
            try:
                record = _save(ctx, parsed, existing)
            except RecordFailure as failure:
                found_id = existing["Id"] if existing else None
                return _failed(failure.errors, upsert=True, record_id=found_id)
            return {"id": record["Id"], "success": True, "errors": [], "created": existing is None}

        return run

    jobs = [job(p, k) for p, k in zip(prepared, keys, strict=True)]
    return _run_all(ctx, all_or_none, jobs, upsert=True)


def collection_delete(ctx: Context, request: Request) -> Reply:
    """``DELETE /composite/sobjects?ids=...&allOrNone=...`` → one DeleteResult per Id."""
    params = request.params()
    wanted = [i for i in params.get("ids", "").split(",") if i]
    if not wanted:
        raise ApiFault(400, "MISSING_ARGUMENT", "ids: no Ids specified")
    if len(wanted) > MAX_COLLECTION:
        raise ApiFault(
            400,
            "EXCEEDED_ID_LIMIT",
            f"record limit reached. cannot submit more than {MAX_COLLECTION} records into this"
            " call",
        )
    all_or_none = params.get("allOrNone", "false").lower() == "true"

    def job(record_id: str) -> Callable[[], dict[str, Any]]:
        def run() -> dict[str, Any]:
            name = ids.object_of(record_id) if ids.is_well_formed(record_id) else None
            if name is None:
                error = RecordError("MALFORMED_ID", f"malformed id {record_id}", ())
                return _failed([error], upsert=False, record_id=record_id)
            existing = ctx.store.get(name, record_id)
            if existing is None:
                error = RecordError("ENTITY_IS_DELETED", "entity is deleted", ())
                return _failed([error], upsert=False, record_id=record_id)
            ctx.store.delete(name, existing["Id"])
            return {"id": existing["Id"], "success": True, "errors": []}

        return run

    return _run_all(ctx, all_or_none, [job(i) for i in wanted], upsert=False)

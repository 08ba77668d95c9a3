"""``LocalOrg``: an in-memory Salesforce org answering a REST subset.

One core, ``LocalOrg.handle``, answers every request, whatever carries it: ``responses``
in-process (``LocalOrg.mock()``) or a real HTTPS server on loopback
(``LocalOrg.serve()``). It authenticates the bearer token, counts API calls against the
daily limit (``Sforce-Limit-Info: api-usage=USED/MAX`` on every answer), injects the
faults of ``LocalOrg.faults`` and routes the call.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sf_social.testing import values
from sf_social.testing.auth import Credentials, Sessions, token_endpoint
from sf_social.testing.bulk import BulkJobs
from sf_social.testing.bulk_query import BulkQueries
from sf_social.testing.composite import fault_path
from sf_social.testing.faults import Fault, FaultKind, Faults, RecordFault
from sf_social.testing.ids import IdFactory, is_well_formed
from sf_social.testing.metadata_api import (
    SOAP_INVALID_SESSION,
    SOAP_PATH,
    MetadataEndpoint,
    session_of,
    soap_fault,
    soap_fault_path,
)
from sf_social.testing.metadata_store import MetadataStore
from sf_social.testing.notifications import Notifications, seed_types
from sf_social.testing.query import QueryEngine
from sf_social.testing.received import Received, expand
from sf_social.testing.replies import ApiFault, RecordError, Reply, Request
from sf_social.testing.rest import DATA, LIMIT_NAMES, Router, resources, versions
from sf_social.testing.sobjects import Context
from sf_social.testing.standard import default_schema, package_of
from sf_social.testing.store import Store
from sf_social.testing.validation import Validator
from sf_social.testing.writes import Writer

if TYPE_CHECKING:
    import responses

    from sf_social.testing.server import LocalOrgServer

DEFAULT_INSTANCE = "https://localorg.my.salesforce.com"
KEPT_REQUESTS = 10_000
"""How many API requests ``LocalOrg.requests`` keeps (the oldest go first)."""
TOKEN_PATHS = ("/services/oauth2/token", "/services/oauth2/token/")


@dataclass(frozen=True)
class CallRecord:
    """One request the org received.

    ``number`` is the API call number (0 when the call did not count: sign-in, 401s,
    calls refused for the daily limit); ``status`` is None when no answer was sent.
    """

    number: int
    method: str
    path: str
    status: int | None
    fault: FaultKind | None = None


@dataclass
class Outcome:
    """How to answer: ``reply`` after ``delay`` seconds, unless the connection drops.

    ``timeout`` means the answer comes ``Faults.timeout_seconds`` late (the client gives
    up first); ``drop`` means the connection closes without an answer.
    """

    reply: Reply | None
    delay: float = 0.0
    timeout: bool = False
    drop: bool = False


_FAULT_REPLIES: dict[FaultKind, tuple[int, str, str]] = {
    FaultKind.TOTAL_REQUESTS: (403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded."),
    FaultKind.CONCURRENT_REQUESTS: (
        403,
        "REQUEST_LIMIT_EXCEEDED",
        "ConcurrentPerOrgLongTxn Limit exceeded.",
    ),
    FaultKind.SERVER_UNAVAILABLE: (
        503,
        "SERVER_UNAVAILABLE",
        "Server temporarily unavailable, try again later",
    ),
    FaultKind.INTERNAL_ERROR: (
        500,
        "UNKNOWN_EXCEPTION",
        "An unexpected error occurred. Please include this ErrorId if you contact support:"
        " 1461457321-87512 (-1236413853)",
    ),
    FaultKind.INVALID_SESSION: (401, "INVALID_SESSION_ID", "Session expired or invalid"),
}


class LocalOrg:
    """A local Salesforce org: schema from ``metadata/``, records in memory.

    ``metadata`` is the folder whose custom fields and values the org has (default: the
    bundled package); ``custom_fields=False`` makes an org without them. ``daily_limit``
    is the DailyApiRequests maximum; ``seed`` makes fault injection reproducible.
    """

    def __init__(
        self,
        *,
        metadata: Path | None = None,
        custom_fields: bool = True,
        seed: int = 0,
        daily_limit: int = 15_000,
        api_version: str = "62.0",
        instance_url: str = DEFAULT_INSTANCE,
        credentials: Credentials | None = None,
        clock: Callable[[], datetime] | None = None,
        bulk_in_progress_polls: int = 1,
        org_id: str | None = None,
    ) -> None:
        self.schema = default_schema(metadata, custom_fields=custom_fields)
        self.ids = IdFactory()
        self.org_id = org_id or self.ids.new("Organization")
        """The org's Id; a session id starts with it (give another to tell orgs apart)."""
        self.api_version = api_version
        self.instance_url = instance_url
        self.credentials = credentials or Credentials()
        self.store = Store(self.schema, self.ids, clock or _now, api_version)
        self.writer = Writer(self.store)
        self.queries = QueryEngine(self.store)
        self.bulk = BulkJobs(bulk_in_progress_polls)
        self.bulk_queries = BulkQueries(bulk_in_progress_polls)
        self.notifications = Notifications()
        """The custom notifications sent (``notifications.sent``)."""
        self.router = Router(
            self.queries, self.bulk, self.limits, self.bulk_queries, self.notifications
        )
        self.faults = Faults(seed=seed)
        self.sessions = Sessions(self.org_id)
        self.daily_limit = daily_limit
        self.api_usage = 0
        """DailyApiRequests used; set it to test the budget (calls add to it)."""
        self.api_calls = 0
        """API calls counted since the org started."""
        self.calls: list[CallRecord] = []
        self.requests: deque[Request] = deque(maxlen=KEPT_REQUESTS)
        """The last API requests received, as sent (read them with ``received``)."""
        self.on_request: list[Callable[[Request], None]] = []
        """Called with each API request before it is answered: someone else acting on the
        org between two calls of the client under test."""
        self._lock = threading.RLock()
        self.metadata = MetadataStore(self)
        self.writer.validator = Validator(self.metadata, self.store)
        """The components the Metadata API reads and deploys (``metadata_store.py``)."""
        self.metadata_api = MetadataEndpoint(self.metadata, self.schema, self.ids)
        """The Metadata API's SOAP endpoint: its ``deploys`` and ``calls``."""
        self.user_id = self.insert(
            "User",
            Username=self.credentials.username,
            LastName="Integration",
            FirstName="SF Social",
            Email="integration@localorg.example",
        )
        self.store.user_id = self.user_id
        self.store.table("User")[self.user_id]["OwnerId"] = None
        seed_types(self.insert, package_of(metadata) if custom_fields else None)
        self.access_token = self.sessions.issue()
        """A session valid from the start (as from ``sf org display``)."""

    # -- the core -------------------------------------------------------------------

    def handle(self, request: Request) -> Outcome:
        """Answer one request (the transport applies delay, timeout and drop)."""
        latency = self.faults.latency
        if request.path in TOKEN_PATHS:
            reply = self._sign_in(request)
            self._log(CallRecord(0, request.method, request.path, reply.status))
            return Outcome(reply, latency)
        if request.path.rstrip("/") == "/services/data":
            reply = Reply.of_json(200, versions(request.base_url, self.api_version))
            return self._unlogged(request, reply, latency)
        match = DATA.match(request.path)
        soap = SOAP_PATH.match(request.path) is not None
        if match is None and not soap:
            return self._unlogged(request, _not_found(request), latency)
        with self._lock:
            self.requests.append(request)
            for hook in self.on_request:
                hook(request)
            session = session_of(request) if soap else self.sessions.bearer(request)
            if not self.sessions.valid(session):
                error = ApiFault(401, "INVALID_SESSION_ID", "Session expired or invalid")
                reply = soap_fault(*SOAP_INVALID_SESSION) if soap else error.reply()
                return self._unlogged(request, reply, latency)
            if match is not None and (not match["rest"] or match["rest"] == "/"):
                reply = Reply.of_json(200, resources(match["version"]))
                return self._unlogged(request, reply, latency)
            if self.api_usage >= self.daily_limit:
                error = ApiFault(403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.")
                return self._unlogged(request, self._stamp(error.reply()), latency)
            self.api_calls += 1
            self.api_usage += 1
            number = self.api_calls
            where = soap_fault_path(request) if soap else fault_path(request)
            rule = self.faults.for_call(number, request.method, where)
            fault = rule.kind if rule is not None else None
            if fault is FaultKind.DROP:
                self._log(CallRecord(number, request.method, request.path, None, fault))
                return Outcome(None, latency, drop=True)
            if fault in _FAULT_REPLIES:
                assert fault is not None
                status, code, message = _FAULT_REPLIES[fault]
                if fault is FaultKind.INVALID_SESSION:
                    self.sessions.expire_all()
                reply = self._stamp(ApiFault(status, code, message).reply())
            elif rule is not None and rule.reply is not None:
                given = rule.reply
                reply = self._stamp(Reply(given.status, dict(given.headers), given.body))
            elif fault is FaultKind.BAD_GATEWAY:
                html = "<html><body><h1>502 Bad Gateway</h1></body></html>"
                reply = Reply.of_text(502, html, "text/html")
            elif match is None:
                reply = self.metadata_api.answer(request)
            else:
                user = self.sessions.user_of(session)
                reply = self._stamp(self._route(request, match["version"], number, where, user))
            lost = fault in (FaultKind.LOST_ANSWER, FaultKind.TIMEOUT)
            self._log(
                CallRecord(
                    number, request.method, request.path, None if lost else reply.status, fault
                )
            )
        if fault is FaultKind.TIMEOUT:
            return Outcome(reply, latency, timeout=True)
        return Outcome(reply, latency, drop=fault is FaultKind.LOST_ANSWER)

    def _route(
        self, request: Request, version: str, number: int, where: str, user: str | None
    ) -> Reply:
        position = iter(range(1_000_000))

        def lock_row() -> bool:
            return self.faults.lock_row(number, request.method, where, next(position))

        def record_error(values: dict[str, Any]) -> RecordError | None:
            return self.faults.record_error(number, request.method, where, values)

        ctx = Context(self.store, self.writer, version, lock_row, record_error, user)
        default, self.store.api_version = self.store.api_version, version
        try:
            return self.router.dispatch(ctx, request)
        except ApiFault as fault:
            return fault.reply()
        finally:
            self.store.api_version = default

    def _sign_in(self, request: Request) -> Reply:
        if request.method != "POST":
            return Reply.of_json(
                400, {"error": "invalid_request", "error_description": "must use HTTP POST"}
            )
        with self._lock:
            return token_endpoint(
                request, self.credentials, self.sessions, self.instance_url, self.user_id
            )

    def _stamp(self, reply: Reply) -> Reply:
        reply.headers["Sforce-Limit-Info"] = f"api-usage={self.api_usage}/{self.daily_limit}"
        return reply

    def _unlogged(self, request: Request, reply: Reply, latency: float) -> Outcome:
        self._log(CallRecord(0, request.method, request.path, reply.status))
        return Outcome(reply, latency)

    def _log(self, record: CallRecord) -> None:
        with self._lock:
            self.calls.append(record)

    def limits(self) -> dict[str, dict[str, int]]:
        """The ``GET /limits`` answer: DailyApiRequests from the call count, others fixed."""
        answer = {name: {"Max": 15000, "Remaining": 15000} for name in LIMIT_NAMES}
        answer["DailyApiRequests"] = {
            "Max": self.daily_limit,
            "Remaining": max(0, self.daily_limit - self.api_usage),
        }
        return answer

    # -- sessions -------------------------------------------------------------------

    def new_session(self, user_id: str | None = None) -> str:
        """A fresh valid access token, for ``user_id`` (default: the integration user):
        validation rules see that user's permissions."""
        return self.sessions.issue(user_id)

    def expire_sessions(self) -> None:
        """Expire every session: the next call answers 401 INVALID_SESSION_ID."""
        self.sessions.expire_all()

    # -- seeding and inspection (no API call, no validation) --------------------------

    def insert(self, sobject: str, fields: dict[str, Any] | None = None, **more: Any) -> str:
        """Put a record straight into the org (as an admin's data load) and return its Id.

        Values are taken as given (strings are read as their field's type); an ``Id`` may
        be given. Unknown fields raise ``KeyError``.
        """
        with self._lock:
            obj = self.schema.object(sobject)
            if obj is None:
                raise KeyError(sobject)
            record = self._typed(obj.name, {**(fields or {}), **more})
            for spec in obj.all_fields():
                if spec.default is not None:
                    record.setdefault(spec.name, spec.default)
            if obj.field("OwnerId") is not None and getattr(self, "user_id", None):
                record.setdefault("OwnerId", self.user_id)
            self.store.put(obj, record, None)
            return str(record["Id"])

    def update_record(self, sobject: str, record_id: str, **fields: Any) -> None:
        """Change a record as an agent would in the UI (read-only fields too, e.g. ClosedDate)."""
        with self._lock:
            obj = self.schema.object(sobject)
            existing = self.store.get(sobject, record_id) if obj else None
            if obj is None or existing is None:
                raise KeyError(f"{sobject} {record_id}")
            record = {**existing, **self._typed(obj.name, fields)}
            self.store.put(obj, record, existing)

    def _typed(self, sobject: str, fields: dict[str, Any]) -> dict[str, Any]:
        typed: dict[str, Any] = {}
        for name, value in fields.items():
            spec = self.schema.field(sobject, name)
            typed[spec.name] = values.read(spec, value) if isinstance(value, str) else value
        return typed

    def add_queue(
        self,
        developer_name: str,
        name: str | None = None,
        sobjects: Iterable[str] = ("Case", "Lead"),
    ) -> str:
        """Seed a queue (``Group`` with Type ``Queue``) that may own ``sobjects`` (its
        ``QueueSobject`` rows, as Setup makes them) and return its ``00G`` Id."""
        label = name or developer_name.replace("_", " ")
        queue = self.insert("Group", Name=label, DeveloperName=developer_name, Type="Queue")
        for sobject in sobjects:
            self.insert("QueueSobject", QueueId=queue, SobjectType=sobject)
        return queue

    def add_user(self, username: str, last_name: str = "User", **fields: Any) -> str:
        """Seed an active user and return its ``005`` Id."""
        email = fields.pop("Email", username)
        return self.insert("User", Username=username, LastName=last_name, Email=email, **fields)

    def record(self, sobject: str, record_id: str) -> dict[str, Any] | None:
        """A record as ``GET /sobjects/{Type}/{Id}`` returns it, or None."""
        with self._lock:
            obj = self.schema.object(sobject)
            found = (
                self.store.get(obj.name, record_id) if obj and is_well_formed(record_id) else None
            )
            return self.store.render(obj, found) if obj and found else None

    def records(self, sobject: str) -> list[dict[str, Any]]:
        """Every record of ``sobject``, rendered, in creation order."""
        with self._lock:
            obj = self.schema.object(sobject)
            if obj is None:
                raise KeyError(sobject)
            return [self.store.render(obj, r) for r in self.store.table(obj.name).values()]

    def find(self, sobject: str, field: str, value: str) -> list[dict[str, Any]]:
        """Records whose lookup ``field`` equals ``value`` (as an upsert would match)."""
        with self._lock:
            obj = self.schema.object(sobject)
            if obj is None:
                raise KeyError(sobject)
            spec = self.schema.field(obj.name, field)
            found = [self.store.get(obj.name, i) for i in self.store.find(obj.name, spec, value)]
            return [self.store.render(obj, r) for r in found if r is not None]

    def query(self, soql: str) -> dict[str, Any]:
        """Run SOQL directly (no API call counted); ``ApiFault`` on a bad query."""
        with self._lock:
            return self.queries.run(soql)

    def count(self, sobject: str) -> int:
        """How many records ``sobject`` has."""
        with self._lock:
            obj = self.schema.object(sobject)
            if obj is None:
                raise KeyError(sobject)
            return len(self.store.table(obj.name))

    def received(self, path: str | None = None, *, method: str | None = None) -> list[Received]:
        """The requests received (of ``method`` / whose path holds ``path``), oldest first,
        each Composite call followed by its subrequests (``packed``): see ``received.py``."""
        with self._lock:
            kept = list(self.requests)
        return [
            r
            for r in expand(kept)
            if (method is None or r.method == method.upper()) and (path is None or path in r.path)
        ]

    # -- faults (the rules are in ``faults``) -------------------------------------------

    def fail_record(
        self,
        key: str,
        code: str,
        message: str = "",
        times: int | None = 1,
        *,
        fields: tuple[str, ...] | list[str] = (),
    ) -> RecordFault:
        """The next ``times`` writes of the record carrying ``key`` fail with ``code`` (the
        arguments of ``InMemoryOrg.fail_record``, and the error's ``fields``)."""
        return self.faults.fail_record(key, code, message, times, fields=fields)

    def fail_calls(
        self,
        code: str,
        message: str = "",
        times: int | None = 1,
        status: int = 503,
        *,
        path: str | None = None,
        method: str | None = None,
    ) -> Fault:
        """The next ``times`` calls (matching ``path`` / ``method``) fail as a whole with
        ``code``, after counting as calls."""
        return self.faults.fail_calls(
            code, message, status=status, times=times, path=path, method=method
        )

    def call_count(self, *, method: str | None = None, path: str | None = None) -> int:
        """Counted API calls, optionally only those of ``method`` / containing ``path``."""
        with self._lock:
            return sum(
                1
                for c in self.calls
                if c.number
                and (method is None or c.method == method.upper())
                and (path is None or path in c.path)
            )

    @property
    def inactive_values_seen(self) -> dict[tuple[str, str], set[str]]:
        """Values saved in unrestricted picklists that the org does not define."""
        return self.writer.inactive_values_seen

    # -- transports -----------------------------------------------------------------

    def mock(self, rsps: responses.RequestsMock | None = None) -> AbstractContextManager[LocalOrg]:
        """Answer ``requests`` calls to ``instance_url`` (and OAuth) in-process."""
        from sf_social.testing.mock import mock_org

        return mock_org(self, rsps)

    def serve(self, host: str = "127.0.0.1", port: int = 0) -> LocalOrgServer:
        """A started HTTPS server on loopback answering for this org (use ``with``)."""
        from sf_social.testing.server import LocalOrgServer

        return LocalOrgServer(self, host, port).start()


def _now() -> datetime:
    return datetime.now(UTC)


def _not_found(request: Request) -> Reply:
    return Reply.of_json(
        404, [{"errorCode": "NOT_FOUND", "message": "The requested resource does not exist"}]
    )

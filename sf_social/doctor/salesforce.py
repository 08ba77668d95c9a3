"""The org's side of the preflight: login, API version, org id, fields, picklists, queues,
permission set and daily API headroom, each read through the existing connection.

A check the org cannot answer (an object the user may not query, an endpoint missing) is
a warn with the reason; a login that fails stops the org checks (they could not run).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Set
from typing import Any

from sf_social.doctor.leads import consent_objects
from sf_social.doctor.report import Check, fail, ok, warn
from sf_social.errors import ConfigError, SalesforceError
from sf_social.metadata.validate import INTEGRATION_PERMISSION_SET
from sf_social.playbook import Playbook
from sf_social.routing import routed_queues
from sf_social.salesforce.connection import Connection
from sf_social.salesforce.soql import quote, select_in
from sf_social.salesforce_settings import SalesforceSettings
from sf_social.writable import writable_fields, writable_picklist_values

AREA = "salesforce"
REPLY = "Social_Reply__c"
REPLY_READ = ("Case__c", "Reply_To_Key__c", "Body__c")
REPLY_WRITTEN = ("Status__c", "Posted_Id__c", "Posted_URL__c", "Error__c")
"""What the reply job reads of a reply, and what it writes back."""
DEPLOY = "run `sf-social metadata deploy` (or deploy metadata/ with the sf CLI)"
ASSIGN = (
    f"assign the permission set {INTEGRATION_PERMISSION_SET} to the integration user"
    " (Setup > Users > Permission Set Assignments)"
)
PERMISSION_SET = INTEGRATION_PERMISSION_SET
LOW_HEADROOM = 0.1
PICKLISTS = frozenset({"picklist", "multipicklist"})


def salesforce_checks(
    settings: SalesforceSettings,
    playbook: Playbook | None,
    connect: Callable[[SalesforceSettings], Connection] = Connection,
    *,
    replies: bool = False,
) -> tuple[list[Check], str | None]:
    """Every org check, in order, and the org id; after a failed login only that failure.

    Without a ``playbook`` (it did not load) the picklist and queue checks are left out;
    with ``replies`` (the reply job is enabled) ``Social_Reply__c`` is checked too.
    """
    try:
        connection = connect(settings)
        limits = connection.read_limits()
    except (ConfigError, SalesforceError) as exc:
        fix = "check the SF_* login settings (`sf-social config` shows them)"
        return [fail(AREA, "login", str(exc), fix)], None
    checks = [ok(AREA, "login", f"{settings.auth_mode} at {connection.instance_url}")]
    org = _Org(connection)
    checks += [
        _headroom(limits),
        org.guarded("API version", lambda: _version(connection, settings.api_version)),
        org.guarded("org id", org.identity),
    ]
    fields, editable = org.field_checks()
    checks += fields
    if playbook is not None:
        checks += org.picklist_checks(writable_picklist_values(playbook))
        checks += org.queue_checks(routed_queues(playbook))
    if playbook is not None and playbook.lead_forms.email_consents:
        checks.append(consent_objects(org.describe))
    if replies:
        checks.append(org.guarded("replies", org.reply_fields))
    checks.append(org.guarded("permission set", lambda: org.permission_set(settings, editable)))
    return checks, org.org_id


def _headroom(limits: Mapping[str, Any]) -> Check:
    daily = limits.get("DailyApiRequests")
    if not isinstance(daily, dict) or not isinstance(daily.get("Max"), int):
        return warn(AREA, "API headroom", "the limits answer has no DailyApiRequests")
    left, most = int(daily.get("Remaining") or 0), int(daily["Max"])
    detail = f"{left:,} of {most:,} daily API requests left"
    if left <= 0:
        return fail(AREA, "API headroom", detail, "wait for the 24-hour window or raise the limit")
    if left < most * LOW_HEADROOM:
        return warn(AREA, "API headroom", detail, "lower push/poll rates or raise the limit")
    return ok(AREA, "API headroom", detail)


def _version(connection: Connection, wanted: str) -> Check:
    answer = connection.json("GET", "/services/data/", call="versions")
    offered = [str(v.get("version")) for v in answer if isinstance(v, dict)]
    if wanted in offered:
        return ok(AREA, "API version", f"v{wanted} offered (newest v{max(offered, key=float)})")
    newest = max(offered, key=float) if offered else "none"
    return fail(
        AREA,
        "API version",
        f"v{wanted} is not offered by this org (newest: v{newest})",
        f"set SF_API_VERSION={newest}",
    )


class _Org:
    """The queries and describes of the checks, on one connection."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.org_id = connection.org_id

    def guarded(self, name: str, run: Callable[[], Check]) -> Check:
        """``run()``; an org that cannot answer is a warn naming the reason."""
        try:
            return run()
        except SalesforceError as exc:
            return warn(AREA, name, f"the org could not answer: {exc}")

    def identity(self) -> Check:
        """The org id of the login (the session id's prefix), named by the Organization row."""
        rows = self.connection.query("SELECT Id, Name, IsSandbox FROM Organization")
        if rows:
            self.org_id = self.org_id or str(rows[0]["Id"])[:15]
        if self.org_id is None:
            detail = "unknown: the session id does not carry it and Organization has no row"
            return warn(AREA, "org id", detail, "the state store stays unbound until it is known")
        if not rows:
            return ok(AREA, "org id", self.org_id)
        kind = "sandbox" if rows[0].get("IsSandbox") else "production"
        return ok(AREA, "org id", f"{self.org_id} ({rows[0].get('Name')}, {kind})")

    def describe(self, sobject: str) -> dict[str, dict[str, Any]]:
        answer = self.connection.json(
            "GET", f"sobjects/{sobject}/describe/", call=f"describe {sobject}"
        )
        fields = answer.get("fields") if isinstance(answer, dict) else None
        return {str(f.get("name")): f for f in fields or [] if isinstance(f, dict)}

    def field_checks(self) -> tuple[list[Check], bool]:
        """One check per object; whether every written field is editable."""
        checks: list[Check] = []
        editable = True
        for sobject, names in sorted(writable_fields().items()):
            name = f"fields {sobject}"
            try:
                described = self.describe(sobject)
            except SalesforceError as exc:
                checks.append(warn(AREA, name, f"describe failed: {exc}"))
                editable = False
                continue
            missing = sorted(n for n in names if n not in described)
            locked = sorted(
                n
                for n in names
                if n in described
                and not (described[n].get("createable") and described[n].get("updateable"))
            )
            editable = editable and not missing and not locked
            problems = [f"missing {', '.join(missing)}"] if missing else []
            problems += [f"not editable by this user: {', '.join(locked)}"] if locked else []
            if problems:
                fix = DEPLOY if missing else ASSIGN
                checks.append(fail(AREA, name, "; ".join(problems), fix))
            else:
                checks.append(ok(AREA, name, f"{len(names)} custom fields exist and are editable"))
        return checks, editable

    def reply_fields(self) -> Check:
        """``Social_Reply__c`` exists, the job reads its fields and writes its outcome."""
        try:
            described = self.describe(REPLY)
        except SalesforceError as exc:
            return fail(AREA, "replies", f"{REPLY} cannot be described: {exc}", DEPLOY)
        missing = sorted({*REPLY_READ, *REPLY_WRITTEN} - set(described))
        if missing:
            return fail(AREA, "replies", f"{REPLY} lacks {', '.join(missing)}", DEPLOY)
        locked = sorted(f for f in REPLY_WRITTEN if not described[f].get("updateable"))
        if locked:
            detail = f"{REPLY}: not editable by this user: {', '.join(locked)}"
            return fail(AREA, "replies", detail, ASSIGN)
        return ok(AREA, "replies", f"{REPLY} is readable and its outcome fields editable")

    def picklist_checks(self, values: Mapping[tuple[str, str], Set[str]]) -> list[Check]:
        """One check per object: every value we write is an active value of its picklist."""
        by_object: dict[str, dict[str, Set[str]]] = {}
        for (sobject, field), wanted in values.items():
            by_object.setdefault(sobject, {})[field] = wanted
        checks = []
        for sobject, fields in sorted(by_object.items()):
            name = f"picklists {sobject}"
            try:
                described = self.describe(sobject)
            except SalesforceError as exc:
                checks.append(warn(AREA, name, f"describe failed: {exc}"))
                continue
            lacking: list[str] = []
            open_lacking: list[str] = []
            for field, wanted in sorted(fields.items()):
                spec = described.get(field)
                if spec is None or spec.get("type") not in PICKLISTS:
                    continue  # a missing field is reported by the fields check
                active = {
                    str(v.get("value")) for v in spec.get("picklistValues") or [] if v.get("active")
                }
                gone = sorted(wanted - active)
                if gone:
                    entry = f"{field} ({', '.join(gone)})"
                    restricted = field.endswith("__c") or spec.get("restrictedPicklist")
                    (lacking if restricted else open_lacking).append(entry)
            fix = f"{DEPLOY}: it adds and re-activates our values, keeping the org's"
            if lacking:
                detail = f"values missing or inactive: {'; '.join(lacking + open_lacking)}"
                checks.append(fail(AREA, name, detail, fix))
            elif open_lacking:
                detail = f"saved as inactive values: {'; '.join(open_lacking)}"
                checks.append(warn(AREA, name, detail, fix))
            else:
                checks.append(ok(AREA, name, f"{len(fields)} picklists have our values active"))
        return checks

    def queue_checks(self, routed: Mapping[str, tuple[str, ...]]) -> list[Check]:
        """One check per routed queue: exists, accepts its objects, has members."""
        try:
            found = self._rows("Group", ("Id", "DeveloperName"), "DeveloperName", routed, "Queue")
            ids = {str(r["DeveloperName"]): str(r["Id"]) for r in found}
            accepts: dict[str, set[str]] = {}
            for row in self._rows(
                "QueueSobject", ("QueueId", "SobjectType"), "QueueId", ids.values()
            ):
                accepts.setdefault(str(row["QueueId"])[:15], set()).add(str(row["SobjectType"]))
        except SalesforceError as exc:
            return [warn(AREA, "queues", f"the org could not answer: {exc}")]
        try:
            members: set[str] | None = {
                str(r["GroupId"])[:15]
                for r in self._rows("GroupMember", ("GroupId",), "GroupId", ids.values())
            }
        except SalesforceError:
            members = None
        checks = []
        for name, sobjects in routed.items():
            what = f"queue {name}"
            queue = ids.get(name)
            if queue is None:
                fix = f"{DEPLOY}: it creates the queue (or create {name} in Setup > Queues)"
                checks.append(fail(AREA, what, "no such queue", fix))
                continue
            lacking = [s for s in sobjects if s not in accepts.get(queue[:15], set())]
            if lacking:
                fix = f"{DEPLOY}, or add {', '.join(lacking)} to its Supported Objects in Setup"
                checks.append(fail(AREA, what, f"does not accept {', '.join(lacking)}", fix))
            elif members is not None and queue[:15] not in members:
                fix = f"add the people who work {name} as its members in Setup > Queues"
                checks.append(warn(AREA, what, "has no members: nobody sees its records", fix))
            else:
                checks.append(ok(AREA, what, f"accepts {', '.join(sobjects)}"))
        return checks

    def _rows(
        self,
        sobject: str,
        fields: tuple[str, ...],
        key: str,
        values: Iterable[str],
        queue: str | None = None,
    ) -> list[dict[str, Any]]:
        where = {"Type": queue} if queue else None
        statements = select_in(sobject, fields, {key: list(values)}, where=where)
        return [row for soql in statements for row in self.connection.query(soql)]

    def permission_set(self, settings: SalesforceSettings, editable: bool) -> Check:
        name = "permission set"
        if not settings.username:
            detail = f"{PERMISSION_SET} not checked: the login names no user (SF_USERNAME)"
            return ok(AREA, name, detail) if editable else warn(AREA, name, detail, ASSIGN)
        soql = (
            "SELECT Id FROM PermissionSetAssignment WHERE Assignee.Username ="  # noqa: S608
            f" {quote(settings.username)} AND PermissionSet.Name = {quote(PERMISSION_SET)}"
        )
        if self.connection.query(soql):
            return ok(
                AREA, name, f"{INTEGRATION_PERMISSION_SET} is assigned to {settings.username}"
            )
        detail = f"{INTEGRATION_PERMISSION_SET} is not assigned to {settings.username}"
        if editable:
            return warn(
                AREA, name, detail + " (every field is editable: a profile grants access)", ASSIGN
            )
        return fail(AREA, name, detail, ASSIGN)

"""The state store's side of the preflight: reachable, schema current, no other writer.

Read only: the schema is not migrated (pending migrations apply at the next start) and the
SQLite lock is only tested. A lock held by another process is fine for a preflight (a
running daemon holds it) and a failure when the daemon itself is starting.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from sf_social.doctor.report import Check, fail, ok, warn
from sf_social.errors import StateError, StoreLockedError
from sf_social.state.binding import bound_org
from sf_social.state.open import MEMORY_URL
from sf_social.state.sql import SqlStateStore, tables
from sf_social.state.sql.migrations import LATEST

AREA = "state"


def state_checks(
    url: str,
    schema: str | None,
    org_id: str | None,
    *,
    starting: bool = False,
    rebind: bool = False,
) -> list[Check]:
    """Reachable, schema current, bound to ``org_id`` (the login's; another is a failure
    unless ``rebind``), lock free (or held by a daemon, unless ``starting``)."""
    if url == MEMORY_URL:
        return [ok(AREA, "state", "in memory: nothing kept between runs")]
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        return [fail(AREA, "reachable", str(exc), "fix state.url / SF_SOCIAL_DB")]
    database = parsed.database or ""
    local = parsed.get_backend_name() == "sqlite" and database not in ("", ":memory:")
    if local and not Path(database).exists():
        detail = f"{database} does not exist yet: the first run creates it"
        return [ok(AREA, "reachable", detail)]
    try:
        store = SqlStateStore(url, schema=schema, migrate=False)
    except (StateError, SQLAlchemyError) as exc:
        return [fail(AREA, "reachable", str(exc), "check state.url / SF_SOCIAL_DB and the server")]
    try:
        return _open_checks(store, org_id, starting, rebind)
    finally:
        store.close()


def _binding(bound: str | None, org_id: str | None, rebind: bool) -> Check:
    if bound is None:
        return ok(AREA, "org", "not bound yet: the first sync binds it to the org it writes to")
    if org_id is None:
        return warn(AREA, "org", f"bound to {bound}; the login's org is unknown, not compared")
    if bound[:15] != org_id[:15] and rebind:
        return warn(AREA, "org", f"bound to org {bound}: --rebind binds it to {org_id[:15]}")
    if bound[:15] != org_id[:15]:
        fix = f"point the SF_* settings at {bound}, or run with --rebind (forgets its ledger)"
        return fail(AREA, "org", f"bound to org {bound}, but the login is org {org_id[:15]}", fix)
    return ok(AREA, "org", f"bound to this org ({bound})")


def _open_checks(
    store: SqlStateStore, org_id: str | None, starting: bool, rebind: bool
) -> list[Check]:
    try:
        if not inspect(store.engine).has_table(tables.schema_version.name, schema=store.schema):
            detail = f"{store.database}: empty, the first start creates the tables"
            return [ok(AREA, "reachable", detail)]
        version = store.schema_version()
    except SQLAlchemyError as exc:
        reason = str(exc).splitlines()[0]
        return [fail(AREA, "reachable", f"{store.database}: {reason}", "check the database")]
    checks = [ok(AREA, "reachable", store.database)]
    if version > LATEST:
        fix = "upgrade sf_social to the version that wrote it"
        checks.append(fail(AREA, "schema", f"version {version} is newer than {LATEST}", fix))
    elif version < LATEST:
        detail = f"version {version}: {LATEST - version} migration(s) apply at the next start"
        checks.append(warn(AREA, "schema", detail))
    else:
        checks.append(ok(AREA, "schema", f"current (version {version})"))
        checks.append(_binding(bound_org(store), org_id, rebind))
    try:
        store.lock_for_daemon().release()
    except StoreLockedError as exc:
        if starting:
            checks.append(fail(AREA, "writer", str(exc), "stop the other process first"))
        else:
            checks.append(ok(AREA, "writer", f"in use (a running daemon is fine): {exc}"))
    else:
        checks.append(ok(AREA, "writer", "no other process holds it"))
    return checks

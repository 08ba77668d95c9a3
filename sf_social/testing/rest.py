"""Routing REST paths (``/services/data/vXX.X/...``) to their handlers."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from sf_social.testing import sobjects
from sf_social.testing.bulk import BulkJobs
from sf_social.testing.bulk_query import BulkQueries
from sf_social.testing.composite import composite
from sf_social.testing.notifications import Notifications
from sf_social.testing.query import QueryEngine
from sf_social.testing.replies import ApiFault, Reply, Request
from sf_social.testing.sobjects import Context

DATA = re.compile(r"^/services/data/v(?P<version>\d+\.\d)(?P<rest>/.*)?$")
Handler = Callable[..., Reply]

LIMIT_NAMES = (
    "ConcurrentAsyncGetReportInstances",
    "ConcurrentSyncReportRuns",
    "DailyApiRequests",
    "DailyAsyncApexExecutions",
    "DailyBulkApiBatches",
    "DailyBulkV2QueryFileStorageMB",
    "DailyBulkV2QueryJobs",
    "DailyStreamingApiEvents",
    "DailyWorkflowEmails",
    "DataStorageMB",
    "FileStorageMB",
    "HourlyODataCallout",
    "MassEmail",
    "SingleEmail",
)
"""The limits ``GET /limits`` lists (each ``{"Max", "Remaining"}``)."""


class Router:
    """Maps (method, path) to a handler; 404/405 as Salesforce answers them."""

    def __init__(
        self,
        queries: QueryEngine,
        bulk: BulkJobs,
        limits: Callable[[], dict[str, dict[str, int]]],
        bulk_queries: BulkQueries | None = None,
        notifications: Notifications | None = None,
    ) -> None:
        self.queries = queries
        self.bulk = bulk
        self.bulk_queries = bq = bulk_queries or BulkQueries()
        self.notifications = notifications or Notifications()
        self.limits = limits
        s = sobjects
        table: list[tuple[str, dict[str, Handler]]] = [
            (r"/limits", {"GET": self._limits}),
            (r"/(?:query|queryAll)", {"GET": self._query}),
            (r"/(?:query|queryAll)/(?P<locator>[^/]+)", {"GET": self._more}),
            (r"/composite", {"POST": self._composite}),
            (
                r"/composite/sobjects",
                {
                    "POST": s.collection_create,
                    "PATCH": s.collection_update,
                    "DELETE": s.collection_delete,
                },
            ),
            (r"/composite/sobjects/(?P<t>[^/]+)/(?P<f>[^/]+)", {"PATCH": s.collection_upsert}),
            (r"/sobjects/(?P<t>[^/]+)", {"POST": s.create}),
            (r"/sobjects/(?P<t>[^/]+)/describe", {"GET": s.describe}),
            (
                r"/sobjects/(?P<t>[^/]+)/(?P<id>[^/]+)",
                {"GET": s.get, "PATCH": s.update, "DELETE": s.delete},
            ),
            (
                r"/sobjects/(?P<t>[^/]+)/(?P<f>[^/]+)/(?P<v>[^/]+)",
                {"GET": s.by_key, "PATCH": s.by_key, "DELETE": s.by_key},
            ),
            (r"/jobs/ingest", {"GET": bulk.all, "POST": bulk.create}),
            (
                r"/jobs/ingest/(?P<job>[^/]+)",
                {"GET": bulk.get, "PATCH": bulk.change, "DELETE": bulk.delete},
            ),
            (r"/jobs/ingest/(?P<job>[^/]+)/batches", {"PUT": bulk.upload}),
            (
                r"/jobs/ingest/(?P<job>[^/]+)/(?P<kind>successfulResults|failedResults|"
                r"unprocessedrecords)",
                {"GET": bulk.results},
            ),
            (r"/jobs/query", {"POST": bq.create}),
            (r"/jobs/query/(?P<job>[^/]+)", {"GET": bq.get, "PATCH": bq.change}),
            (r"/jobs/query/(?P<job>[^/]+)/results", {"GET": bq.results}),
            (r"/actions/standard/customNotificationAction", {"POST": self.notifications.send}),
        ]
        self.routes = [(re.compile(f"^{p}/?$"), h) for p, h in table]

    def dispatch(self, ctx: Context, request: Request) -> Reply:
        """Answer one request under ``/services/data``."""
        match = DATA.match(request.path)
        if match is None:
            raise sobjects.NOT_FOUND
        rest = match["rest"] or "/"
        for pattern, handlers in self.routes:
            found = pattern.match(rest)
            if found is None:
                continue
            handler = handlers.get(request.method)
            if handler is None:
                allowed = ",".join(handlers)
                raise ApiFault(
                    405,
                    "METHOD_NOT_ALLOWED",
                    f"HTTP Method '{request.method}' not allowed. Allowed are {allowed}",
                )
            return handler(ctx, request, *found.groups())
        raise sobjects.NOT_FOUND

    def _limits(self, ctx: Context, request: Request) -> Reply:
        return Reply.of_json(200, self.limits())

    def _query(self, ctx: Context, request: Request) -> Reply:
        text = request.params().get("q")
        if text is None:
            raise ApiFault(400, "MALFORMED_QUERY", "A query string has to be specified")
        return Reply.of_json(200, self.queries.run(text))

    def _more(self, ctx: Context, request: Request, locator: str) -> Reply:
        return Reply.of_json(200, self.queries.more(locator))

    def _composite(self, ctx: Context, request: Request) -> Reply:
        def sub(subrequest: Request) -> Reply:
            try:
                return self.dispatch(ctx, subrequest)
            except ApiFault as fault:
                return fault.reply()

        return composite(ctx.store, request, sub)


LATEST_VERSION = 66
"""The newest API version the local org offers (Spring '26), as a real org lists them all."""


def versions(base: str, current: str) -> list[dict[str, Any]]:
    """``GET /services/data``: every API version offered, oldest first (no sign-in needed);
    the org answers at any of them."""
    newest = max(LATEST_VERSION, int(float(current)))
    return [
        {"label": "Local org", "url": f"/services/data/v{v}.0", "version": f"{v}.0"}
        for v in range(20, newest + 1)
    ]


def resources(version: str) -> dict[str, str]:
    """``GET /services/data/vXX.X``: the resources this org answers."""
    names = ("composite", "jobs", "limits", "query", "sobjects")
    return {name: f"/services/data/v{version}/{name}" for name in names}

"""A local Salesforce org for tests: no org, no network, real REST shapes.

It keeps records in memory, enforces the schema (standard fields and the custom fields
and picklists of ``metadata/``), answers a REST subset with Salesforce's JSON and
headers, counts API calls, and injects faults. Use it in-process through ``responses``
or over HTTPS on loopback::

    from sf_social.testing import FaultKind, LocalOrg

    org = LocalOrg(seed=7)
    with org.mock():                     # requests/simple-salesforce → the org
        sf = Salesforce(instance_url=org.instance_url, session_id=org.access_token)
        ...
    with org.serve() as server:          # https://127.0.0.1:<port>, trust server.ca_file
        ...
    org.faults.add(FaultKind.SERVER_UNAVAILABLE, rate=0.2)
    org.faults.next(FaultKind.LOST_ANSWER)
    org.fail_record("twitter:thread:7", "UNABLE_TO_LOCK_ROW", times=2)   # by key
    org.fail_calls("INVALID_FIELD", "No such column", status=400, path="/composite/sobjects")
    org.faults.answer(200, "<html>Maintenance</html>")   # any answer, as a proxy may give
    org.call_count(path="/composite/sobjects")
    org.received("/composite/sobjects")   # what was sent: bodies, headers, subrequests

Resources: OAuth token (password, client credentials, JWT bearer), sObject create / get /
update / delete / upsert by external id / describe, sObject Collections (create, update,
upsert), Composite, query (a SOQL subset), limits, Bulk API 2.0 ingest; and the Metadata
API (SOAP readMetadata, deploy, checkDeployStatus) on the org's own custom fields, standard
value sets and queues, so ``sf-social metadata diff`` / ``deploy`` run against it, and a
deploy changes what REST writes accept. ``org.metadata`` holds the components
(``load`` a readMetadata answer to start from an admin's org), ``org.metadata_api`` the
deploys received; ``org.on_request`` lets a test act as someone else between two calls.

For unit tests that need no HTTP at all, ``InMemoryOrg`` is the writer's org port on a
dictionary and ``InMemoryWriter`` the Salesforce writer on it.
"""

from __future__ import annotations

from sf_social.testing.auth import Credentials
from sf_social.testing.faults import Fault, FaultKind, Faults, Injected, RecordFault
from sf_social.testing.memory_org import InMemoryOrg, InMemoryWriter
from sf_social.testing.org import CallRecord, LocalOrg
from sf_social.testing.received import Received
from sf_social.testing.replies import ApiFault, Reply, Request
from sf_social.testing.schema import FieldSpec, FieldType, OrgSchema
from sf_social.testing.server import LocalOrgServer

__all__ = [
    "ApiFault",
    "CallRecord",
    "Credentials",
    "Fault",
    "FaultKind",
    "Faults",
    "FieldSpec",
    "FieldType",
    "InMemoryOrg",
    "InMemoryWriter",
    "Injected",
    "LocalOrg",
    "LocalOrgServer",
    "OrgSchema",
    "Received",
    "RecordFault",
    "Reply",
    "Request",
]

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
    org.call_count(path="/composite/sobjects")

Resources: OAuth token (password, client credentials, JWT bearer), sObject create / get /
update / delete / upsert by external id / describe, sObject Collections (create, update,
upsert), Composite, query (a SOQL subset), limits, Bulk API 2.0 ingest.
"""

from __future__ import annotations

from sf_social.testing.auth import Credentials
from sf_social.testing.faults import Fault, FaultKind, Faults, Injected
from sf_social.testing.org import CallRecord, LocalOrg, Outcome
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
    "Injected",
    "LocalOrg",
    "LocalOrgServer",
    "OrgSchema",
    "Outcome",
    "Reply",
    "Request",
]

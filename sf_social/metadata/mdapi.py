"""A small typed client for the Metadata API SOAP endpoint: read, deploy, deploy status.

``{instance}/services/Soap/m/{version}`` with a ``SessionHeader``; every call has an explicit
timeout; answers are parsed with defusedxml (XML from outside is never trusted). A SOAP fault
raises ``MetadataFaultError``; an answer that is not the expected SOAP message (an HTML
login page, truncated XML, a proxy error) raises ``MetadataApiError``; both name the call
and the component.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from xml.etree.ElementTree import Element, ParseError, tostring
from xml.sax.saxutils import escape

import requests
from defusedxml import DefusedXmlException

from sf_social.errors import MetadataApiError, MetadataFaultError
from sf_social.metadata.merge import PicklistValue
from sf_social.metadata.session import OrgSession
from sf_social.metadata.valuexml import (
    child_text,
    children,
    local,
    parse_bool,
    parse_value,
    parse_xml,
)

READ_LIMIT = 10  # readMetadata returns at most 10 components per call
XSI_NIL = "{http://www.w3.org/2001/XMLSchema-instance}nil"
_ENVELOPE = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"'
    ' xmlns:met="http://soap.sforce.com/2006/04/metadata">'
    "<soapenv:Header><met:SessionHeader><met:sessionId>{session}</met:sessionId>"
    "</met:SessionHeader></soapenv:Header>"
    "<soapenv:Body>{body}</soapenv:Body></soapenv:Envelope>"
)


class TestLevel(StrEnum):
    """Which Apex tests a deploy runs (``DeployOptions.testLevel``)."""

    __test__ = False  # not a pytest test class

    NO_TEST_RUN = "NoTestRun"
    RUN_SPECIFIED_TESTS = "RunSpecifiedTests"
    RUN_LOCAL_TESTS = "RunLocalTests"
    RUN_ALL_TESTS_IN_ORG = "RunAllTestsInOrg"


class DeployStatus(StrEnum):
    """``DeployResult.status``."""

    PENDING = "Pending"
    IN_PROGRESS = "InProgress"
    SUCCEEDED = "Succeeded"
    SUCCEEDED_PARTIAL = "SucceededPartial"
    FAILED = "Failed"
    CANCELING = "Canceling"
    CANCELED = "Canceled"


@dataclass(frozen=True)
class MetadataRecord:
    """One component as the org has it: its picklist values, if it has any."""

    type: str
    full_name: str
    field_type: str | None = None
    values: tuple[PicklistValue, ...] = ()
    sorted: bool = False
    restricted: bool | None = None
    value_set_name: str | None = None
    sobjects: tuple[str, ...] = ()
    source: bytes = b""
    """The record as the org answered it (a queue is deployed back from it)."""


@dataclass(frozen=True)
class DeployMessage:
    """The outcome of one component of a deploy (``componentSuccesses``/``componentFailures``)."""

    component_type: str
    full_name: str
    file_name: str
    success: bool
    problem: str | None = None
    problem_type: str | None = None
    line: int | None = None
    column: int | None = None
    created: bool = False
    changed: bool = False
    deleted: bool = False


@dataclass(frozen=True)
class DeployResult:
    """``checkDeployStatus``: where a deploy is, and per component what happened."""

    id: str
    done: bool
    status: DeployStatus
    success: bool
    check_only: bool
    components_total: int = 0
    components_deployed: int = 0
    component_errors: int = 0
    error_status_code: str | None = None
    error_message: str | None = None
    state_detail: str | None = None
    failures: tuple[DeployMessage, ...] = ()
    successes: tuple[DeployMessage, ...] = ()


class MetadataApi:
    """The calls of the Metadata API that the deploy needs, on one org session."""

    def __init__(
        self,
        session: OrgSession,
        *,
        api_version: str,
        timeout: float,
        http: requests.Session | None = None,
    ) -> None:
        self.endpoint = f"{session.instance_url}/services/Soap/m/{api_version}"
        self._session = session
        self._timeout = timeout
        self._http = http or requests.Session()

    def read_metadata(
        self, metadata_type: str, full_names: Sequence[str]
    ) -> dict[str, MetadataRecord]:
        """The named components that exist, keyed by the name asked for (any case)."""
        found: dict[str, MetadataRecord] = {}
        for start in range(0, len(full_names), READ_LIMIT):
            chunk = full_names[start : start + READ_LIMIT]
            component = f"{metadata_type} {', '.join(chunk)}"
            names = "".join(f"<met:fullNames>{escape(n)}</met:fullNames>" for n in chunk)
            body = f"<met:readMetadata><met:type>{escape(metadata_type)}</met:type>{names}"
            answer = self._call("readMetadata", component, body + "</met:readMetadata>")
            wanted = {name.casefold(): name for name in chunk}
            for record in children(_result(answer, "readMetadata", component), "records"):
                parsed = _record(record, metadata_type, component)
                if parsed is not None and parsed.full_name.casefold() in wanted:
                    found[wanted[parsed.full_name.casefold()]] = parsed
        return found

    def deploy(self, zip_bytes: bytes, *, check_only: bool, test_level: TestLevel | None) -> str:
        """Start a deploy of a single-package zip, rolled back on any error; its id.

        ``test_level=None`` leaves the org's default: no tests in a sandbox, and in
        production tests only when the package holds Apex (``NoTestRun`` is refused there).
        """
        options = (
            "<met:allowMissingFiles>false</met:allowMissingFiles>"
            "<met:autoUpdatePackage>false</met:autoUpdatePackage>"
            f"<met:checkOnly>{str(check_only).lower()}</met:checkOnly>"
            "<met:ignoreWarnings>false</met:ignoreWarnings>"
            "<met:performRetrieve>false</met:performRetrieve>"
            "<met:purgeOnDelete>false</met:purgeOnDelete>"
            "<met:rollbackOnError>true</met:rollbackOnError>"
            "<met:singlePackage>true</met:singlePackage>"
        )
        if test_level is not None:
            options += f"<met:testLevel>{test_level}</met:testLevel>"
        zip_text = base64.b64encode(zip_bytes).decode("ascii")
        body = (
            f"<met:deploy><met:ZipFile>{zip_text}</met:ZipFile>"
            f"<met:DeployOptions>{options}</met:DeployOptions></met:deploy>"
        )
        component = f"package of {len(zip_bytes)} bytes"
        result = _result(self._call("deploy", component, body), "deploy", component)
        deploy_id = child_text(result, "id")
        if not deploy_id:
            raise MetadataApiError("deploy", component, "the answer carries no deploy id")
        return deploy_id

    def check_deploy_status(self, deploy_id: str, *, include_details: bool = True) -> DeployResult:
        """Where deploy ``deploy_id`` is; with details, every component's outcome."""
        component = f"deploy {deploy_id}"
        body = (
            f"<met:checkDeployStatus><met:asyncProcessId>{escape(deploy_id)}</met:asyncProcessId>"
            f"<met:includeDetails>{str(include_details).lower()}</met:includeDetails>"
            "</met:checkDeployStatus>"
        )
        answer = self._call("checkDeployStatus", component, body)
        result = _result(answer, "checkDeployStatus", component)
        try:
            return _deploy_result(result)
        except (ValueError, KeyError) as exc:
            raise MetadataApiError("checkDeployStatus", component, f"unreadable: {exc}") from None

    def _call(self, call: str, component: str, body: str) -> Element:
        """POST one SOAP call; its ``<callResponse>`` element."""
        session_id = escape(self._session.session_id.get_secret_value())
        envelope = _ENVELOPE.format(session=session_id, body=body)
        headers = {"Content-Type": "text/xml; charset=UTF-8", "SOAPAction": call}
        try:
            response = self._http.post(
                self.endpoint, data=envelope.encode("utf-8"), headers=headers, timeout=self._timeout
            )
        except requests.Timeout:
            message = f"no answer within {self._timeout:g} s"
            raise MetadataApiError(call, component, message, transient=True) from None
        except requests.RequestException as exc:
            message = f"{type(exc).__name__}: {exc}"
            raise MetadataApiError(call, component, message, transient=True) from None
        body_element = _soap_body(response, call, component)
        fault = children(body_element, "Fault")
        if fault:
            code = (child_text(fault[0], "faultcode") or "").rpartition(":")[2]
            message = child_text(fault[0], "faultstring") or "(no message)"
            raise MetadataFaultError(call, component, code or "UNKNOWN", message)
        if response.status_code != 200:
            raise MetadataApiError(call, component, _garbage(response), transient=True)
        answer = children(body_element, f"{call}Response")
        if not answer:
            raise MetadataApiError(call, component, f"no <{call}Response> in the answer")
        return answer[0]


def _soap_body(response: requests.Response, call: str, component: str) -> Element:
    """The ``<Body>`` of a SOAP answer; ``MetadataApiError`` describing anything else."""
    try:
        root = parse_xml(response.content)
    except (ParseError, DefusedXmlException):
        root = None
    body = children(root, "Body") if root is not None and local(root.tag) == "Envelope" else []
    if not body:
        transient = response.status_code >= 500
        raise MetadataApiError(call, component, _garbage(response), transient=transient)
    return body[0]


def _garbage(response: requests.Response) -> str:
    """What came back instead of a SOAP message, briefly."""
    kind = response.headers.get("Content-Type", "no content type")
    start = " ".join(response.text[:200].split())[:80]
    return f"not a SOAP answer (HTTP {response.status_code}, {kind}): {start!r}"


def _result(answer: Element, call: str, component: str) -> Element:
    found = children(answer, "result")
    if not found:
        raise MetadataApiError(call, component, f"no <result> in <{call}Response>")
    return found[0]


def _record(element: Element, metadata_type: str, component: str) -> MetadataRecord | None:
    """One ``<records>`` of a read; ``None`` for a name the org does not have."""
    full_name = child_text(element, "fullName")
    if element.get(XSI_NIL) == "true" or not full_name:
        return None
    if metadata_type == "Queue":
        entries = children(element, "queueSobject")
        return MetadataRecord(
            metadata_type,
            full_name,
            sobjects=tuple(child_text(e, "sobjectType") or "" for e in entries),
            source=tostring(element),
        )
    try:
        if metadata_type == "StandardValueSet":
            return MetadataRecord(
                metadata_type,
                full_name,
                values=tuple(parse_value(v) for v in children(element, "standardValue")),
                sorted=parse_bool(child_text(element, "sorted"), False),
            )
        value_set = children(element, "valueSet")
        definition = children(value_set[0], "valueSetDefinition") if value_set else []
        return MetadataRecord(
            metadata_type,
            full_name,
            field_type=child_text(element, "type"),
            values=tuple(parse_value(v) for d in definition for v in children(d, "value")),
            sorted=parse_bool(child_text(definition[0], "sorted"), False) if definition else False,
            restricted=parse_bool(child_text(value_set[0], "restricted"), False)
            if value_set
            else None,
            value_set_name=child_text(value_set[0], "valueSetName") if value_set else None,
        )
    except ValueError as exc:
        raise MetadataApiError("readMetadata", component, f"{full_name}: {exc}") from None


def _int(element: Element, name: str) -> int:
    text = child_text(element, name)
    return int(text) if text else 0


def _message(element: Element) -> DeployMessage:
    line = child_text(element, "lineNumber")
    column = child_text(element, "columnNumber")
    return DeployMessage(
        component_type=child_text(element, "componentType") or "",
        full_name=child_text(element, "fullName") or "",
        file_name=child_text(element, "fileName") or "",
        success=parse_bool(child_text(element, "success"), False),
        problem=child_text(element, "problem"),
        problem_type=child_text(element, "problemType"),
        line=int(line) if line else None,
        column=int(column) if column else None,
        created=parse_bool(child_text(element, "created"), False),
        changed=parse_bool(child_text(element, "changed"), False),
        deleted=parse_bool(child_text(element, "deleted"), False),
    )


def _deploy_result(result: Element) -> DeployResult:
    deploy_id = child_text(result, "id")
    status = child_text(result, "status")
    if not deploy_id or not status:
        raise ValueError("no id or status")
    details = children(result, "details")
    detail = details[0] if details else Element("details")
    return DeployResult(
        id=deploy_id,
        done=parse_bool(child_text(result, "done"), False),
        status=DeployStatus(status),
        success=parse_bool(child_text(result, "success"), False),
        check_only=parse_bool(child_text(result, "checkOnly"), False),
        components_total=_int(result, "numberComponentsTotal"),
        components_deployed=_int(result, "numberComponentsDeployed"),
        component_errors=_int(result, "numberComponentErrors"),
        error_status_code=child_text(result, "errorStatusCode"),
        error_message=child_text(result, "errorMessage"),
        state_detail=child_text(result, "stateDetail"),
        failures=tuple(_message(m) for m in children(detail, "componentFailures")),
        successes=tuple(_message(m) for m in children(detail, "componentSuccesses")),
    )

"""The local org's Metadata API (SOAP, ``/services/Soap/m/{version}``): readMetadata, deploy,
checkDeployStatus, answered from and applied to the org's own state (``MetadataStore``).

- ``readMetadata(type, fullNames)``: up to 10 names of CustomField, StandardValueSet or
  Queue (any other type: ``INVALID_TYPE``); a name the org lacks reads as an empty record.
- ``deploy(ZipFile, DeployOptions)``: a single-package zip, each ``package.xml`` member
  checked against the org and the rest of the deploy (``metadata_checks.py``). With
  ``rollbackOnError`` (as clients send) one failure fails the deploy and nothing is saved;
  ``checkOnly`` validates and saves nothing.
- ``checkDeployStatus(id)``: ``InProgress`` for ``in_progress_polls`` checks, then the
  outcome with every component's result; a successful deploy is applied then, once.

The session is the ``SessionHeader``'s; an invalid one answers the ``INVALID_SESSION_ID``
fault. ``deploys`` keeps every deploy received (its zip files and options) and ``calls``
every operation, for tests to read.
"""

from __future__ import annotations

import base64
import io
import re
import zipfile
from dataclasses import dataclass, field
from xml.etree.ElementTree import Element, ParseError, SubElement, tostring

from defusedxml import DefusedXmlException

from sf_social.metadata.valuexml import child_text, children, local, parse_xml
from sf_social.testing.ids import IdFactory
from sf_social.testing.metadata_checks import ComponentResult, check_deploy
from sf_social.testing.metadata_store import READABLE, XSI_TYPE, MetadataStore, md
from sf_social.testing.replies import Reply, Request
from sf_social.testing.schema import OrgSchema

SOAP_PATH = re.compile(r"^/services/Soap/m/(?P<version>\d+\.\d)/?$")
ENVELOPE_NS = "http://schemas.xmlsoap.org/soap/envelope/"
SOAP_INVALID_SESSION = (
    "INVALID_SESSION_ID",
    "Invalid Session ID found in SessionHeader: Illegal Session",
)
"""The fault an expired or unknown session gets."""
READ_LIMIT = 10


def _envelope(request: Request) -> Element | None:
    try:
        root = parse_xml(request.body)
    except (ParseError, DefusedXmlException):
        return None
    return root if local(root.tag) == "Envelope" else None


def soap_call(request: Request) -> tuple[str, Element] | None:
    """The operation and its element in a SOAP request body, or None if there is none."""
    envelope = _envelope(request)
    body = children(envelope, "Body") if envelope is not None else []
    call = next(iter(body[0]), None) if body else None
    return (local(call.tag), call) if call is not None else None


def soap_fault_path(request: Request) -> str:
    """The path fault rules match: the endpoint's, then the operation (``checkDeployStatus``),
    so a rule can aim at one operation."""
    found = soap_call(request)
    return f"{request.path} {found[0]}" if found else request.path


def session_of(request: Request) -> str | None:
    """The ``SessionHeader``'s ``sessionId`` of a SOAP request."""
    envelope = _envelope(request)
    headers = children(envelope, "Header") if envelope is not None else []
    session = children(headers[0], "SessionHeader") if headers else []
    return child_text(session[0], "sessionId") if session else None


def soap_fault(code: str, message: str, status: int = 500) -> Reply:
    """A SOAP fault, as Salesforce sends one (HTTP 500)."""
    envelope = Element(f"{{{ENVELOPE_NS}}}Envelope")
    fault = SubElement(SubElement(envelope, f"{{{ENVELOPE_NS}}}Body"), f"{{{ENVELOPE_NS}}}Fault")
    SubElement(fault, "faultcode").text = f"sf:{code}"
    SubElement(fault, "faultstring").text = f"{code}: {message}"
    return _xml_reply(envelope, status)


@dataclass
class Deploy:
    """A deploy received: its files, options, results and how many checks it still runs."""

    id: str
    files: dict[str, bytes]
    options: Element
    results: list[ComponentResult] = field(default_factory=list)
    polls_left: int = 0
    applied: bool = False
    error: str | None = None

    @property
    def check_only(self) -> bool:
        """Validate only, save nothing."""
        return child_text(self.options, "checkOnly") == "true"

    @property
    def failures(self) -> list[ComponentResult]:
        """The components that failed."""
        return [r for r in self.results if r.problem is not None]

    @property
    def status(self) -> str:
        """The final status: Succeeded, SucceededPartial or Failed."""
        if self.error is not None:
            return "Failed"
        if not self.failures:
            return "Succeeded"
        rollback = child_text(self.options, "rollbackOnError") != "false"
        return (
            "Failed" if rollback or len(self.failures) == len(self.results) else "SucceededPartial"
        )


class MetadataEndpoint:
    """Answers the Metadata API calls of one org; see the module docstring."""

    def __init__(
        self, store: MetadataStore, schema: OrgSchema, ids: IdFactory, in_progress_polls: int = 1
    ) -> None:
        self.store = store
        self.schema = schema
        self.ids = ids
        self.in_progress_polls = in_progress_polls
        self.calls: list[str] = []
        self.deploys: list[Deploy] = []

    def answer(self, request: Request) -> Reply:
        """Answer one SOAP call (the session was checked by the org)."""
        found = soap_call(request)
        if found is None:
            return soap_fault("INVALID_OPERATION", "the body holds no SOAP operation")
        operation, call = found
        self.calls.append(operation)
        if operation == "readMetadata":
            return self._read(call)
        if operation == "deploy":
            return self._deploy(call)
        if operation == "checkDeployStatus":
            return self._status(call)
        return soap_fault("INVALID_OPERATION", f"the local org does not answer {operation}")

    def _read(self, call: Element) -> Reply:
        metadata_type = child_text(call, "type") or ""
        names = [e.text or "" for e in children(call, "fullNames")]
        if metadata_type not in READABLE:
            return soap_fault(
                "INVALID_TYPE", "This type of metadata is not available for this organization"
            )
        if len(names) > READ_LIMIT:
            return soap_fault("LIMIT_EXCEEDED", f"at most {READ_LIMIT} fullNames per call")
        result = Element(md("result"))
        for name in names:
            record = self.store.get(metadata_type, name)
            result.append(
                record if record is not None else Element(md("records"), {XSI_TYPE: metadata_type})
            )
        return _answer("readMetadataResponse", result)

    def _deploy(self, call: Element) -> Reply:
        options = next(iter(children(call, "DeployOptions")), Element(md("DeployOptions")))
        deploy = Deploy(self.ids.new("DeployRequest"), {}, options)
        deploy.polls_left = self.in_progress_polls
        try:
            data = base64.b64decode(child_text(call, "ZipFile") or "", validate=True)
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                deploy.files = {n: archive.read(n) for n in archive.namelist()}
        except (ValueError, zipfile.BadZipFile):
            deploy.error = "the ZipFile is not a zip archive"
        if deploy.error is None:
            if "package.xml" in deploy.files:
                deploy.results = check_deploy(self.store, self.schema, deploy.files)
            else:
                deploy.error = "No package.xml found"
        self.deploys.append(deploy)
        result = Element(md("result"))
        for name, text in (("done", "false"), ("id", deploy.id), ("state", "Queued")):
            SubElement(result, md(name)).text = text
        return _answer("deployResponse", result)

    def _status(self, call: Element) -> Reply:
        wanted = child_text(call, "asyncProcessId")
        deploy = next((d for d in self.deploys if d.id == wanted), None)
        if deploy is None:
            return soap_fault("INVALID_ID_FIELD", f"no deploy with id {wanted}")
        total = len(deploy.results)
        values: dict[str, str] = {
            "checkOnly": str(deploy.check_only).lower(),
            "id": deploy.id,
            "numberComponentsTotal": str(total),
            "rollbackOnError": str(
                child_text(deploy.options, "rollbackOnError") != "false"
            ).lower(),
        }
        details = Element(md("details"))
        if deploy.polls_left > 0:
            deploy.polls_left -= 1
            values |= {
                "done": "false",
                "numberComponentErrors": "0",
                "numberComponentsDeployed": str(total // 2),
                "stateDetail": "Processing Type: CustomField",
                "status": "InProgress",
                "success": "false",
            }
        else:
            status = deploy.status
            values |= {
                "done": "true",
                "numberComponentErrors": str(len(deploy.failures)),
                "numberComponentsDeployed": str(total - len(deploy.failures)),
                "status": status,
                "success": str(status != "Failed").lower(),
            }
            if deploy.error is not None:
                values["errorMessage"] = deploy.error
            if status != "Failed" and not deploy.check_only and not deploy.applied:
                for component in deploy.results:
                    if component.problem is None and component.record is not None:
                        self.store.put(component.component_type, component.record)
                deploy.applied = True
            if child_text(call, "includeDetails") != "false":
                details.extend(_message(r) for r in deploy.results)
        result = Element(md("result"))
        result.append(details)
        for name in sorted(values):
            SubElement(result, md(name)).text = values[name]
        return _answer("checkDeployStatusResponse", result)


def _message(result: ComponentResult) -> Element:
    tag = "componentFailures" if result.problem else "componentSuccesses"
    message = Element(md(tag))
    values = {
        "changed": str(result.changed and not result.problem).lower(),
        "columnNumber": str(result.column) if result.column else None,
        "componentType": result.component_type,
        "created": str(result.created and not result.problem).lower(),
        "deleted": "false",
        "fileName": result.file_name,
        "fullName": result.full_name,
        "lineNumber": str(result.line) if result.line else None,
        "problem": result.problem,
        "problemType": "Error" if result.problem else None,
        "success": str(result.problem is None).lower(),
    }
    for name, text in values.items():
        if text is not None:
            SubElement(message, md(name)).text = text
    return message


def _answer(tag: str, result: Element) -> Reply:
    envelope = Element(f"{{{ENVELOPE_NS}}}Envelope")
    SubElement(SubElement(envelope, f"{{{ENVELOPE_NS}}}Body"), md(tag)).append(result)
    return _xml_reply(envelope, 200)


def _xml_reply(envelope: Element, status: int) -> Reply:
    data = tostring(envelope, encoding="utf-8", xml_declaration=True)
    return Reply(status, {"Content-Type": "text/xml;charset=UTF-8"}, data)

"""A Metadata API double on `responses`: an org whose components come from the fixtures.

``readMetadata`` answers from the ``<records>`` of ``tests/data/mdapi/read_*.xml`` (names the
org lacks read as an empty record, as Salesforce answers); ``deploy`` keeps the zip it got;
``checkDeployStatus`` plays the given fixtures in order, repeating the last one.
"""

from __future__ import annotations

import base64
import io
import zipfile
from collections.abc import Callable
from pathlib import Path
from xml.etree.ElementTree import Element, tostring

import requests
import responses

from sf_social.metadata.merge import PicklistValue
from sf_social.metadata.valuexml import MD_NS, child_text, children, parse_xml, value_element

DATA = Path(__file__).parents[1] / "data" / "mdapi"
INSTANCE = "https://acme.my.salesforce.com"
ENDPOINT = f"{INSTANCE}/services/Soap/m/63.0"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
_ENVELOPE = (
    '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope'
    ' xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"'
    f' xmlns="{MD_NS}" xmlns:xsi="{XSI}"><soapenv:Body>{{}}</soapenv:Body></soapenv:Envelope>'
)


def fixture(name: str) -> str:
    return (DATA / name).read_text(encoding="utf-8")


def fixture_records(name: str) -> dict[str, Element]:
    """The ``<records>`` with a fullName in a readMetadata fixture, by fullName."""
    envelope = parse_xml((DATA / name).read_bytes())
    return {
        child_text(r, "fullName") or "": r
        for r in envelope.iter(f"{{{MD_NS}}}records")
        if child_text(r, "fullName")
    }


class FakeOrg:
    """What the org has, and every call made to it."""

    def __init__(self, mock: responses.RequestsMock) -> None:
        self.records = {
            "StandardValueSet": fixture_records("read_standard_value_sets.xml"),
            "CustomField": fixture_records("read_custom_fields.xml"),
            "Queue": fixture_records("read_queues.xml"),
        }
        self.status_answers = ["check_deploy_in_progress.xml", "check_deploy_succeeded.xml"]
        self.status_codes: dict[int, tuple[int, str]] = {}  # answer index → (HTTP status, body)
        self.deployed: list[tuple[bytes, Element]] = []  # zip, DeployOptions
        self.calls: list[str] = []
        self.value_set_reads = 0
        self.before_value_set_read: Callable[[int], None] = lambda _n: None
        self._status_calls = 0
        mock.add_callback(responses.POST, ENDPOINT, callback=self._answer)

    def add_value(self, metadata_type: str, name: str, value: PicklistValue) -> None:
        """Someone adds a value to a picklist / standard value set of the org."""
        record = self.records[metadata_type][name]
        if metadata_type == "StandardValueSet":
            record.append(value_element(value, "standardValue"))
        else:
            (value_set,) = children(record, "valueSet")
            (definition,) = children(value_set, "valueSetDefinition")
            definition.append(value_element(value, "value"))

    def deployed_files(self) -> dict[str, bytes]:
        (zip_data, _options), *_ = self.deployed
        with zipfile.ZipFile(io.BytesIO(zip_data)) as archive:
            return {n: archive.read(n) for n in archive.namelist()}

    def _answer(self, request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        assert isinstance(request.body, bytes)
        (body,) = children(parse_xml(request.body), "Body")
        call = next(iter(body))
        name = call.tag.rpartition("}")[2]
        self.calls.append(name)
        headers = {"Content-Type": "text/xml;charset=UTF-8"}
        if name == "readMetadata":
            return 200, headers, self._read(call)
        if name == "deploy":
            zip_data = base64.b64decode(child_text(call, "ZipFile") or "")
            (options,) = children(call, "DeployOptions")
            self.deployed.append((zip_data, options))
            return 200, headers, fixture("deploy.xml")
        index = self._status_calls
        self._status_calls += 1
        if index in self.status_codes:
            status, text = self.status_codes[index]
            return status, {"Content-Type": "text/html"}, text
        answer = self.status_answers[min(index, len(self.status_answers) - 1)]
        return 200, headers, fixture(answer)

    def _read(self, call: Element) -> str:
        metadata_type = child_text(call, "type") or ""
        if metadata_type == "StandardValueSet":
            self.value_set_reads += 1
            self.before_value_set_read(self.value_set_reads)
        records = self.records.get(metadata_type, {})
        parts = []
        for element in children(call, "fullNames"):
            record = records.get(element.text or "")
            parts.append(
                tostring(record, encoding="unicode")
                if record is not None
                else f'<records xsi:type="{metadata_type}"/>'
            )
        result = f"<readMetadataResponse><result>{''.join(parts)}</result></readMetadataResponse>"
        return _ENVELOPE.format(result)

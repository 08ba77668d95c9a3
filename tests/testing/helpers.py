"""A small REST client for talking to the local org in tests."""

from __future__ import annotations

from typing import Any

import requests

from sf_social.testing import LocalOrg

VERSION = "62.0"


class Api:
    """``requests`` bound to an org's instance URL, API version and access token."""

    def __init__(self, org: LocalOrg, *, verify: bool | str = True, timeout: float = 5) -> None:
        self.org = org
        self.session = requests.Session()
        self.verify = verify
        self.session.headers["Authorization"] = f"Bearer {org.access_token}"
        self.timeout = timeout

    @property
    def base(self) -> str:
        return f"{self.org.instance_url}/services/data/v{VERSION}"

    def call(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        """``method`` on ``/services/data/vXX.X`` + ``path``."""
        kwargs.setdefault("timeout", self.timeout)
        kwargs.setdefault(
            "verify", self.verify
        )  # per call: REQUESTS_CA_BUNDLE beats Session.verify
        return self.session.request(method, self.base + path, **kwargs)

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.call("GET", path, **kwargs)

    def post(self, path: str, body: Any = None, **kwargs: Any) -> requests.Response:
        return self.call("POST", path, json=body, **kwargs)

    def patch(self, path: str, body: Any = None, **kwargs: Any) -> requests.Response:
        return self.call("PATCH", path, json=body, **kwargs)

    def query(self, soql: str) -> requests.Response:
        return self.get("/query", params={"q": soql})

    def upsert(
        self, sobject: str, key_field: str, records: list[dict[str, Any]], all_or_none: bool = False
    ) -> requests.Response:
        """sObject Collections upsert of ``records`` (``attributes`` added)."""
        body = {
            "allOrNone": all_or_none,
            "records": [{"attributes": {"type": sobject}, **r} for r in records],
        }
        return self.patch(f"/composite/sobjects/{sobject}/{key_field}", body)


def lead(key: str, **fields: Any) -> dict[str, Any]:
    """A valid Lead body keyed by ``Social_Profile_Key__c``."""
    return {"Social_Profile_Key__c": key, "LastName": "Doe", "Company": "Acme", **fields}


def codes(result: dict[str, Any]) -> list[str]:
    """The statusCodes of one collection result."""
    return [e["statusCode"] for e in result["errors"]]

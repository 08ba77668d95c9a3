"""Sign-in, sessions, API call counting and the daily limit."""

from __future__ import annotations

import base64
import time
from pathlib import Path
from typing import Any

import jwt
import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from simple_salesforce.api import Salesforce

from sf_social.testing import Credentials, LocalOrg
from tests.testing.helpers import Api, lead

TOKEN_URL = "https://login.salesforce.com/services/oauth2/token"


def test_password_grant(org: LocalOrg) -> None:
    creds = org.credentials
    form = {"grant_type": "password", "client_id": creds.client_id,
            "client_secret": creds.client_secret, "username": creds.username,
            "password": creds.password + creds.security_token}  # fmt: skip
    with org.mock():
        response = requests.post(TOKEN_URL, data=form, timeout=5)
        assert response.status_code == 200
        body = response.json()
        assert set(body) == {"access_token", "instance_url", "id", "token_type", "issued_at",
                             "signature"}  # fmt: skip
        assert body["token_type"] == "Bearer"
        assert body["instance_url"] == org.instance_url
        assert body["id"].endswith(f"/{org.org_id}/{org.user_id}")
        assert body["access_token"].startswith(org.org_id[:15] + "!")
        api = Api(org)
        api.session.headers["Authorization"] = f"Bearer {body['access_token']}"
        assert api.get("/limits").status_code == 200
        wrong = requests.post(TOKEN_URL, data={**form, "password": "nope"}, timeout=5)
        assert wrong.status_code == 400
        assert wrong.json() == {
            "error": "invalid_grant",
            "error_description": "authentication failure",
        }
        odd = requests.post(TOKEN_URL, data={"grant_type": "magic"}, timeout=5)
        assert odd.json()["error"] == "unsupported_grant_type"


def test_client_credentials_grant(org: LocalOrg) -> None:
    creds = org.credentials
    basic = base64.b64encode(f"{creds.client_id}:{creds.client_secret}".encode()).decode()
    with org.mock():
        ok = requests.post(
            org.instance_url + "/services/oauth2/token",
            data={"grant_type": "client_credentials"},
            headers={"Authorization": f"Basic {basic}"},
            timeout=5,
        )
        assert ok.status_code == 200
        bad = requests.post(
            org.instance_url + "/services/oauth2/token",
            data={"grant_type": "client_credentials", "client_id": creds.client_id,
                  "client_secret": "wrong"},
            timeout=5,
        )  # fmt: skip
        assert bad.status_code == 400


def test_jwt_bearer_grant_checks_the_signature(tmp_path: Path) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    org = LocalOrg(credentials=Credentials(jwt_public_key=public))
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    key_file = tmp_path / "server.key"
    key_file.write_bytes(pem)
    with org.mock():
        sf = Salesforce(
            username=org.credentials.username,
            consumer_key=org.credentials.client_id,
            privatekey_file=str(key_file),
        )
        assert sf.query("SELECT Id FROM Lead")["totalSize"] == 0
        other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        claims = {"iss": org.credentials.client_id, "sub": org.credentials.username,
                  "aud": "https://login.salesforce.com", "exp": int(time.time()) + 60}  # fmt: skip
        forged = jwt.encode(claims, other, algorithm="RS256")
        grant = "urn:ietf:params:oauth:grant-type:jwt-bearer"
        refused = requests.post(
            TOKEN_URL, data={"grant_type": grant, "assertion": forged}, timeout=5
        )
        assert refused.status_code == 400
        signed = jwt.encode(claims, key, algorithm="RS256")
        accepted = requests.post(
            TOKEN_URL, data={"grant_type": grant, "assertion": signed}, timeout=5
        )
        assert accepted.status_code == 200


def test_missing_or_invalid_session_is_401(api: Api, org: LocalOrg) -> None:
    expected = [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]
    bare = requests.get(api.base + "/limits", timeout=5)
    assert (bare.status_code, bare.json()) == (401, expected)
    forged = requests.get(api.base + "/limits", headers={"Authorization": "Bearer x"}, timeout=5)
    assert (forged.status_code, forged.json()) == (401, expected)
    assert api.get("/limits").status_code == 200
    org.expire_sessions()
    assert api.get("/limits").status_code == 401
    api.session.headers["Authorization"] = f"Bearer {org.new_session()}"
    assert api.get("/limits").status_code == 200
    assert org.api_calls == 2, "401s are not counted"


def test_simple_salesforce_signs_in_again_after_expiry(org: LocalOrg) -> None:
    creds = org.credentials
    with org.mock():
        sf: Any = Salesforce(
            username=creds.username,
            password=creds.password,
            consumer_key=creds.client_id,
            consumer_secret=creds.client_secret,
        )
        assert org.sessions.issued == 2
        sf.Lead.create(lead("k"))
        org.expire_sessions()
        assert sf.query("SELECT Id FROM Lead")["totalSize"] == 1
        assert org.sessions.issued == 3, "one new sign-in on the 401"


def test_every_answer_carries_the_usage_header(api: Api, org: LocalOrg) -> None:
    org.daily_limit = 50
    first = api.post("/sobjects/Lead/", lead("a"))
    assert first.headers["Sforce-Limit-Info"] == "api-usage=1/50"
    failed = api.post("/sobjects/Lead/", {"Nope": 1})
    assert failed.status_code == 400
    assert failed.headers["Sforce-Limit-Info"] == "api-usage=2/50", "failed calls count too"
    api.upsert("Lead", "Social_Profile_Key__c", [lead(f"k{i}") for i in range(200)])
    limits = api.get("/limits")
    assert limits.headers["Sforce-Limit-Info"] == "api-usage=4/50"
    assert limits.json()["DailyApiRequests"] == {"Max": 50, "Remaining": 46}
    assert org.call_count() == 4
    assert org.call_count(path="/composite/sobjects") == 1
    assert org.call_count(method="POST") == 2


def test_daily_limit_refuses_calls_when_spent(api: Api, org: LocalOrg) -> None:
    org.daily_limit = 100
    org.api_usage = 99
    assert api.get("/limits").status_code == 200
    refused = api.get("/limits")
    assert refused.status_code == 403
    assert refused.json() == [
        {"message": "TotalRequests Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED"}
    ]
    assert refused.headers["Sforce-Limit-Info"] == "api-usage=100/100"
    org.api_usage = 10
    assert api.get("/limits").status_code == 200


def test_simple_salesforce_reads_the_usage(org: LocalOrg) -> None:
    with org.mock():
        sf: Any = Salesforce(instance_url=org.instance_url, session_id=org.access_token)
        sf.query("SELECT Id FROM Case")
        usage = sf.api_usage["api-usage"]
        assert (usage.used, usage.total) == (1, 15000)


@pytest.mark.parametrize("path", ["/services/data/v62.0/nothing/here", "/elsewhere"])
def test_unknown_resources_are_404(api: Api, path: str) -> None:
    response = api.session.get(api.org.instance_url + path, timeout=5)
    assert response.status_code == 404
    assert response.json()[0]["errorCode"] == "NOT_FOUND"


def test_login_on_the_orgs_own_host_leaves_its_other_endpoints_registered() -> None:
    """Two matching ``responses`` registrations would make it drop one after a call."""
    org = LocalOrg()
    base = org.instance_url
    with org.mock():
        login = requests.post(f"{base}/services/oauth2/token", data={"grant_type": "password"})
        assert login.status_code == 400  # no such user: answered by the org, not dropped
        seen = len(org.calls)
        for _ in range(3):
            requests.post(
                f"{base}/services/data/v63.0/composite",
                json={"compositeRequest": []},
                headers={"Authorization": f"Bearer {org.access_token}"},
                timeout=5,
            )
        assert [c.path for c in org.calls[seen:]] == ["/services/data/v63.0/composite"] * 3
